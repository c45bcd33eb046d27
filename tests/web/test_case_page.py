"""The case page: timeline from the audit log, deadlines, checkpoints, status partial, visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.utils.statements import statements_run
from tests.web.conftest import file_public, make_ticket


async def test_case_page_shows_who_did_what_why_and_when(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology", note="按清单")
    handler = await site.signed_in("h-ecology")
    await handler.act(ticket_id, "accept")
    await handler.act(ticket_id, "progress", note="已约谈店主")
    page = await handler.get(f"/cases/{ticket_id}")
    assert page.status_code == 200
    text = page.text
    for expected in ("dispatcher 测试", "派单员", "派单", "h-ecology 测试", "部门承办人", "接单", "报告进展",
                     "已约谈店主",
                     "办结时限", "督办节点", "剩余"):
        assert expected in text, expected
    ticket = site.ticket(ticket_id)
    local = ticket.closure_deadline.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in text
    assert "/submit" in text and "/request_extension" in text and "/request_bounce" in text
    english = await handler.get(f"/cases/{ticket_id}?lang=en")
    assert "reported progress" in english.text and "Department handler" in english.text


async def test_status_partial_for_htmx(site_without_temporal):
    now = datetime.now(UTC)
    make_ticket(site_without_temporal.engine, "T-1", colour="yellow", closure_deadline=now + timedelta(days=2),
                state={"checkpoints": [{"index": 1, "due": now.isoformat(), "colour": "yellow",
                                        "note": "no progress"}]})
    client = await site_without_temporal.signed_in("supervisor")
    partial = await client.get("/cases/T-1/status")
    assert partial.status_code == 200 and partial.text.lstrip().startswith("<section id=\"case-status\"")
    assert 'hx-get="/cases/T-1/status"' in partial.text and "no progress" in partial.text and "黄" in partial.text
    page = await client.get("/cases/T-1")
    assert 'id="case-status"' in page.text and "/static/vendor/htmx-2.0.11.min.js" in page.text


async def test_unknown_case_is_404(site_without_temporal):
    client = await site_without_temporal.signed_in("supervisor")
    assert (await client.get("/cases/2000-0101-000001")).status_code == 404
    assert (await client.post("/cases/2000-0101-000001/escalate",
                              data={"csrf_token": await client.csrf("/supervise"), "reason": "x"})).status_code == 404


async def test_unknown_action_is_404(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1")
    client = await site_without_temporal.signed_in("supervisor")
    assert (await client.act("T-1", "explode")).status_code == 404


async def test_masking_by_role(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1", whistle_unit_id="s-east-1", cooperating_unit_ids=["dept-market"])
    for username, masked in (("operator", False), ("dispatcher", False), ("supervisor", False), ("admin", False),
                             ("h-ecology", False), ("h-market", True), ("street-east", True)):
        client = await site_without_temporal.signed_in(username)
        text = (await client.get("/cases/T-1")).text
        assert ("13812345678" not in text) == masked, username
        assert ("张*" in text) == masked, username


async def test_grid_worker_sees_its_streets_whistles_only(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-EAST", channel="whistle", whistle_unit_id="s-east-1")
    make_ticket(site_without_temporal.engine, "T-WEST", channel="whistle", whistle_unit_id="s-west-1")
    grid = await site_without_temporal.signed_in("grid-east")
    assert (await grid.get("/cases/T-EAST")).status_code == 200
    assert (await grid.get("/cases/T-WEST")).status_code == 403


async def test_lists_make_no_query_per_row(site_without_temporal):
    """The board's queries do not grow with its rows: 30 more cases, the same statements."""

    client = await site_without_temporal.signed_in("supervisor")
    await client.get("/supervise")  # the unit filter's choices are then cached (services.work_filters)

    async def statements_with(count: int) -> list[str]:
        for i in range(count):
            make_ticket(site_without_temporal.engine, f"T-{count}-{i:03d}", colour="red",
                        state={"checkpoints": [{"index": 1, "due": datetime.now(UTC).isoformat(), "colour": "red"}]})
        with statements_run(site_without_temporal.engine) as statements:
            assert (await client.get("/supervise")).status_code == 200
        return statements

    fewer, more = await statements_with(15), await statements_with(30)
    assert len(more) == len(fewer) < 16, more


async def test_every_clock_of_a_case_shows_at_once_with_what_it_requires(site_without_temporal):
    now = datetime.now(UTC)
    dues = [now + timedelta(days=d) for d in (1, 3, 5, 7)]
    make_ticket(site_without_temporal.engine, "T-2", stage="dispatched", accept_deadline=now + timedelta(days=1),
                closure_deadline=dues[-1], state={
                    "dispatched_at": (now - timedelta(days=2)).isoformat(), "clock_origin": now.isoformat(),
                    "bounce_deadline": (now + timedelta(hours=20)).isoformat(),
                    "checkpoints": [{"index": i + 1, "due": d.isoformat(), "colour": None, "note": ""}
                                    for i, d in enumerate(dues)],
                    "waits": [{"kind": "extension", "party": "supervisor", "since": now.isoformat(),
                               "due": (now + timedelta(days=1)).isoformat(), "remind_at": now.isoformat(),
                               "reminded": False, "overdue": False}]})
    client = await site_without_temporal.signed_in("supervisor")
    text = (await client.get("/cases/T-2/status")).text
    for expected in ("签收时限", "可退单至", "计时起点", "签收时限前的休息日不计", "要求", "已签收",
                     "自上一节点以来有进展", "已提交办理结果", "等待", "延期审批"):
        assert expected in text, expected
    local = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    for due in dues:
        assert due.astimezone(local).strftime("%Y-%m-%d %H:%M") in text
