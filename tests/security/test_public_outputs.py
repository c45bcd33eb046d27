"""No personal data on any public output: a real case full of it, filed through the app, then read from
/board, /public/cases and Open311 (JSON and XML). Open311 shows no filed text before dispatch, and every
public coordinate is rounded."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from sqlmodel import Session

from activities.evaluation import freeze
from core.models.users import ApiToken
from core.security import hash_token
from tests.web.conftest import file_public, seeded, settings, site, ts_env  # noqa: F401  (fixtures)

OPEN311_KEY = "public-outputs-open311-key"
PERSONAL = ("我是李娜，电话+8613912345678，备用139-1234-5679、139 1234 5670，全角１３７１２３４５６７８，"
            "座机0971-6123456，身份证110101900101123、110101199001011234，微信：li_na88，车牌川A·D12345，"
            "住12号楼2门301，邮箱lina@example.com。")
COMPLAINT = "楼下饭店油烟很大"
SECRETS = ("李娜", "13912345678", "1234-5679", "1234 5670", "１３７１２３４５６７８", "6123456", "110101900101123",
           "110101199001011234", "li_na88", "D12345", "12号楼2门301", "lina@example.com",
           "张三", "13812345678")  # the last two: the complainant's own name and phone from the form


def assert_no_personal_data(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} on {where}"


async def test_board_and_typical_cases_show_no_personal_data(site):  # noqa: F811
    ticket_id, secret = await file_public(site, PERSONAL + COMPLAINT)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology", next="/dispatch")
    handler = await site.signed_in("h-ecology")
    assert (await handler.act(ticket_id, "accept")).status_code == 303
    summary = "已加装净化器，回访李娜（13912345678），12号楼2门301已无油烟"
    assert (await handler.act(ticket_id, "submit", summary=summary, outcome="resolved")).status_code == 303
    assert (await dispatcher.act(ticket_id, "review", decision="approve")).status_code == 303
    track = "/track"
    citizen = site.client()
    await citizen.submit(f"/track/{ticket_id}/rate", {"secret": secret, "rating": "satisfied", "resolved": "yes"},
                         form_page=track)
    ticket = await site.wait_for(ticket_id, lambda t: t.published)

    board = (await site.client().get("/board")).text
    assert ticket_id in board and COMPLAINT in board and "已加装净化器" in board
    assert_no_personal_data(board, "/board")

    month = ticket.closed_at.astimezone(ZoneInfo(site.settings.timezone)).strftime("%Y-%m")
    with Session(site.engine) as session:
        freeze(session, month, "city", site.settings)
    cases = (await site.client().get(f"/public/cases?month={month}")).text
    assert ticket_id in cases and COMPLAINT in cases
    assert_no_personal_data(cases, "/public/cases")


def add_open311_key(engine) -> None:
    with Session(engine) as session:
        session.add(ApiToken(token_hash=hash_token(OPEN311_KEY), name="public outputs client", scope="open311",
                             created_at=datetime.now(UTC)))
        session.commit()


async def read_open311(on, ticket_id: str) -> list[tuple[str, dict]]:
    """The case as every public Open311 read shows it on the site `on`: (where, fields)."""
    client, views = on.client(), []
    for path in ("/open311/v2/requests.json", f"/open311/v2/requests/{ticket_id}.json"):
        response = await client.get(path)
        assert response.status_code == 200, response.text
        assert_no_personal_data(response.text, path)
        views += [(path, r) for r in response.json() if r["service_request_id"] == ticket_id]
    for path in ("/open311/v2/requests.xml", f"/open311/v2/requests/{ticket_id}.xml"):
        response = await client.get(path)
        assert_no_personal_data(response.text, path)
        for element in ET.fromstring(response.content).findall("request"):
            if element.findtext("service_request_id") == ticket_id:
                views.append((path, {child.tag: child.text for child in element}))
    assert len(views) == 4
    return views


async def test_open311_shows_no_filed_text_before_dispatch_and_masks_it_after(site):  # noqa: F811
    add_open311_key(site.engine)
    form = {"api_key": OPEN311_KEY, "service_code": "MK-002", "description": PERSONAL + COMPLAINT,
            "lat": "36.6234567", "long": "101.7812345", "first_name": "三", "last_name": "张", "phone": "13812345678",
            "address_string": "东关街道建设路12号3单元502室", "attribute[street]": "s-east-1"}
    filed = await site.client().post("/open311/v2/requests.json", data=form)
    assert filed.status_code == 201, filed.text
    ticket_id = filed.json()[0]["service_request_id"]
    await site.wait_for(ticket_id, lambda t: t.last_seq >= 2)

    for where, view in await read_open311(site, ticket_id):
        assert COMPLAINT not in view["description"], where  # not reviewed: a placeholder
        assert "502" not in (view["address"] or ""), where
        assert (float(view["lat"]), float(view["long"])) == (36.623, 101.781), where

    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-002", primary_unit_id="dept-market", next="/dispatch")
    await site.wait_for(ticket_id, lambda t: t.dispatched_at is not None)
    for where, view in await read_open311(site, ticket_id):
        assert COMPLAINT in view["description"] and "139****5678" in view["description"], where
        assert (float(view["lat"]), float(view["long"])) == (36.623, 101.781), where
