"""首接负责: a unit may only ask to bounce a case (退单); a dispatcher or supervisor rules on it.

An approved bounce re-dispatches to the unit of the claimed item without restarting the citizen's clock;
a denied one leaves the case where it is. Either way the bounce is counted for the unit that asked.
"""

from __future__ import annotations

from datetime import timedelta

from core.messages import Stage
from core.payloads import AcceptInput, BounceRequestInput, BounceRulingInput, ProgressInput
from tests.workflows.conftest import CENTRE, ECOLOGY, HOUSING, MARKET, SUPERVISOR
from tests.workflows.steps import accepted, actions, attributes, dispatched, recorded, refused, state, ticket
from workflows.grievance import GrievanceWorkflow

CLAIM = BounceRequestInput(actor=ECOLOGY, reason="属于后厨卫生问题，应由市场监管处理", claimed_item_code="MK-002")


async def test_approved_bounce_redispatches_to_the_claimed_items_unit_on_the_same_closure_clock(cases):
    handle = await dispatched(cases)
    before = await state(handle)
    await cases.env.sleep(timedelta(hours=2))  # so the new acceptance limit differs from the first one

    await handle.execute_update(GrievanceWorkflow.request_bounce, CLAIM)
    pending = await state(handle)
    assert pending.pending.kind == "bounce" and pending.pending.claimed_item_code == "MK-002"
    assert pending.stage == Stage.DISPATCHED and pending.primary.id == "dept-ecology"
    await refused(cases, handle, GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY), "WrongState")
    assert ticket(cases, handle.id).pending_request == "bounce"

    await handle.execute_update(GrievanceWorkflow.rule_bounce,
                                BounceRulingInput(actor=CENTRE, approve=True, reason="同意，改派市场监管局"))
    s = await state(handle)
    assert s.stage == Stage.DISPATCHED and s.pending is None
    assert (s.item_code, s.primary.id) == ("MK-002", "dept-market")
    assert (s.dispatched_at, s.closure_deadline) == (before.dispatched_at, before.closure_deadline)
    assert [c.due for c in s.checkpoints] == [c.due for c in before.checkpoints]
    assert s.accept_deadline > before.accept_deadline
    assert s.accept_deadline - before.accept_deadline >= timedelta(hours=2)
    assert actions(cases, handle.id)[-2:] == ["bounce_requested", "bounce_approved"]

    (requested,) = await recorded(cases, handle.id, "bounce_requested")
    (approved,) = await recorded(cases, handle.id, "bounce_approved")
    assert (requested.unit_id, requested.actor_id, requested.details) == (
        "dept-ecology", ECOLOGY.id, {"claimed_item_code": "MK-002"})
    assert (approved.unit_id, approved.actor_id, approved.role) == ("dept-ecology", CENTRE.id, "dispatcher")
    assert approved.details == {"item_code": "MK-002", "primary": "dept-market"}
    row = ticket(cases, handle.id)
    assert (row.primary_unit_id, row.item_code, row.pending_request) == ("dept-market", "MK-002", "")
    assert (await attributes(cases, handle))["Unit"] == "dept-market"

    # The new unit takes it; the old one has nothing left to do on it.
    await refused(cases, handle, GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY), "Forbidden")
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=MARKET))
    assert (await state(handle)).stage == Stage.IN_PROGRESS


async def test_denied_bounce_leaves_the_case_with_the_unit_and_counts_the_attempt(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.request_bounce, CLAIM)

    await handle.execute_update(GrievanceWorkflow.rule_bounce,
                                BounceRulingInput(actor=SUPERVISOR, approve=False, reason="油烟属生态环境局职责"))
    s = await state(handle)
    assert (s.stage, s.primary.id, s.item_code, s.pending) == (Stage.IN_PROGRESS, "dept-ecology", "MK-001", None)
    (denied,) = await recorded(cases, handle.id, "bounce_denied")
    assert (denied.unit_id, denied.actor_id, denied.role, denied.reason) == (
        "dept-ecology", SUPERVISOR.id, "supervisor", "油烟属生态环境局职责")
    await handle.execute_update(GrievanceWorkflow.add_progress, ProgressInput(actor=ECOLOGY, note="已现场检查"))


async def test_bounce_needs_a_reason(cases):
    handle = await dispatched(cases)
    await refused(cases, handle, GrievanceWorkflow.request_bounce,
                  BounceRequestInput(actor=ECOLOGY, reason="  ", claimed_item_code="MK-002"), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.request_bounce,
                  BounceRequestInput(actor=ECOLOGY, reason="不归我们", claimed_item_code=""), "BadInput")
    await refused(cases, handle, GrievanceWorkflow.request_bounce,
                  BounceRequestInput(actor=ECOLOGY, reason="不归我们", claimed_item_code="MK-001"), "BadInput")


async def test_only_the_primary_unit_may_ask_to_bounce(cases):
    handle = await dispatched(cases, cooperating=["dept-market"])
    await refused(cases, handle, GrievanceWorkflow.request_bounce,
                  BounceRequestInput(actor=MARKET, reason="不归我们", claimed_item_code="MK-002"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.request_bounce,
                  BounceRequestInput(actor=HOUSING, reason="不归我们", claimed_item_code="MK-002"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.request_bounce,
                  BounceRequestInput(actor=CENTRE, reason="不归我们", claimed_item_code="MK-002"), "Forbidden")


async def test_rulings_are_for_dispatchers_and_supervisors_with_a_reason(cases):
    handle = await dispatched(cases)
    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=CENTRE, approve=True, reason="同意"), "WrongState")  # nothing to rule on
    await handle.execute_update(GrievanceWorkflow.request_bounce, CLAIM)

    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=ECOLOGY, approve=True, reason="同意"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=MARKET, approve=False, reason="不同意"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=CENTRE, approve=True, reason=""), "MissingReason")
    # Approving "back to the same unit" is no bounce at all.
    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=CENTRE, approve=True, reason="同意", primary_unit_id="dept-ecology"),
                  "BadInput")
    # An approved bounce obeys the catalog like any dispatch: no pushing the item onto a street.
    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=CENTRE, approve=True, reason="交街道", primary_unit_id="s-east-1"),
                  "NotOnCatalog")
    assert (await state(handle)).pending.kind == "bounce"
