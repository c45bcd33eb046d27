"""The responsibility catalog pages: public browse, search, item page with QR code, unit lists, versions."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import Session

from core import catalog
from core.models.catalog import StreetOverride
from tests.web.catalog_site import demo_catalog_site, versions
from tests.web.conftest import Site
from web import catalog_view
from web.qr import qr_svg


@pytest.fixture
def demo_site(engine, settings) -> Site:
    return demo_catalog_site(engine, settings)


# ---- browse and search ----


async def test_catalog_is_public_in_chinese_with_an_english_switch(site_without_temporal):
    client = site_without_temporal.client()
    page = await client.get("/catalog")
    assert page.status_code == 200 and '<html lang="zh-Hans">' in page.text
    assert "职责清单" in page.text and "餐饮油烟扰民" in page.text and "MK-002" in page.text
    assert 'href="/catalog"' in page.text  # the nav link, for everyone
    english = await client.get("/catalog?lang=en")
    assert "Responsibility catalog" in english.text and "Which item is my problem?" in english.text


async def test_browse_filters_by_text_category_and_unit(site_without_temporal):
    client = site_without_temporal.client()
    fumes = await client.get("/catalog", params={"q": "油烟"})
    assert 'id="item-MK-001"' in fumes.text and 'id="item-MK-002"' not in fumes.text
    by_keyword = await client.get("/catalog", params={"q": "摊贩"})
    assert 'id="item-UR-001"' in by_keyword.text and 'id="item-MK-001"' not in by_keyword.text
    urban = await client.get("/catalog", params={"category": "urban"})
    assert re.findall(r'id="item-([^"]+)"', urban.text) == ["HS-001", "UR-001"]
    market = await client.get("/catalog", params={"unit": "dept-market"})  # primary or cooperating
    assert re.findall(r'id="item-([^"]+)"', market.text) == ["MK-001", "MK-002"]


async def test_free_text_asks_routing_which_item_fits(site_without_temporal):
    page = await site_without_temporal.client().get("/catalog", params={"ask": "楼下饭店油烟很大，晚上还在排"})
    best = page.text.split('id="best-matches"')[1].split("</section>")[0]
    assert 'href="/catalog/items/MK-001"' in best and "市生态环境局" in best
    nothing = await site_without_temporal.client().get("/catalog", params={"ask": "zzzz qqqq"})
    assert "没有" in nothing.text.split('id="best-matches"')[1].split("</section>")[0]


async def test_browse_is_paginated_and_keeps_the_filters(demo_site, monkeypatch):
    client = demo_site.client()
    first = await client.get("/catalog")
    assert len(re.findall(r'<tr id="item-', first.text)) == 30 and "第1页，共6页" in first.text
    assert 'href="/catalog?page=2"' in first.text
    monkeypatch.setattr(catalog_view, "PAGE_SIZE", 10)
    social = await client.get("/catalog", params={"category": "social", "page": 2})
    rows = re.findall(r'<tr id="item-([^"]+)"', social.text)
    assert len(rows) == 10 and "第2页，共3页" in social.text
    assert 'href="/catalog?category=social"' in social.text  # the previous page keeps the category
    assert 'href="/catalog?category=social&amp;page=3"' in social.text
    with Session(demo_site.engine) as session:
        social_codes = [i.code for i in catalog.items_at(session) if i.category == "social"]
    assert rows == social_codes[10:20]


# ---- the item page ----


async def test_item_page_shows_units_contacts_limits_process_and_examples(demo_site):
    page = await demo_site.client().get("/catalog/items/TR-005")
    assert page.status_code == 200
    text = page.text
    assert "停车难与增设停车位" in text and "交通出行" in text
    with Session(demo_site.engine) as session:
        item = catalog.get_item(session, "TR-005")
        primary = catalog.get_unit(session, item.primary_unit_id)
    assert primary.name_zh in text and primary.phone in text and primary.contact in text
    assert item.process in text and item.examples[0] in text
    assert "1个工作日" in text and "15个工作日" in text  # the complex tier, in words
    assert "派单后3个工作日、7个工作日、11个工作日、15个工作日" in text
    assert 'href="/catalog/units/s-east-1"' in text  # 东关街道's own list answers for it there


async def test_item_page_shows_an_items_own_time_limits_in_english(site_without_temporal):
    with Session(site_without_temporal.engine) as session:
        version = catalog.new_version(session, author="test", reason="gas is urgent")
        item = catalog.get_item(session, "GS-001")
        fields = item.model_dump(exclude={"id", "version_from", "version_to"})
        catalog.replace_item(session, version, {**fields, "acceptance_limit": "2wh", "closure_limit": "2d",
                                                "checkpoint_plan": "12h,1d,36h,2d"})
        session.commit()
    page = await site_without_temporal.client().get("/catalog/items/GS-001?lang=en")
    assert '<dd class="limit-acceptance">2 working hours</dd>' in page.text
    assert '<dd class="limit-closure">2 days</dd>' in page.text
    assert "12 hours, 1 day, 36 hours, 2 days after dispatch" in page.text


async def test_item_page_has_a_qr_code_of_its_own_address(site_without_temporal):
    page = await site_without_temporal.client().get("/catalog/items/MK-001")
    url = "http://testserver/catalog/items/MK-001"
    expected = qr_svg(url, title="餐饮油烟扰民")
    assert "<svg" in expected and str(expected) in page.text  # segno drew exactly this address, inline
    assert str(qr_svg("http://testserver/catalog/items/MK-002", title="餐饮油烟扰民")) not in page.text
    assert url in page.text and "<img" not in page.text  # no image service, no external address


async def test_unknown_item_unit_and_version_are_404(site_without_temporal):
    client = site_without_temporal.client()
    assert (await client.get("/catalog/items/NOPE-1")).status_code == 404
    assert (await client.get("/catalog/units/nobody")).status_code == 404
    assert (await client.get("/catalog/versions/99")).status_code == 404
    assert (await client.get("/catalog/items/MK-001?version=99")).status_code == 404


# ---- one list per unit ----


async def test_a_street_page_is_its_own_list_with_its_overrides(site_without_temporal):
    engine = site_without_temporal.engine
    with Session(engine) as session:
        session.add(StreetOverride(street_id="s-west-1", item_code="UR-001", version_from=1,
                                   primary_unit_id="s-west-1", cooperating_unit_ids=["d-west-urban"],
                                   note="西门街道综合执法队承接占道经营"))
        session.commit()
    client = site_without_temporal.client()
    west = await client.get("/catalog/units/s-west-1")
    listed = re.findall(r'<tr id="item-([^"]+)"', west.text)
    # Territorial street items go to the street where the problem lies; the override adds UR-001.
    assert listed == ["CM-001", "ST-001", "UR-001"]
    assert "西门街道综合执法队承接占道经营" in west.text and "西城区城管执法局" in west.text
    east = await client.get("/catalog/units/s-east-1")
    assert re.findall(r'<tr id="item-([^"]+)"', east.text) == ["CM-001", "ST-001"]
    department = await client.get("/catalog/units/dept-market")
    assert re.findall(r'<tr id="item-([^"]+)"', department.text) == ["MK-001", "MK-002"]
    assert "配合" in department.text  # MK-001: cooperating
    urban = await client.get("/catalog/units/d-west-urban")
    assert "s-west-1" not in re.findall(r'<tr id="item-([^"]+)"', urban.text)


async def test_a_street_page_agrees_with_the_dispatch_rule(demo_site):
    with Session(demo_site.engine) as session:
        version = catalog.current_version(session)
        expected = []
        for item in catalog.items_at(session, version):
            primary, cooperating = catalog.responsible_unit(session, item, "s-east-1", version)
            if primary == "s-east-1" or "s-east-1" in cooperating:
                expected.append(item.code)
    page = await demo_site.client().get("/catalog/units/s-east-1")
    assert re.findall(r'<tr id="item-([^"]+)"', page.text) == expected
    assert "TR-005" in expected and "UM-018" in expected  # both from 东关街道's own list


# ---- versions ----


async def test_version_history_shows_effective_date_author_and_reason(site_without_temporal):
    client = site_without_temporal.client()
    history = await client.get("/catalog/versions")
    row = history.text.split('id="version-1"')[1].split("</tr>")[0]
    assert "2026-01-01 08:00" in row and "test" in row and "test catalog" in row
    version = await client.get("/catalog/versions/1")
    assert version.status_code == 200 and 'id="item-GS-001"' in version.text
    assert 'href="/catalog/items/MK-001?version=1"' in version.text


# ---- permissions ----


ADMIN_PAGES = ["/admin/catalog", "/admin/catalog/items/new", "/admin/catalog/items/MK-001/edit",
               "/admin/catalog/import", "/admin/catalog/adjustments", "/admin/catalog/proposals",
               "/admin/catalog/export?format=csv", "/admin/calendar"]


async def test_admin_pages_render_for_the_admin(site_without_temporal):
    admin = await site_without_temporal.signed_in("admin")
    for path in ADMIN_PAGES:
        response = await admin.get(path)
        assert response.status_code == 200, (path, response.text[-500:])
    home = await admin.get("/admin/catalog")
    assert 'href="/admin/catalog"' in home.text and 'href="/admin/calendar"' in home.text


@pytest.mark.parametrize("username", ["dispatcher", "supervisor", "h-ecology", "street-east"])
async def test_admin_pages_are_403_and_logged_for_other_roles(site_without_temporal, username, caplog):
    client = await site_without_temporal.signed_in(username)
    home = await client.get("/")
    assert 'href="/admin/catalog"' not in home.text and 'href="/catalog"' in home.text
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        for path in ADMIN_PAGES:
            assert (await client.get(path)).status_code == 403, path
        posted = await client.submit("/admin/catalog/items/MK-001/edit",
                                     {"name_zh": "x", "reason": "x"}, form_page="/")
    assert posted.status_code == 403
    assert any("path=/admin/catalog/items/MK-001/edit" in r.getMessage() and username in r.getMessage()
               for r in caplog.records)
    assert versions(site_without_temporal.engine) == 1


async def test_anonymous_admin_pages_go_to_the_login(site_without_temporal):
    response = await site_without_temporal.client().get("/admin/calendar")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/admin/calendar"
