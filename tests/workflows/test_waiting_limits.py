"""Every party a case waits for has a limit (issue 17): a reminder before it, an escalation after it,
counted for the party that was late, and shown on the supervisor board."""

from __future__ import annotations

from sqlmodel import Session

from core.messages import Role
from core.payloads import ExtensionRequestInput, ReviewInput, SubmitResultInput
from services.accounts import CurrentUser
from services.tickets import supervision_board
from tests.workflows.conftest import CENTRE, ECOLOGY
from tests.workflows.steps import (
    accepted,
    actions,
    advance_to,
    events_of,
    logged,
    notices,
    state,
    submitted,
    ticket,
    until,
)
from workflows.grievance import GrievanceWorkflow

SUPERVISOR_ACCOUNT = CurrentUser(id=1, username="sup", display_name="督查员", role=Role.SUPERVISOR,
                                 unit_id="supervision", district_id=None, street_id=None)


async def test_a_result_waiting_for_review_reminds_then_escalates_the_reviewer_not_the_unit(cases):
    handle = await submitted(cases)
    s = await state(handle)
    (wait,) = s.waits
    assert (wait.kind, wait.party) == ("review", "dispatcher") and wait.remind_at < wait.due
    row = ticket(cases, handle.id)
    assert (row.wait_kind, row.wait_due, row.wait_overdue) == ("review", wait.due, False)

    await advance_to(cases, wait.remind_at)
    await until(handle, lambda s: s.waits[0].reminded)
    await advance_to(cases, wait.due)
    await logged(cases, handle.id, lambda found: "wait_overdue" in found)
    (late,) = events_of(cases, handle.id, "wait_overdue")
    assert (late.unit_id, late.details["wait"], late.at) == ("centre", "review", wait.due)
    s = await state(handle)
    assert not s.escalated and "escalated" not in actions(cases, handle.id)  # the unit did its part
    kinds = [(kind, audience) for kind, audience, _unit in notices(cases, handle.id)]
    assert ("wait_reminder", "dispatcher") in kinds and ("wait_overdue", "supervisor") in kinds
    assert ticket(cases, handle.id).wait_overdue
    with Session(cases.engine) as session:
        assert handle.id in [t.id for t in supervision_board(session, SUPERVISOR_ACCOUNT, 1).rows]

    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    assert (await state(handle)).waits == [] and ticket(cases, handle.id).wait_kind == ""


async def test_a_rework_returned_after_the_closure_deadline_is_watched_again(cases):
    handle = await submitted(cases)
    deadline = (await state(handle)).closure_deadline
    await advance_to(cases, deadline)  # the result waited for review past the deadline
    await until(handle, lambda s: all(c.colour is not None for c in s.checkpoints))
    await handle.execute_update(GrievanceWorkflow.review,
                                ReviewInput(actor=CENTRE, approve=False, reason="未见整改照片"))
    s = await state(handle)
    (rework,) = s.waits
    assert rework.kind == "rework" and rework.due > deadline and not s.overdue

    await advance_to(cases, rework.due)
    await logged(cases, handle.id, lambda found: found.count("escalated") >= 1)
    s = await state(handle)
    assert s.overdue and s.escalated and s.waits[0].overdue
    (escalated,) = events_of(cases, handle.id, "escalated")
    assert (escalated.unit_id, escalated.details["wait"]) == ("dept-ecology", "rework")
    await handle.execute_update(GrievanceWorkflow.submit_result,
                                SubmitResultInput(actor=ECOLOGY, summary="已补充整改照片"))
    assert [w.kind for w in (await state(handle)).waits] == ["review"]


async def test_an_extension_request_waits_for_its_ruling_on_a_clock(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.request_extension,
                                ExtensionRequestInput(actor=ECOLOGY, reason="等待检测报告", extra="2wd"))
    (wait,) = (await state(handle)).waits
    assert (wait.kind, wait.party) == ("extension", "supervisor")
    await advance_to(cases, wait.due)
    await logged(cases, handle.id, lambda found: "wait_overdue" in found)
    (late,) = events_of(cases, handle.id, "wait_overdue")
    assert late.unit_id == "supervision" and late.details["wait"] == "extension"
