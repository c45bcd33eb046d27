"""Before dispatch a dispatcher may reject a grievance as invalid, or merge it into the ticket it duplicates;
both need a reason and end the case without publication.
"""

from __future__ import annotations

from core.messages import Stage
from core.payloads import RejectInput
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, ECOLOGY, SUPERVISOR
from tests.workflows.steps import actions, dispatched, events, finished, received, refused, ticket
from workflows.grievance import GrievanceWorkflow


async def test_dispatcher_rejects_an_invalid_grievance_with_a_reason(cases):
    handle = await received(cases)
    await handle.execute_update(GrievanceWorkflow.reject, RejectInput(actor=CENTRE, reason="咨询类来电，非诉求"))
    final = await finished(cases, handle)

    assert (final.stage, final.duplicate_of, final.published) == (Stage.REJECTED, None, False)
    assert final.closed_at is not None
    assert actions(cases, handle.id) == ["received", "routed", "rejected"]
    rejected = events(cases, handle.id)[-1]
    assert (rejected.action, rejected.actor_id, rejected.reason) == ("rejected", CENTRE.id, "咨询类来电，非诉求")
    assert (rejected.stage_before, rejected.stage_after) == ("received", "rejected")
    row = ticket(cases, handle.id)
    assert (row.stage, row.published, row.closed_at) == ("rejected", False, final.closed_at)


async def test_dispatcher_merges_a_duplicate_into_the_earlier_ticket(cases):
    handle = await received(cases)
    duplicate = RejectInput(actor=CENTRE, reason="同一饭店油烟重复来电", duplicate_of="2026-1120-000007")
    await handle.execute_update(GrievanceWorkflow.reject, duplicate)
    final = await finished(cases, handle)

    assert (final.stage, final.duplicate_of) == (Stage.MERGED, "2026-1120-000007")
    merged = events(cases, handle.id)[-1]
    assert (merged.action, merged.details, merged.stage_after) == ("merged", {"into": "2026-1120-000007"}, "merged")
    row = ticket(cases, handle.id)
    assert (row.stage, row.closed_at) == ("merged", final.closed_at)


async def test_rejecting_needs_a_reason_the_dispatcher_and_an_undispatched_case(cases):
    handle = await received(cases)
    await refused(cases, handle, GrievanceWorkflow.reject, RejectInput(actor=CENTRE, reason=""), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.reject,
                  RejectInput(actor=CENTRE, reason="重复", duplicate_of=handle.id), "BadInput")
    for actor in (ECOLOGY, SUPERVISOR, EAST_DISPATCH):
        await refused(cases, handle, GrievanceWorkflow.reject, RejectInput(actor=actor, reason="无效"), "Forbidden")


async def test_a_dispatched_case_can_no_longer_be_rejected(cases):
    handle = await dispatched(cases)
    await refused(cases, handle, GrievanceWorkflow.reject, RejectInput(actor=CENTRE, reason="无效"), "WrongState")
