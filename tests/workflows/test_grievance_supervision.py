"""督办 by hand: a supervisor escalates a case or reassigns it to another unit, always with a reason."""

from __future__ import annotations

from core.messages import Stage
from core.payloads import AcceptInput, DispatchInput, EscalateInput, ProgressInput, ReassignInput
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, EAST_SUPERVISOR, ECOLOGY, MARKET, SUPERVISOR
from tests.workflows.steps import (
    accepted,
    actions,
    attributes,
    noticed,
    received,
    recorded,
    refused,
    state,
    ticket,
)
from workflows.grievance import GrievanceWorkflow


async def test_supervisor_escalates_a_case_and_the_unit_is_told(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.escalate, EscalateInput(actor=SUPERVISOR, reason="群众多次来电催办"))
    s = await state(handle)
    assert (s.escalated, s.stage, s.overdue) == (True, Stage.IN_PROGRESS, False)
    assert actions(cases, handle.id)[-1] == "escalated"
    (escalated,) = await recorded(cases, handle.id, "escalated")
    assert (escalated.actor_id, escalated.role, escalated.unit_id, escalated.reason) == (
        SUPERVISOR.id, "supervisor", "dept-ecology", "群众多次来电催办")
    assert await noticed(cases, handle.id, 1) == [("escalated", "unit", "dept-ecology")]
    assert ticket(cases, handle.id).escalated


async def test_only_a_supervisor_escalates_and_only_with_a_reason(cases):
    handle = await accepted(cases)
    for actor in (ECOLOGY, CENTRE):
        await refused(cases, handle, GrievanceWorkflow.escalate, EscalateInput(actor=actor, reason="催办"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.escalate, EscalateInput(actor=EAST_SUPERVISOR, reason="催办"),
                  "Forbidden")  # a district supervisor, on a city department's case
    await refused(cases, handle, GrievanceWorkflow.escalate, EscalateInput(actor=SUPERVISOR, reason=""),
                  "MissingReason")


async def test_supervisor_reassigns_an_accepted_case_to_another_unit(cases):
    handle = await accepted(cases)
    before = await state(handle)
    await handle.execute_update(GrievanceWorkflow.reassign, ReassignInput(
        actor=SUPERVISOR, reason="生态局推诿，改由市场监管局办理", primary_unit_id="dept-market", item_code="MK-002"))
    s = await state(handle)
    assert (s.stage, s.primary.id, s.item_code, s.accepted_at) == (Stage.DISPATCHED, "dept-market", "MK-002", None)
    assert (s.dispatched_at, s.closure_deadline) == (before.dispatched_at, before.closure_deadline)
    assert s.accept_deadline >= before.accept_deadline
    (reassigned,) = await recorded(cases, handle.id, "reassigned")
    assert (reassigned.unit_id, reassigned.actor_id, reassigned.stage_before, reassigned.stage_after) == (
        "dept-ecology", SUPERVISOR.id, "in_progress", "dispatched")  # counted against the unit it was taken from
    assert reassigned.details == {"item_code": "MK-002", "primary": "dept-market"}
    assert (await attributes(cases, handle))["Unit"] == "dept-market"

    await refused(cases, handle, GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY), "Forbidden")
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=MARKET))


async def test_supervisor_reassigns_an_undispatched_case_and_starts_its_clock(cases):
    handle = await received(cases)
    await handle.execute_update(GrievanceWorkflow.reassign, ReassignInput(
        actor=SUPERVISOR, reason="久未派单，直接交办", primary_unit_id="dept-ecology", item_code="MK-001"))
    s = await state(handle)
    assert (s.stage, s.primary.id) == (Stage.DISPATCHED, "dept-ecology")
    assert s.dispatched_at is not None and len(s.checkpoints) == 4 and s.accept_deadline is not None


async def test_reassigning_is_for_supervisors_with_a_reason_and_follows_the_catalog(cases):
    handle = await accepted(cases)
    for actor in (CENTRE, ECOLOGY, EAST_DISPATCH):
        await refused(cases, handle, GrievanceWorkflow.reassign,
                      ReassignInput(actor=actor, reason="改派", primary_unit_id="dept-market"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.reassign,
                  ReassignInput(actor=SUPERVISOR, reason=" ", primary_unit_id="dept-market"), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.reassign,
                  ReassignInput(actor=SUPERVISOR, reason="交街道", primary_unit_id="s-east-1"), "NotOnCatalog")


async def test_escalating_a_case_nobody_dispatched_tells_the_dispatch_centre(cases):
    handle = await received(cases)
    await handle.execute_update(GrievanceWorkflow.escalate, EscalateInput(actor=SUPERVISOR, reason="超过两小时未派单"))
    s = await state(handle)
    assert (s.escalated, s.stage) == (True, Stage.RECEIVED)
    (escalated,) = await recorded(cases, handle.id, "escalated")
    assert escalated.unit_id is None
    assert await noticed(cases, handle.id, 1) == [("escalated", "unit", "centre")]


async def test_reassigning_an_accepted_case_to_a_district_takes_it_off_the_old_unit(cases):
    handle = await accepted(cases)
    before = await state(handle)
    await handle.execute_update(GrievanceWorkflow.reassign, ReassignInput(
        actor=SUPERVISOR, reason="属区级事项，交东城区派单", primary_unit_id="d-east", item_code="UR-001"))
    s = await state(handle)
    assert (s.stage, s.dispatch_owner_id, s.district_id, s.item_code) == (Stage.RECEIVED, "d-east", "d-east", "UR-001")
    assert (s.primary, s.cooperating, s.accepted_at, s.accept_deadline) == (None, [], None, None)
    assert s.closure_deadline == before.closure_deadline
    (reassigned,) = await recorded(cases, handle.id, "reassigned")
    assert (reassigned.unit_id, reassigned.details) == ("dept-ecology", {"item_code": "UR-001", "primary": "d-east"})
    assert ticket(cases, handle.id).primary_unit_id is None
    assert (await attributes(cases, handle))["Unit"] is None
    await refused(cases, handle, GrievanceWorkflow.add_progress, ProgressInput(actor=ECOLOGY, note="继续办理"),
                  "WrongState")

    await handle.execute_update(GrievanceWorkflow.dispatch, DispatchInput(
        actor=EAST_DISPATCH, item_code="UR-001", primary_unit_id="d-east-urban"))
    s = await state(handle)
    assert (s.stage, s.primary.id, s.accepted_at) == (Stage.DISPATCHED, "d-east-urban", None)
