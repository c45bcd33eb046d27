"""Extensions (延期): the unit asks before the closure deadline, with a reason; only a supervisor rules.

An approved extension moves the closure deadline and every checkpoint that has not fired yet, and the
running timers follow; a denied one changes no clock.
"""

from __future__ import annotations

from datetime import timedelta

from core.messages import Colour, Stage
from core.payloads import ExtensionRequestInput, RulingInput
from tests.workflows.conftest import CENTRE, EAST_SUPERVISOR, ECOLOGY, MARKET, SUPERVISOR
from tests.workflows.steps import accepted, actions, advance_to, attributes, recorded, refused, state, until
from workflows.grievance import GrievanceWorkflow

ASK = ExtensionRequestInput(actor=ECOLOGY, reason="需等待第三方检测报告", extra="3d")


async def test_approved_extension_moves_the_deadline_and_unfired_checkpoints_by_three_days(cases):
    handle = await accepted(cases)
    first = await state(handle)
    await advance_to(cases, first.checkpoints[0].due)
    before = await until(handle, lambda s: s.checkpoints[0].colour is not None)

    await handle.execute_update(GrievanceWorkflow.request_extension, ASK)
    assert (await state(handle)).pending.kind == "extension"
    await handle.execute_update(GrievanceWorkflow.rule_extension,
                                RulingInput(actor=SUPERVISOR, approve=True, reason="检测周期合理"))
    s = await state(handle)

    assert s.pending is None and s.stage == Stage.IN_PROGRESS
    assert s.closure_deadline == before.closure_deadline + timedelta(days=3)
    assert s.checkpoints[0] == before.checkpoints[0]  # fired: history, not moved
    assert [c.due for c in s.checkpoints[1:]] == [c.due + timedelta(days=3) for c in before.checkpoints[1:]]
    (approved,) = await recorded(cases, handle.id, "extension_approved")
    assert (approved.unit_id, approved.actor_id, approved.reason) == ("dept-ecology", SUPERVISOR.id, "检测周期合理")
    assert approved.details == {"extra": "3d", "old_deadline": before.closure_deadline.isoformat(),
                                "new_deadline": s.closure_deadline.isoformat()}
    assert (await attributes(cases, handle))["Deadline"] == s.closure_deadline

    # The running timer moved too: nothing fires at the old deadline, the case is overdue at the new one.
    await advance_to(cases, before.closure_deadline)
    s = await until(handle, lambda s: s.checkpoints[1].colour is not None)  # day 3 + 3: fired on the way
    assert s.checkpoints[3].colour is None and not s.overdue
    await advance_to(cases, s.closure_deadline)
    s = await until(handle, lambda s: s.checkpoints[3].colour is not None)
    assert (s.checkpoints[3].colour, s.overdue) == (Colour.RED, True)


async def test_denied_extension_changes_no_clock(cases):
    handle = await accepted(cases)
    before = await state(handle)
    await handle.execute_update(GrievanceWorkflow.request_extension, ASK)
    await handle.execute_update(GrievanceWorkflow.rule_extension,
                                RulingInput(actor=SUPERVISOR, approve=False, reason="七天内可以办结"))
    s = await state(handle)
    assert s.pending is None
    assert (s.closure_deadline, s.checkpoints) == (before.closure_deadline, before.checkpoints)
    assert actions(cases, handle.id)[-2:] == ["extension_requested", "extension_denied"]
    (denied,) = await recorded(cases, handle.id, "extension_denied")
    assert (denied.unit_id, denied.actor_id) == ("dept-ecology", SUPERVISOR.id)


async def test_only_a_supervisor_rules_on_an_extension(cases):
    handle = await accepted(cases, cooperating=["dept-market"])
    await handle.execute_update(GrievanceWorkflow.request_extension, ASK)
    for actor in (ECOLOGY, MARKET, CENTRE):
        await refused(cases, handle, GrievanceWorkflow.rule_extension,
                      RulingInput(actor=actor, approve=True, reason="同意"), "Forbidden")
    # A district supervisor rules only on its own district's cases; this one is a city department's.
    await refused(cases, handle, GrievanceWorkflow.rule_extension,
                  RulingInput(actor=EAST_SUPERVISOR, approve=True, reason="同意"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rule_extension,
                  RulingInput(actor=SUPERVISOR, approve=True, reason=" "), "MissingReason")
    assert (await state(handle)).pending.kind == "extension"


async def test_extension_requests_need_the_primary_unit_a_reason_and_a_duration(cases):
    handle = await accepted(cases, cooperating=["dept-market"])
    await refused(cases, handle, GrievanceWorkflow.request_extension,
                  ExtensionRequestInput(actor=MARKET, reason="配合单位", extra="3d"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.request_extension,
                  ExtensionRequestInput(actor=ECOLOGY, reason="", extra="3d"), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.request_extension,
                  ExtensionRequestInput(actor=ECOLOGY, reason="需要时间", extra="three days"), "BadInput")
    await handle.execute_update(GrievanceWorkflow.request_extension, ASK)
    await refused(cases, handle, GrievanceWorkflow.request_extension, ASK, "WrongState")  # one at a time


async def test_extension_requested_after_the_closure_deadline_is_refused(cases):
    handle = await accepted(cases)
    await advance_to(cases, (await state(handle)).closure_deadline)
    s = await until(handle, lambda s: s.overdue)
    assert s.stage == Stage.IN_PROGRESS
    cause = await refused(cases, handle, GrievanceWorkflow.request_extension, ASK, "WrongState")
    assert "before the closure deadline" in cause.message
