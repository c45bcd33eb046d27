"""The dispatch console as a work table: counts and oldest waits, tabs, sort, filters, paging, proposals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.utils.statements import statements_run
from tests.web.conftest import make_ticket


@pytest.fixture
def settings(settings):
    settings.console_page_size = 5  # paging shows with a handful of rows
    return settings


def proposal(*confidences: float) -> dict:
    codes = [("MK-001", "餐饮油烟扰民", "dept-ecology", "市生态环境局"),
             ("MK-002", "食品安全", "dept-market", "市市场监管局"),
             ("UR-001", "占道经营", "d-east-urban", "东城区城管执法局")]
    return {"proposal": {"candidates": [
        {"item_code": code, "item_name": name, "unit_id": unit, "unit_name": unit_name, "confidence": c}
        for (code, name, unit, unit_name), c in zip(codes, confidences, strict=False)]}}


def waiting(engine, ticket_id: str, minutes_ago: float, confidence: float | None = 0.875, **fields):
    """A case in the centre's dispatch queue, received `minutes_ago`."""
    state = proposal(confidence, 0.08, 0.015) if confidence is not None else {}
    values = dict(stage="received", primary_unit_id=None, item_code=None, item_name="", street_id="s-east-1",
                  district_id="d-east", description=f"诉求 {ticket_id} 的内容", address=f"地址 {ticket_id}",
                  received_at=datetime.now(UTC) - timedelta(minutes=minutes_ago), state=state)
    return make_ticket(engine, ticket_id, **{**values, **fields})


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="t-([^"]+)"', html)


class Console:
    """The centre's dispatcher, signed in once, reading the console with a query string."""

    def __init__(self, site):
        self.site, self.client = site, None

    async def __call__(self, query: str = "") -> str:
        self.client = self.client or await self.site.signed_in("dispatcher")
        response = await self.client.get(f"/dispatch{query}")
        assert response.status_code == 200, response.text
        return response.text


async def test_counts_and_oldest_waiting_time_per_tab(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    waiting(engine, "T-A", 135.5)
    waiting(engine, "T-B", 10)
    make_ticket(engine, "T-BOUNCE", stage="in_progress", pending_request="bounce",
                updated_at=datetime.now(UTC) - timedelta(hours=3, minutes=5))
    make_ticket(engine, "T-REVIEW", stage="review", submitted_at=datetime.now(UTC) - timedelta(days=1, hours=4))
    page = await console()
    summary = page.split('class="queue-summary"')[1].split("</ul>")[0]
    assert re.search(r"待派工单</span>\s*<strong class=\"count\">2</strong>", summary)
    assert "最久已等 2小时15分钟" in summary and "最久已等 3小时5分钟" in summary and "最久已等 1天4小时" in summary
    tabs = page.split('class="tabs"')[1].split("</nav>")[0]
    assert [int(n) for n in re.findall(r'class="chip">(\d+)<', tabs)] == [2, 1, 1]


async def test_tabs_show_one_list_each_with_the_current_one_marked(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    waiting(engine, "T-NEW", 5)
    make_ticket(engine, "T-BOUNCE", stage="in_progress", pending_request="bounce",
                state={"pending": {"claimed_item_code": "MK-002", "reason": "不属本局职责"}})
    make_ticket(engine, "T-REVIEW", stage="review", submitted_at=datetime.now(UTC),
                state={"result_summary": "已责令饭店安装净化器"})
    new = await console()
    assert 'id="t-T-NEW"' in new and 'id="b-T-BOUNCE"' not in new and 'id="r-T-REVIEW"' not in new
    assert re.search(r'href="/dispatch\?tab=bounces"\s*>', new) and 'aria-current="page"' in new
    bounces = await console("?tab=bounces")
    assert 'id="b-T-BOUNCE"' in bounces and "不属本局职责" in bounces and 'id="t-T-NEW"' not in bounces
    assert re.search(r'tab=bounces"\s*class="current" aria-current="page"', bounces)
    assert 'action="/cases/T-BOUNCE/rule_bounce"' in bounces
    reviews = await console("?tab=reviews")
    assert 'id="r-T-REVIEW"' in reviews and "已责令饭店安装净化器" in reviews and 'id="b-T-BOUNCE"' not in reviews


async def test_sort_by_received_time_and_by_confidence(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    waiting(engine, "T-OLD", 60, confidence=0.6)
    waiting(engine, "T-MID", 30, confidence=0.95)
    waiting(engine, "T-NEWEST", 1, confidence=0.2)
    waiting(engine, "T-NONE", 45, confidence=None)
    assert row_ids(await console()) == ["T-OLD", "T-NONE", "T-MID", "T-NEWEST"]
    assert row_ids(await console("?sort=newest")) == ["T-NEWEST", "T-MID", "T-NONE", "T-OLD"]
    assert row_ids(await console("?sort=surest")) == ["T-MID", "T-OLD", "T-NEWEST", "T-NONE"]
    assert row_ids(await console("?sort=least_sure")) == ["T-NONE", "T-NEWEST", "T-OLD",
                                                                                "T-MID"]


async def test_filters_by_channel_street_district_and_confidence_band(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    waiting(engine, "T-WEB", 50, channel="web", confidence=0.9)
    waiting(engine, "T-HOTLINE", 40, channel="hotline", confidence=0.6)
    waiting(engine, "T-WEST", 30, street_id="s-west-1", district_id="d-west", confidence=0.3)
    waiting(engine, "T-BARE", 20, confidence=None)
    assert row_ids(await console("?channel=hotline")) == ["T-HOTLINE"]
    assert row_ids(await console("?street=s-west-1")) == ["T-WEST"]
    assert row_ids(await console("?district=d-east")) == ["T-WEB", "T-HOTLINE", "T-BARE"]
    assert row_ids(await console("?band=high")) == ["T-WEB"]
    assert row_ids(await console("?band=medium")) == ["T-HOTLINE"]
    assert row_ids(await console("?band=low")) == ["T-WEST", "T-BARE"]
    page = await console("?band=low&district=d-west&sort=newest")
    assert row_ids(page) == ["T-WEST"] and '<option value="low" selected>' in page
    assert "没有符合筛选条件" in await console("?channel=media")


async def test_top_proposal_stands_out_and_low_confidence_says_check(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    waiting(engine, "T-SURE", 20, confidence=0.875)
    waiting(engine, "T-UNSURE", 10, confidence=0.32)
    page = await console()
    sure, unsure = page.split('<tr id="t-T-SURE"')[1].split("</tr>")[0], page.split('<tr id="t-T-UNSURE"')[1]
    unsure = unsure.split("</tr>")[0]
    top_buttons = re.findall(r'<button type="submit" class="primary"[^>]*>', page)
    assert len(top_buttons) == 2 and "autofocus" in top_buttons[0] and 'accesskey="c"' in top_buttons[0]
    assert "autofocus" not in top_buttons[1]  # only the first row's confirm takes the focus
    assert sure.count('class="primary"') == 1 and sure.count('class="secondary small"') == 2
    assert "87.5%" in sure and "1.5%" in sure and "请核实" not in sure
    assert "请核实" in unsure and "32.0%" in unsure
    assert sure.index("MK-001") < sure.index("MK-002")  # the best first, the others after it


async def test_near_duplicates_get_a_badge(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    waiting(engine, "T-FIRST", 30, description="建设路饭店油烟很大，晚上还在排油烟", address="东关街道建设路12号")
    waiting(engine, "T-AGAIN", 20, description="建设路饭店油烟太大了，晚上十点还在排油烟", address="东关街道建设路12号")
    waiting(engine, "T-LAMP", 10, description="路灯坏了一个星期", address="别处")
    page = await console()
    rows = {i: page.split(f'<tr id="t-{i}"')[1].split("</tr>")[0] for i in ("T-FIRST", "T-AGAIN", "T-LAMP")}
    assert "疑似重复 1" in rows["T-FIRST"] and "疑似重复 1" in rows["T-AGAIN"]
    assert "疑似重复" not in rows["T-LAMP"]


async def test_paging_keeps_sort_and_filters(site_without_temporal):
    engine, console = site_without_temporal.engine, Console(site_without_temporal)
    for i in range(12):
        waiting(engine, f"T-{i:02d}", 100 - i)
    waiting(engine, "T-WEST", 5, street_id="s-west-1")
    first = await console("?street=s-east-1&sort=newest")
    assert row_ids(first) == ["T-11", "T-10", "T-09", "T-08", "T-07"]
    assert "第 1 / 3 页" in first and "共 12 件" in first
    next_link = re.search(r'href="(/dispatch\?[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "street=s-east-1" in next_link and "sort=newest" in next_link and "page=2" in next_link
    last = await console("?street=s-east-1&sort=newest&page=3")
    assert row_ids(last) == ["T-01", "T-00"] and "第 3 / 3 页" in last and 'rel="next"' not in last
    assert 'rel="prev"' in last
    beyond = await console("?street=s-east-1&sort=newest&page=99")
    assert row_ids(beyond) == ["T-01", "T-00"]  # past the end: the last page


async def test_the_console_makes_no_query_per_row(site_without_temporal, settings):
    """The table's queries do not grow with its rows (duplicates included): 5 rows or 25, the same count."""
    settings.console_page_size = 50
    client = await site_without_temporal.signed_in("dispatcher")

    async def statements_with(count: int) -> list[str]:
        for i in range(count):
            waiting(site_without_temporal.engine, f"T-{count}-{i:03d}", 60 + i,
                    description=f"第{i}号楼前路灯坏了，晚上很黑", address=f"东关街道{i % 3}号")
        with statements_run(site_without_temporal.engine) as statements:
            page = await client.get("/dispatch")
            assert page.status_code == 200 and "疑似重复" in page.text
        return statements

    fewer, more = await statements_with(5), await statements_with(25)
    assert len(more) == len(fewer) < 20, more
