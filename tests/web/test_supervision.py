"""Supervisor board: urgency order, district scope, escalate, reassign, consultations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.web.conftest import file_public, make_ticket


async def test_board_lists_stalled_cases_most_urgent_first(site_without_temporal):
    now = datetime.now(UTC)
    engine = site_without_temporal.engine
    make_ticket(engine, "T-GREEN-FAR", closure_deadline=now + timedelta(days=5))  # not stalled: not listed
    make_ticket(engine, "T-YELLOW", colour="yellow", closure_deadline=now + timedelta(days=4))
    make_ticket(engine, "T-RED", colour="red", closure_deadline=now + timedelta(days=3))
    make_ticket(engine, "T-OVERDUE", colour="red", overdue=True, closure_deadline=now - timedelta(hours=1))
    make_ticket(engine, "T-SOON", closure_deadline=now + timedelta(hours=5))
    make_ticket(engine, "T-CLOSED", stage="closed", colour="red", overdue=True)
    make_ticket(engine, "T-WEST", colour="red", district_id="d-west", closure_deadline=now + timedelta(days=1))
    board = (await (await site_without_temporal.signed_in("supervisor")).get("/supervise")).text
    expected = ["T-OVERDUE", "T-WEST", "T-RED", "T-YELLOW", "T-SOON"]  # overdue, red by deadline, yellow, soon
    assert all(t in board for t in expected)
    assert sorted(expected, key=board.index) == expected
    assert "T-GREEN-FAR" not in board and "T-CLOSED" not in board


async def test_a_district_supervisor_sees_only_its_district(site_without_temporal, caplog):
    import logging

    engine = site_without_temporal.engine
    make_ticket(engine, "T-EAST", colour="red", district_id="d-east")
    make_ticket(engine, "T-WEST", colour="red", district_id="d-west")
    east = await site_without_temporal.signed_in("east-supervisor")
    board = (await east.get("/supervise")).text
    assert "T-EAST" in board and "T-WEST" not in board
    assert (await east.get("/cases/T-EAST")).status_code == 200
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        assert (await east.get("/cases/T-WEST")).status_code == 403
    assert any("east-supervisor" in r.getMessage() and "/cases/T-WEST" in r.getMessage() for r in caplog.records)


async def test_admin_sees_the_board_without_action_forms(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-RED", colour="red")
    page = await (await site_without_temporal.signed_in("admin")).get("/supervise")
    assert "T-RED" in page.text and "/escalate" not in page.text


async def test_board_is_paginated_by_50(site_without_temporal):
    for i in range(51):
        make_ticket(site_without_temporal.engine, f"T-{i:03d}", colour="red")
    client = await site_without_temporal.signed_in("supervisor")
    first = await client.get("/supervise")
    assert first.text.count('href="/cases/T-') == 50 and "/supervise?page=2" in first.text
    second = await client.get("/supervise?page=2")
    assert second.text.count('href="/cases/T-') == 1


async def _in_progress(site) -> str:
    ticket_id, _ = await file_public(site)
    await (await site.signed_in("dispatcher")).act(ticket_id, "dispatch", item_code="MK-001",
                                                   primary_unit_id="dept-ecology")
    await (await site.signed_in("h-ecology")).act(ticket_id, "accept")
    return ticket_id


async def test_escalate_from_the_board(site):
    ticket_id = await _in_progress(site)
    supervisor = await site.signed_in("supervisor")
    missing = await supervisor.act(ticket_id, "escalate", reason="")
    assert missing.status_code == 400
    response = await supervisor.act(ticket_id, "escalate", reason="群众反复来电", next="/supervise")
    assert response.status_code == 303 and response.headers["location"] == "/supervise"
    assert site.ticket(ticket_id).escalated
    board = await supervisor.get("/supervise")
    assert ticket_id in board.text and "已升级督办" in board.text


async def test_reassign_to_another_unit(site):
    ticket_id = await _in_progress(site)
    supervisor = await site.signed_in("supervisor")
    response = await supervisor.act(ticket_id, "reassign", primary_unit_id="dept-market", item_code="MK-002",
                                    reason="实为食品安全问题")
    assert response.status_code == 303
    ticket = site.ticket(ticket_id)
    assert ticket.primary_unit_id == "dept-market" and ticket.stage == "dispatched"
    assert (await (await site.signed_in("h-ecology")).get(f"/cases/{ticket_id}")).status_code == 403


async def test_open_and_rule_a_consultation(site):
    ticket_id = await _in_progress(site)
    supervisor = await site.signed_in("supervisor")
    one_unit = await supervisor.act(ticket_id, "open_consultation", unit_ids="dept-ecology", reason="职责争议")
    assert one_unit.status_code == 400
    opened = await supervisor.act(ticket_id, "open_consultation", unit_ids="dept-ecology, dept-market",
                                  reason="油烟与食品经营职责交叉")
    assert opened.status_code == 303 and site.ticket(ticket_id).pending_request == "consultation"
    page = await supervisor.get(f"/cases/{ticket_id}")
    assert "/rule_consultation" in page.text
    ruled = await supervisor.act(ticket_id, "rule_consultation", primary_unit_id="dept-ecology",
                                 reason="由生态环境局主办",
                                 propose_catalog_change="on")
    assert ruled.status_code == 303
    assert site.ticket(ticket_id).pending_request == ""


async def test_only_supervisors_rule_on_extensions(site):
    ticket_id = await _in_progress(site)
    await (await site.signed_in("h-ecology")).act(ticket_id, "request_extension", extra="2wd", reason="等待检测")
    dispatcher = await site.signed_in("dispatcher")
    assert (await dispatcher.act(ticket_id, "rule_extension", decision="approve", reason="同意")).status_code == 403
    east = await site.signed_in("east-supervisor")  # the case is a city department's: outside the district
    assert (await east.act(ticket_id, "rule_extension", decision="approve", reason="同意")).status_code == 403
    supervisor = await site.signed_in("supervisor")
    assert (await supervisor.act(ticket_id, "rule_extension", decision="deny", reason="时限充足")).status_code == 303
