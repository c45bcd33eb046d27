"""The whole loop for one grievance: receive, dispatch, accept, handle, review, rate, report, publish."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from core.messages import Colour, Rating, Stage
from core.models.tickets import Ticket, TicketEvent
from core.payloads import AcceptInput, DispatchInput, ProgressInput, RateInput, ReviewInput, SubmitResultInput
from tests.workflows.conftest import CENTRE, ECOLOGY, citizen
from tests.workflows.steps import finished
from workflows.grievance import GrievanceWorkflow


async def test_happy_path_closes_publishes_and_records_every_step(cases):
    harness = cases
    handle = await harness.start("HAPPY-0001")
    await handle.execute_update(
        GrievanceWorkflow.dispatch,
        DispatchInput(actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology",
                      cooperating_unit_ids=["dept-market"]),
    )
    state = await handle.query(GrievanceWorkflow.state)
    assert state.stage == Stage.DISPATCHED
    assert state.primary.id == "dept-ecology" and [u.id for u in state.cooperating] == ["dept-market"]
    assert state.accept_deadline is not None and len(state.checkpoints) == 4
    assert state.closure_deadline - state.clock_origin == timedelta(days=7)  # days off before acceptance excluded

    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    await harness.env.sleep(timedelta(hours=30))  # past checkpoint 1 (day 1): accepted -> green
    await handle.execute_update(GrievanceWorkflow.add_progress, ProgressInput(actor=ECOLOGY, note="已约谈店主"))
    await handle.execute_update(
        GrievanceWorkflow.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已加装油烟净化器，复测达标")
    )
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(
        GrievanceWorkflow.rate, RateInput(actor=citizen(handle.id), rating=Rating.SATISFIED, comment="谢谢")
    )
    final = await finished(harness, handle)

    assert final.stage == Stage.CLOSED and final.rating == Rating.SATISFIED and final.published
    assert final.checkpoints[0].colour == Colour.GREEN
    with Session(harness.engine) as session:
        ticket = session.get(Ticket, handle.id)
        events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == handle.id)
                              .order_by(TicketEvent.seq)).all()
    assert [e.action for e in events] == [
        "received", "routed", "dispatched", "accepted", "checkpoint", "progress", "result_submitted",
        "review_approved", "rated", "closed", "published",
    ]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert ticket.stage == "closed" and ticket.published and ticket.rating == "satisfied"
    assert "13812345678" not in ticket.public_summary and "张三" not in ticket.public_summary
    assert ticket.public_result == "已加装油烟净化器，复测达标"
    assert events[2].actor_id == CENTRE.id and events[2].role == "dispatcher"
    assert events[2].stage_before == "received" and events[2].stage_after == "dispatched"
