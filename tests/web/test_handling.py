"""Handler inbox and the handling actions; per-unit visibility and masking of personal data."""

from __future__ import annotations

import logging

from tests.web.conftest import file_public


async def _dispatched(site, item="MK-001", unit="dept-ecology", **extra) -> str:
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    response = await dispatcher.act(ticket_id, "dispatch", item_code=item, primary_unit_id=unit, **extra)
    assert response.status_code == 303, response.text
    return ticket_id


async def test_inbox_shows_new_cases_with_time_left_and_accepts(site):
    ticket_id = await _dispatched(site)
    handler = await site.signed_in("h-ecology")
    inbox = await handler.get("/inbox")
    assert ticket_id in inbox.text and "剩余" in inbox.text and "/accept" in inbox.text
    response = await handler.act(ticket_id, "accept", next="/inbox")
    assert response.status_code == 303 and response.headers["location"] == "/inbox"
    inbox = await handler.get("/inbox")
    assert "没有新工单" in inbox.text and ticket_id in inbox.text  # now among the cases in hand
    assert "cp pending" in inbox.text  # checkpoint strip, not fired yet


async def test_progress_extension_and_result(site):
    ticket_id = await _dispatched(site)
    handler = await site.signed_in("h-ecology")
    early = await handler.act(ticket_id, "progress", note="先看看")
    assert early.status_code == 409  # accept first
    await handler.act(ticket_id, "accept")
    assert (await handler.act(ticket_id, "progress", note="")).status_code == 400
    assert (await handler.act(ticket_id, "progress", note="已现场检查")).status_code == 303
    bad = await handler.act(ticket_id, "request_extension", extra="forever", reason="需要检测")
    assert bad.status_code == 400
    asked = await handler.act(ticket_id, "request_extension", extra="3wd", reason="需第三方检测")
    assert asked.status_code == 303 and site.ticket(ticket_id).pending_request == "extension"
    blocked = await handler.act(ticket_id, "submit", summary="已整改", outcome="resolved")
    assert blocked.status_code == 409 and "延期" in blocked.text

    supervisor = await site.signed_in("supervisor")
    board = await supervisor.get("/supervise")
    assert f'id="q-{ticket_id}"' in board.text and "需第三方检测" in board.text
    old_deadline = site.ticket(ticket_id).closure_deadline
    ruled = await supervisor.act(ticket_id, "rule_extension", decision="approve", reason="同意延期", next="/supervise")
    assert ruled.status_code == 303
    assert site.ticket(ticket_id).closure_deadline > old_deadline

    done = await handler.act(ticket_id, "submit", summary="已整改到位", outcome="resolved")
    assert done.status_code == 303 and site.ticket(ticket_id).stage == "review"


async def test_another_units_handler_gets_a_logged_403(site, caplog):
    ticket_id = await _dispatched(site)
    housing = await site.signed_in("h-housing")
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        page = await housing.get(f"/cases/{ticket_id}")
        action = await housing.act(ticket_id, "accept")
        status = await housing.get(f"/cases/{ticket_id}/status")
    assert page.status_code == action.status_code == status.status_code == 403
    logged = [r.getMessage() for r in caplog.records if "403" in r.getMessage()]
    assert len(logged) == 3 and all("user=h-housing(handler@dept-housing)" in m for m in logged)
    assert all(ticket_id in m for m in logged)
    assert ticket_id not in (await housing.get("/inbox")).text


async def test_a_cooperating_unit_sees_the_case_masked_and_may_report_progress(site):
    ticket_id = await _dispatched(site, unit="")  # the item's own units: ecology, with market cooperating
    market = await site.signed_in("h-market")
    inbox = await market.get("/inbox")
    assert ticket_id in inbox.text
    page = await market.get(f"/cases/{ticket_id}")
    assert page.status_code == 200
    assert "13812345678" not in page.text and "138****5678" in page.text and "张*" in page.text
    assert "/accept" not in page.text  # only the primary unit accepts
    ecology = await site.signed_in("h-ecology")
    primary = await ecology.get(f"/cases/{ticket_id}")
    assert "13812345678" in primary.text and "张三" in primary.text
    accept_refused = await market.act(ticket_id, "accept")
    assert accept_refused.status_code == 403  # the workflow's own guard
    assert (await market.act(ticket_id, "progress", note="已配合检查")).status_code == 303


async def test_street_handles_and_reviews_its_own_whistle(site):
    import re

    grid = await site.signed_in("grid-east")
    page = await grid.get("/whistle")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    response = await grid.submit("/whistle", {"description": "路边摊贩占道经营影响通行", "idempotency_key": key})
    ticket_id = re.search(r'data-ticket="([^"]+)"', response.text).group(1)
    await site.wait_for(ticket_id, lambda t: t.last_seq >= 2)
    dispatcher = await site.signed_in("dispatcher")
    assert (await dispatcher.act(ticket_id, "dispatch", item_code="UR-001",
                                 primary_unit_id="d-east-urban")).status_code == 303
    # the department of the east district: there is no account for it in the small catalog, so act directly
    from sqlmodel import Session

    from core.models.users import User
    from tests.web.conftest import _HASH

    with Session(site.engine) as session:
        from datetime import UTC, datetime

        session.add(User(username="h-east-urban", role="handler", unit_id="d-east-urban", password_hash=_HASH,
                         created_at=datetime.now(UTC)))
        session.commit()
    urban = await site.signed_in("h-east-urban")
    await urban.act(ticket_id, "accept")
    await urban.act(ticket_id, "submit", summary="已清理占道摊贩", outcome="resolved")
    street = await site.signed_in("street-east")
    page = await street.get(f"/cases/{ticket_id}")
    assert "/review" in page.text
    assert (await dispatcher.act(ticket_id, "review", decision="approve")).status_code == 403
    assert (await street.act(ticket_id, "review", decision="approve")).status_code == 303
    rated = await street.act(ticket_id, "rate", rating="satisfied", score="95")
    assert rated.status_code == 303
    ticket = await site.wait_for(ticket_id, lambda t: t.stage == "closed")
    assert ticket.rating_source == "street" and ticket.state["street_score"] == 95
    assert (await street.act(ticket_id, "rate", rating="satisfied", score="101")).status_code in (400, 409)
