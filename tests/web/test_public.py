"""Citizen tracking and rating, the public board and the unit ranking."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core.models.tickets import TicketEvent
from services.intake import tracking_secret
from tests.web.conftest import make_ticket


async def test_tracking_needs_the_right_secret_and_logs_a_403(site_without_temporal, caplog):
    make_ticket(site_without_temporal.engine, "T-1")
    client = site_without_temporal.client()
    assert (await client.get("/track")).status_code == 200
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        wrong = await client.track("T-1", "0000000000")
    assert wrong.status_code == 403 and "工单号或查询码不正确" in wrong.text
    assert any("path=/track" in r.getMessage() and "T-1" in r.getMessage() for r in caplog.records)
    secret = tracking_secret(site_without_temporal.settings, "T-1")
    right = await client.track("T-1", secret)
    assert right.status_code == 200 and "办理中" in right.text


async def test_a_ticket_being_registered_says_so(site_without_temporal):
    secret = tracking_secret(site_without_temporal.settings, "T-NEW")
    page = await site_without_temporal.client().track("T-NEW", secret)
    assert page.status_code == 200 and "正在登记" in page.text


async def test_tracking_is_throttled(site_without_temporal):
    client = site_without_temporal.client()
    statuses = [(await client.track("T-1", "bad")).status_code for _ in range(31)]
    assert statuses[-1] == 429 and set(statuses[:30]) == {403}


async def test_rating_with_a_wrong_secret_is_refused(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1", stage="rating")
    client = site_without_temporal.client()
    response = await client.submit("/track/T-1/rate", {"secret": "bad", "rating": "satisfied"}, form_page="/login")
    assert response.status_code == 403


async def test_a_dissatisfied_rating_needs_a_comment_and_reopens(site):
    from tests.web.conftest import file_public

    ticket_id, secret = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology")
    handler = await site.signed_in("h-ecology")
    await handler.act(ticket_id, "accept")
    await handler.act(ticket_id, "submit", summary="已处理", outcome="resolved")
    await dispatcher.act(ticket_id, "review", decision="approve")
    citizen = site.client()
    track = f"/track/{ticket_id}"
    assert (await citizen.track(ticket_id, secret)).status_code == 200
    silent = await citizen.submit(f"/track/{ticket_id}/rate", {"secret": secret, "rating": "dissatisfied"},
                                  form_page=track)
    assert silent.status_code == 400 and "仍存在的问题" in silent.text
    reopened = await citizen.submit(f"/track/{ticket_id}/rate",
                                    {"secret": secret, "rating": "dissatisfied", "comment": "油烟依旧"},
                                    form_page=track)
    assert reopened.status_code == 303 and site.ticket(ticket_id).stage == "in_progress"
    page = await citizen.get(track)
    assert "重新办理" in page.text and "已处理" in page.text and 'name="rating"' not in page.text


async def test_board_shows_only_published_summaries(site_without_temporal):
    now = datetime.now(UTC)
    engine = site_without_temporal.engine
    make_ticket(engine, "T-PUB", stage="closed", published=True, closed_at=now, rating="satisfied",
                public_summary="饭店油烟，张* 138****5678", public_result="已加装净化器",
                description="秘密描述 张三 13812345678")
    make_ticket(engine, "T-CONF", stage="closed", published=False, closed_at=now, confidential=True,
                description="保密诉求")
    make_ticket(engine, "T-OPEN", stage="in_progress", description="未办结")
    page = (await site_without_temporal.client().get("/board")).text
    assert "T-PUB" in page and "已加装净化器" in page and "138****5678" in page
    assert "<dt>诉求内容</dt>" in page and "<dt>办理结果</dt>" in page
    for hidden in ("秘密描述", "13812345678", "张三", "T-CONF", "保密诉求", "T-OPEN"):
        assert hidden not in page


async def test_board_ranks_by_the_monthly_rule_from_the_audit_log(site_without_temporal):
    """One ranking: the board reads the audit log like the monthly ranking (core.evaluation.board_ranking)."""
    now = datetime.now(UTC)
    engine = site_without_temporal.engine
    make_ticket(engine, "M-1", stage="closed", closed_at=now, primary_unit_id="dept-market")
    with Session(engine) as session:
        session.add(TicketEvent(ticket_id="M-1", seq=1, at=now - timedelta(hours=1), actor_id="system", role="system",
                                unit_id="dept-market", action="closed", stage_before="rating", stage_after="closed",
                                details={"outcome": "resolved", "rating": "satisfied", "on_time": True}))
        session.commit()
    page = (await site_without_temporal.client().get("/board")).text
    assert "市市场监管局" in page and "100.00%" in page and "样本不足" in page  # one case: listed, not ranked


async def test_home_page_for_each_kind_of_visitor(site_without_temporal):
    anonymous = (await site_without_temporal.client().get("/")).text
    assert 'href="/report"' in anonymous and 'href="/login"' in anonymous
    dispatcher = (await (await site_without_temporal.signed_in("dispatcher")).get("/")).text
    assert 'href="/dispatch"' in dispatcher and "退出" in dispatcher


async def test_the_citizen_timeline_is_the_same_on_the_page_and_in_the_api(site_without_temporal):
    """One rule (core.vocabulary.CITIZEN_ACTIONS): disputes between units and escalations stay inside."""
    engine, now = site_without_temporal.engine, datetime.now(UTC)
    make_ticket(engine, "T-TL")
    steps = [("received", "citizen"), ("accepted", "handler"), ("bounce_requested", "handler"),
             ("escalated", "supervisor"), ("progress", "handler")]
    with Session(engine) as session:
        for seq, (action, role) in enumerate(steps, start=1):
            session.add(TicketEvent(ticket_id="T-TL", seq=seq, at=now + timedelta(seconds=seq), actor_id=role,
                                    role=role, unit_id="dept-ecology", action=action, reason=f"理由{seq}",
                                    stage_before="in_progress", stage_after="in_progress"))
        session.commit()
    secret = tracking_secret(site_without_temporal.settings, "T-TL")
    client = site_without_temporal.client()
    page = (await client.track("T-TL", secret)).text
    api = (await client.get("/api/v1/track/T-TL", params={"secret": secret})).json()
    assert [e["action"] for e in api["events"]] == ["received", "accepted", "progress"]
    assert "接单" in page and "申请退单" not in page and "督办升级" not in page
    assert [e["reason"] for e in api["events"]] == ["", "", "理由5"] and "理由5" in page and "理由3" not in page


async def test_a_secret_in_any_script_is_just_wrong(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1")
    client = site_without_temporal.client()
    assert (await client.track("T-1", "查询码")).status_code == 403
    assert (await client.get("/api/v1/track/T-1", params={"secret": "查询码"})).status_code == 403
