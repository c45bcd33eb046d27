"""派: three-level dispatch (city centre -> district -> unit) and the catalog's lists that limit where work may go.

"Nothing outside the list is a territorial item": a street gets only the items on its list, a community
only what the community access list allows, and an item taken back by a department never goes to a street.
"""

from __future__ import annotations

from core.messages import Stage
from core.payloads import AcceptInput, DispatchInput
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, EAST_URBAN, STREET
from tests.workflows.steps import actions, attributes, events, received, recorded, refused, state, ticket
from workflows.grievance import GrievanceWorkflow


def _dispatch(actor, item_code: str, unit: str, cooperating: tuple[str, ...] = ()) -> DispatchInput:
    return DispatchInput(actor=actor, item_code=item_code, primary_unit_id=unit, cooperating_unit_ids=list(cooperating))


async def test_centre_hands_the_case_to_a_district_which_dispatches_within_its_area(cases):
    handle = await received(cases)

    await handle.execute_update(GrievanceWorkflow.dispatch, _dispatch(CENTRE, "UR-001", "d-east"))
    handed = await state(handle)
    assert handed.stage == Stage.RECEIVED  # still to be dispatched, now by the district
    assert (handed.dispatch_owner_id, handed.district_id, handed.primary) == ("d-east", "d-east", None)
    assert handed.item_code == "UR-001"
    # The citizen's seven-day clock starts when the city hands the case on, not when the district acts.
    assert handed.dispatched_at is not None and handed.closure_deadline is not None
    assert handed.accept_deadline is None
    (event,) = await recorded(cases, handle.id, "handed_to_district")
    assert (event.unit_id, event.actor_id, event.stage_before, event.stage_after) == (
        "d-east", CENTRE.id, "received", "received")
    assert ticket(cases, handle.id).dispatch_owner_id == "d-east"

    # The centre no longer owns dispatching; the district may not push the case to a city department.
    await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "UR-001", "d-east-urban"), "Forbidden")
    cause = await refused(cases, handle, GrievanceWorkflow.dispatch,
                          _dispatch(EAST_DISPATCH, "UR-001", "dept-market"), "Forbidden")
    assert "outside your district" in cause.message
    await refused(cases, handle, GrievanceWorkflow.dispatch,
                  _dispatch(EAST_DISPATCH, "UR-001", "d-east-urban", ("dept-market",)), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(EAST_DISPATCH, "UR-001", "d-west"), "Forbidden")

    await handle.execute_update(GrievanceWorkflow.dispatch, _dispatch(EAST_DISPATCH, "UR-001", "d-east-urban"))
    s = await state(handle)
    assert s.stage == Stage.DISPATCHED and s.primary.id == "d-east-urban" and s.district_id == "d-east"
    assert s.dispatch_owner_id == "d-east"
    assert (s.dispatched_at, s.closure_deadline) == (handed.dispatched_at, handed.closure_deadline)
    assert s.accept_deadline is not None
    assert actions(cases, handle.id)[-2:] == ["handed_to_district", "dispatched"]
    (dispatched,) = await recorded(cases, handle.id, "dispatched")
    assert (dispatched.actor_id, dispatched.unit_id, dispatched.stage_before) == (
        EAST_DISPATCH.id, "d-east-urban", "received")
    attrs = await attributes(cases, handle)
    assert (attrs["TicketStatus"], attrs["Unit"]) == ("dispatched", "d-east-urban")

    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=EAST_URBAN))
    assert (await state(handle)).stage == Stage.IN_PROGRESS


async def test_a_district_dispatcher_cannot_dispatch_a_case_the_centre_still_owns(cases):
    handle = await received(cases)
    await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(EAST_DISPATCH, "UR-001", "d-east-urban"),
                  "Forbidden")


async def test_an_item_not_on_a_streets_list_cannot_be_pushed_onto_the_street(cases):
    handle = await received(cases)
    cause = await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "MK-002", "s-east-1"),
                          "NotOnCatalog")
    assert "东关街道" in cause.message
    await refused(cases, handle, GrievanceWorkflow.dispatch,
                  _dispatch(CENTRE, "MK-002", "dept-market", ("s-east-1",)), "NotOnCatalog")


async def test_work_not_on_the_community_access_list_cannot_go_to_a_community(cases):
    handle = await received(cases)
    cause = await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "MK-001", "c-east-1"),
                          "NotOnCatalog")
    assert "community access list" in cause.message
    await refused(cases, handle, GrievanceWorkflow.dispatch,
                  _dispatch(CENTRE, "MK-001", "dept-ecology", ("c-east-1",)), "NotOnCatalog")

    # The control: an item on the access list may involve the community.
    await handle.execute_update(GrievanceWorkflow.dispatch, _dispatch(CENTRE, "CM-001", "s-east-1", ("c-east-1",)))
    s = await state(handle)
    assert (s.primary.id, [u.id for u in s.cooperating]) == ("s-east-1", ["c-east-1"])


async def test_an_item_taken_back_by_a_department_never_goes_to_a_street(cases):
    handle = await received(cases)
    cause = await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "HS-001", "s-east-1"),
                          "NotOnCatalog")
    assert "taken back" in cause.message
    await refused(cases, handle, GrievanceWorkflow.dispatch,
                  _dispatch(CENTRE, "HS-001", "dept-housing", ("s-east-1",)), "NotOnCatalog")


async def test_a_street_level_item_goes_to_the_street_where_the_problem_lies(cases):
    handle = await received(cases, street_id="s-east-1")
    await handle.execute_update(GrievanceWorkflow.dispatch, _dispatch(CENTRE, "ST-001", "s-east-1"))
    s = await state(handle)
    assert (s.stage, s.primary.id) == (Stage.DISPATCHED, "s-east-1")
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=STREET))
    assert (await state(handle)).stage == Stage.IN_PROGRESS


async def test_unknown_items_and_units_are_refused(cases):
    handle = await received(cases)
    await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "XX-999", "dept-market"),
                  "NotOnCatalog")
    await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "MK-002", "dept-nowhere"), "BadInput")
    await refused(cases, handle, GrievanceWorkflow.dispatch, _dispatch(CENTRE, "", "dept-market"), "BadInput")
    assert [e.action for e in events(cases, handle.id)] == ["received", "routed"]
