"""Case search (GET /search) and the hotline's caller history (GET /search/caller) over read-model rows.

The rows are written directly (make_ticket): search reads only the read model, so no workflow is needed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.main import create_app
from services.accounts import issue_token
from tests.web.conftest import Site, make_ticket

BASE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ROW = re.compile(r'<tr>\s*<td><a href="/cases/([^"]+)"')


def _case(site: Site, ticket_id: str, hours: int = 0, **fields):
    return make_ticket(site.engine, ticket_id, received_at=BASE + timedelta(hours=hours), **fields)


def found(html: str) -> list[str]:
    """The ticket numbers of the result (or history) table, in order."""
    return ROW.findall(html)


async def test_finds_by_ticket_number_phone_address_and_text(site_without_temporal):
    site = site_without_temporal
    _case(site, "2026-1120-000101", 1, complainant_phone="138 1234 5678", address="东关街道建设路12号",
          description="门口垃圾没人清理")
    _case(site, "2026-1120-000102", 2, complainant_phone="+86-13812345678", address="西门街道",
          description="饭店油烟很大，晚上十点还在排油烟")
    _case(site, "2026-1119-000101", 0, complainant_phone="13912345678", address="南街", description="路灯不亮")
    client = await site.signed_in("dispatcher")

    async def search(q: str) -> str:
        page = await client.get("/search", params={"q": q})
        assert page.status_code == 200, page.text[-300:]
        return page.text

    assert found(await search("2026-1120")) == ["2026-1120-000102", "2026-1120-000101"]  # prefix, newest first
    assert found(await search("2026-1120-000101")) == ["2026-1120-000101"]
    assert found(await search("20261120000101")) == ["2026-1120-000101"]  # typed without the dashes
    by_phone = await search("１３８-1234-5678")  # typed any way: full-width, dashes
    assert found(by_phone) == ["2026-1120-000102", "2026-1120-000101"]
    assert "<mark>138 1234 5678</mark>" in by_phone  # a dispatcher sees phones unmasked
    by_address = await search("建设路")
    assert found(by_address) == ["2026-1120-000101"] and "东关街道<mark>建设路</mark>12号" in by_address
    by_text = await search("油烟")
    assert found(by_text) == ["2026-1120-000102"] and "饭店<mark>油烟</mark>很大" in by_text


async def test_a_handler_of_another_unit_does_not_find_the_case(site_without_temporal):
    site = site_without_temporal
    _case(site, "2026-1120-000777", description="化工厂夜间偷排废水", primary_unit_id="dept-ecology",
          cooperating_unit_ids=[])
    ecology, market = await site.signed_in("h-ecology"), await site.signed_in("h-market")
    for q in ("偷排废水", "20261120000777"):
        assert found((await ecology.get("/search", params={"q": q})).text) == ["2026-1120-000777"]
        assert found((await market.get("/search", params={"q": q})).text) == []


async def test_personal_data_is_masked_and_not_searchable_for_roles_that_may_not_see_it(site_without_temporal):
    site = site_without_temporal
    _case(site, "T-MASKED", complainant_name="李娜", complainant_phone="13912345678",
          description="我是李娜，电话13912345678，建设路饭店油烟", address="建设路3号楼2单元502室",
          primary_unit_id="dept-ecology", cooperating_unit_ids=["dept-market"])
    market = await site.signed_in("h-market")  # a cooperating unit: may open the case, sees it masked
    page = await market.get("/search", params={"q": "建设路"})
    assert found(page.text) == ["T-MASKED"]
    assert "13912345678" not in page.text and "李娜" not in page.text and "502" not in page.text
    assert found((await market.get("/search", params={"q": "李娜"})).text) == []  # only in what is masked
    refused = await market.get("/search", params={"q": "139 1234 5678"})
    assert refused.status_code == 403 and found(refused.text) == []
    supervisor = await site.signed_in("supervisor")
    page = await supervisor.get("/search", params={"q": "139 1234 5678"})
    assert found(page.text) == ["T-MASKED"] and "13912345678" in page.text


async def test_like_wildcards_are_matched_literally(site_without_temporal):
    site = site_without_temporal
    _case(site, "T-PERCENT", 1, description="满意度只有100%吗")
    _case(site, "T-HUNDRED", 2, description="罚款100元太多")
    _case(site, "T-UNDERSCORE", 3, description="网站用户名a_b登录不了")
    _case(site, "T-AXB", 4, description="网站用户名axb登录不了")
    client = await site.signed_in("operator")
    assert found((await client.get("/search", params={"q": "100%"})).text) == ["T-PERCENT"]
    assert found((await client.get("/search", params={"q": "a_b"})).text) == ["T-UNDERSCORE"]
    assert found((await client.get("/search", params={"q": "%%"})).text) == []


async def test_results_are_paginated_newest_first(site_without_temporal):
    site = site_without_temporal
    for n in range(25):
        _case(site, f"T-PAGE-{n:02d}", n, description=f"第{n}次反映噪音扰民")
    client = await site.signed_in("operator")
    first = await client.get("/search", params={"q": "噪音扰民"})
    assert found(first.text) == [f"T-PAGE-{n:02d}" for n in range(24, 4, -1)]
    assert "page=2" in first.text
    second = await client.get("/search", params={"q": "噪音扰民", "page": 2})
    assert found(second.text) == [f"T-PAGE-{n:02d}" for n in range(4, -1, -1)]
    assert "page=3" not in second.text


async def test_the_search_page_is_for_staff_and_refuses_a_too_short_query(site_without_temporal):
    for username in ("operator", "h-market", "grid-east", "admin"):
        client = await site_without_temporal.signed_in(username)
        assert 'href="/search"' in (await client.get("/")).text, username
    assert (await client.get("/search")).status_code == 200  # the empty form
    page = await client.get("/search", params={"q": " x "})
    assert page.status_code == 400 and 'name="q"' in page.text
    assert 'href="/search"' not in (await site_without_temporal.client().get("/")).text
    assert (await site_without_temporal.client().get("/search")).status_code == 303  # to the log-in


async def test_caller_history_shows_that_phones_earlier_tickets_only(site_without_temporal):
    site = site_without_temporal
    _case(site, "T-CALLER-OLD", 1, complainant_phone="137-0000-1111", item_name="餐饮油烟扰民")
    _case(site, "T-CALLER-NEW", 2, complainant_phone="13700001111", stage="closed")
    _case(site, "T-SOMEONE-ELSE", 3, complainant_phone="13700001112")
    operator = await site.signed_in("operator")
    form = await operator.get("/intake/hotline")
    assert 'hx-get="/search/caller"' in form.text and 'action="/search"' in form.text  # htmx and without JS
    history = await operator.get("/search/caller", params={"phone": "137 0000 1111"}, headers={"HX-Request": "true"})
    assert found(history.text) == ["T-CALLER-NEW", "T-CALLER-OLD"]
    assert "餐饮油烟扰民" in history.text and "/search?q=13700001111" in history.text
    assert found((await operator.get("/search/caller", params={"phone": "137"})).text) == []
    for username in ("dispatcher", "h-ecology"):
        other = await site.signed_in(username)
        assert (await other.get("/search/caller", params={"phone": "13700001111"})).status_code == 403


@pytest.fixture
def strict_site(seeded, settings) -> Site:
    settings.rate_limit_search = "3/minute"
    return Site(create_app(settings, engine=seeded, temporal_client=object()), seeded, settings, None)


async def test_searches_are_rate_limited_per_account(strict_site):
    client = await strict_site.signed_in("operator")
    for _ in range(3):
        assert (await client.get("/search", params={"q": "油烟"})).status_code == 200
    assert (await client.get("/search", params={"q": "油烟"})).status_code == 429


async def test_the_json_api_searches_the_same_way(site_without_temporal):
    site = site_without_temporal
    _case(site, "T-API", complainant_phone="13912345678", description="我是李娜，电话13912345678，建设路饭店油烟",
          primary_unit_id="dept-ecology", cooperating_unit_ids=["dept-market"])
    with Session(site.engine) as session:
        market, operator = issue_token(session, "h-market", "test"), issue_token(session, "operator", "test")
    client = site.client()
    answer = await client.get("/api/v1/search", params={"q": "饭店油烟"}, headers={"Authorization": f"Bearer {market}"})
    assert answer.status_code == 200
    hit = answer.json()["results"][0]
    assert hit["ticket_id"] == "T-API" and hit["field"] == "description" and "13912345678" not in hit["before"]
    refused = await client.get("/api/v1/search", params={"q": "13912345678"},
                               headers={"Authorization": f"Bearer {market}"})
    assert refused.status_code == 403
    answer = await client.get("/api/v1/search", params={"q": "13912345678"},
                              headers={"Authorization": f"Bearer {operator}"})
    assert [(h["ticket_id"], h["field"]) for h in answer.json()["results"]] == [("T-API", "phone")]
