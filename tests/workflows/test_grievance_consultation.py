"""会商: a supervisor settles a dispute between units; the ruling may re-dispatch the case and propose a
change to the responsibility catalog (dynamic adjustment of the list).
"""

from __future__ import annotations

from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from core.messages import Stage
from core.models.catalog import CatalogChangeProposal
from core.payloads import (
    AcceptInput,
    BounceRequestInput,
    BounceRulingInput,
    ConsultationInput,
    ConsultationRulingInput,
    ExtensionRequestInput,
    ProgressInput,
)
from tests.workflows.conftest import CENTRE, ECOLOGY, MARKET, SUPERVISOR
from tests.workflows.steps import accepted, actions, dispatched, recorded, refused, state, ticket
from workflows.grievance import GrievanceWorkflow
from workflows.patches import RULING_KEEPS_COOPERATING

DISPUTE = ConsultationInput(actor=SUPERVISOR, reason="油烟与后厨卫生职责交叉", unit_ids=["dept-ecology", "dept-market"])


def _proposals(h) -> list[CatalogChangeProposal]:
    with Session(h.engine) as session:
        return list(session.exec(select(CatalogChangeProposal)).all())


async def test_consultation_replaces_a_bounce_and_its_ruling_redispatches_and_proposes_a_catalog_change(cases):
    handle = await dispatched(cases)
    before = await state(handle)
    await handle.execute_update(GrievanceWorkflow.request_bounce, BounceRequestInput(
        actor=ECOLOGY, reason="不属于我局职责", claimed_item_code="MK-002"))

    await handle.execute_update(GrievanceWorkflow.open_consultation, DISPUTE)
    s = await state(handle)
    assert (s.pending.kind, s.pending.unit_ids, s.pending.by.id) == (
        "consultation", ["dept-ecology", "dept-market"], SUPERVISOR.id)
    (opened,) = await recorded(cases, handle.id, "consultation_opened")
    assert opened.details == {"units": ["dept-ecology", "dept-market"], "replaces": "bounce"}
    assert ticket(cases, handle.id).pending_request == "consultation"
    # The bounce it replaced can no longer be ruled on, and nobody can act on the case meanwhile.
    await refused(cases, handle, GrievanceWorkflow.rule_bounce,
                  BounceRulingInput(actor=CENTRE, approve=True, reason="同意"), "WrongState")
    await refused(cases, handle, GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY), "WrongState")

    ruling = ConsultationRulingInput(actor=SUPERVISOR, reason="会商认定由市场监管局牵头", primary_unit_id="dept-market",
                                     propose_catalog_change=True)
    await handle.execute_update(GrievanceWorkflow.rule_consultation, ruling)
    s = await state(handle)
    assert (s.stage, s.pending, s.primary.id, s.item_code) == (Stage.DISPATCHED, None, "dept-market", "MK-001")
    assert s.closure_deadline == before.closure_deadline
    assert actions(cases, handle.id)[-3:] == ["bounce_requested", "consultation_opened", "consultation_ruled"]
    (ruled,) = await recorded(cases, handle.id, "consultation_ruled")
    assert (ruled.unit_id, ruled.actor_id, ruled.reason) == ("dept-ecology", SUPERVISOR.id, "会商认定由市场监管局牵头")
    assert ruled.details == {"ruled_unit": "dept-market", "item_code": "MK-001", "cooperating": [],
                             "catalog_change": True}

    (proposal,) = _proposals(cases)
    assert (proposal.ticket_id, proposal.item_code, proposal.proposed_primary_unit_id) == (
        handle.id, "MK-001", "dept-market")
    assert (proposal.status, proposal.proposed_by, proposal.reason) == ("open", "督查员", "会商认定由市场监管局牵头")
    assert proposal.source_key == f"{handle.id}:{ruled.seq}"

    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=MARKET))


async def test_ruling_for_the_same_unit_keeps_the_case_and_proposes_nothing(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.open_consultation, DISPUTE)
    await handle.execute_update(GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="仍由生态环境局办理", primary_unit_id="dept-ecology"))
    s = await state(handle)
    assert (s.stage, s.primary.id, s.pending) == (Stage.IN_PROGRESS, "dept-ecology", None)
    assert _proposals(cases) == []


async def test_ruling_that_keeps_the_lead_adds_its_cooperating_units_and_keeps_the_acceptance(cases):
    handle = await accepted(cases)
    before = await state(handle)
    await handle.execute_update(GrievanceWorkflow.open_consultation, DISPUTE)
    await handle.execute_update(GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="生态环境局牵头，市场监管局配合", primary_unit_id="dept-ecology",
        cooperating_unit_ids=["dept-market"]))

    s = await state(handle)
    assert (s.stage, s.primary.id, s.item_code, s.pending) == (Stage.IN_PROGRESS, "dept-ecology", "MK-001", None)
    assert [u.id for u in s.cooperating] == ["dept-market"]
    # The lead accepted before the dispute: it keeps its acceptance, and no clock restarts.
    assert (s.accepted_at, s.accept_deadline, s.response_failed) == (
        before.accepted_at, before.accept_deadline, False)
    assert (s.checkpoints, s.closure_deadline) == (before.checkpoints, before.closure_deadline)
    (ruled,) = await recorded(cases, handle.id, "consultation_ruled")
    assert ruled.details == {"ruled_unit": "dept-ecology", "item_code": "MK-001", "cooperating": ["dept-market"],
                             "catalog_change": False}
    assert ticket(cases, handle.id).cooperating_unit_ids == ["dept-market"]
    assert RULING_KEEPS_COOPERATING in _patched(await handle.fetch_history())
    # The cooperating unit now works on the case.
    await handle.execute_update(GrievanceWorkflow.add_progress, ProgressInput(actor=MARKET, note="已检查后厨"))


def _patched(history: WorkflowHistory) -> list[str]:
    """The patch ids the workflow recorded (workflow.patched markers) in a history."""
    converter = DataConverter.default.payload_converter
    return [converter.from_payloads(e.marker_recorded_event_attributes.details["patch-data"].payloads)[0]["id"]
            for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and e.marker_recorded_event_attributes.marker_name == "core_patch"]


async def test_consultations_are_opened_and_ruled_by_supervisors_only(cases):
    handle = await accepted(cases)
    await refused(cases, handle, GrievanceWorkflow.open_consultation,
                  ConsultationInput(actor=CENTRE, reason="职责交叉", unit_ids=["dept-ecology", "dept-market"]),
                  "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.open_consultation,
                  ConsultationInput(actor=SUPERVISOR, reason="", unit_ids=["dept-ecology", "dept-market"]),
                  "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.open_consultation,
                  ConsultationInput(actor=SUPERVISOR, reason="职责交叉", unit_ids=["dept-ecology", "dept-ecology"]),
                  "BadInput")
    await refused(cases, handle, GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="由市场监管局办理", primary_unit_id="dept-market"), "WrongState")

    await handle.execute_update(GrievanceWorkflow.open_consultation, DISPUTE)
    await refused(cases, handle, GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=CENTRE, reason="由市场监管局办理", primary_unit_id="dept-market"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="", primary_unit_id="dept-market"), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="交给街道", primary_unit_id="s-east-1"), "NotOnCatalog")


async def test_a_consultation_does_not_replace_a_pending_extension(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.request_extension,
                                ExtensionRequestInput(actor=ECOLOGY, reason="等待检测", extra="3d"))
    await refused(cases, handle, GrievanceWorkflow.open_consultation, DISPUTE, "WrongState")
