"""Waiting on the citizen (issue 17): the unit asks with a reason, a supervisor approves, the unit's clocks
hold (no checkpoint, no rework limit), and on resuming every held deadline moves on by the held time,
which the audit log records as not the unit's."""

from __future__ import annotations

from datetime import timedelta

from core.payloads import PauseRequestInput, ResumeInput, RulingInput, SubmitResultInput
from tests.workflows.conftest import ECOLOGY, SUPERVISOR
from tests.workflows.steps import accepted, advance_to, events_of, refused, state
from workflows.grievance import GrievanceWorkflow

ASK = PauseRequestInput(actor=ECOLOGY, reason="诉求人电话无法接通，已发短信约时间")


async def approved_pause(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.request_pause, ASK)
    assert (await state(handle)).pending.kind == "pause"
    await handle.execute_update(GrievanceWorkflow.rule_pause,
                                RulingInput(actor=SUPERVISOR, approve=True, reason="情况属实"))
    return handle


async def test_an_approved_pause_holds_the_clocks_and_resuming_moves_them_on(cases):
    handle = await approved_pause(cases)
    before = await state(handle)
    assert before.paused_at is not None and before.pending is None

    await advance_to(cases, before.closure_deadline, margin=timedelta(days=2))  # past every deadline
    held = await state(handle)
    assert [c.colour for c in held.checkpoints] == [c.colour for c in before.checkpoints]  # nothing judged
    assert not held.overdue and not held.escalated

    await handle.execute_update(GrievanceWorkflow.resume, ResumeInput(actor=ECOLOGY, reason="已联系上诉求人"))
    after = await state(handle)
    gap = after.closure_deadline - before.closure_deadline
    assert gap > timedelta(days=8) and after.paused_at is None and after.paused_seconds == gap.total_seconds()
    assert all(c.due - b.due == gap for c, b in zip(after.checkpoints, before.checkpoints, strict=True)
               if b.colour is None)
    (resumed,) = events_of(cases, handle.id, "resumed")
    assert resumed.details == {"paused_for": int(gap.total_seconds())}


async def test_a_result_submitted_while_paused_releases_the_clocks(cases):
    handle = await approved_pause(cases)
    await handle.execute_update(GrievanceWorkflow.submit_result,
                                SubmitResultInput(actor=ECOLOGY, summary="诉求人来电后已处理"))
    s = await state(handle)
    assert s.paused_at is None and s.paused_seconds >= 0


async def test_a_pause_needs_a_reason_a_supervisor_and_is_resumed_only_when_paused(cases):
    handle = await accepted(cases)
    await refused(cases, handle, GrievanceWorkflow.request_pause,
                  PauseRequestInput(actor=ECOLOGY, reason=""), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.resume, ResumeInput(actor=ECOLOGY, reason="已联系"),
                  "WrongState")
    await handle.execute_update(GrievanceWorkflow.request_pause, ASK)
    await refused(cases, handle, GrievanceWorkflow.rule_pause,
                  RulingInput(actor=ECOLOGY, approve=True, reason="自己批准"), "Forbidden")
    await handle.execute_update(GrievanceWorkflow.rule_pause,
                                RulingInput(actor=SUPERVISOR, approve=False, reason="应继续联系"))
    s = await state(handle)
    assert s.paused_at is None and s.pending is None
    assert [e.action for e in events_of(cases, handle.id, "pause_denied")] == ["pause_denied"]
