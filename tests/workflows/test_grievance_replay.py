"""Workflow code changes must keep old histories replayable (use `workflow.patched` when behaviour changes).

The first tests run whole cases through every branch that writes history (updates, local and normal
activities, timers, search attributes) and replay them at once; with UPDATE_HISTORIES=1 they also store
them under histories/. The last test replays every stored history on the current code: a non-deterministic
change fails it with the name of the history it broke. Histories stored since payload encryption
(`encrypted-*.json`, test key) replay through the codec; the older plaintext ones through the plain converter.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from core.messages import GrievanceState, Outcome, Rating, Stage
from core.payloads import (
    AcceptInput,
    BounceRequestInput,
    BounceRulingInput,
    ConsultationInput,
    ConsultationRulingInput,
    DispatchInput,
    ExtensionRequestInput,
    PauseRequestInput,
    ProgressInput,
    RateInput,
    ResumeInput,
    ReviewInput,
    RulingInput,
    SubmitResultInput,
)
from tests.temporal_env import TEST_CONVERTER
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, EAST_URBAN, ECOLOGY, MARKET, SUPERVISOR
from tests.workflows.steps import actions, advance_to, attributes, finished, logged, rater, received, state, until
from workflows.grievance import GrievanceWorkflow as W

HISTORIES = Path(__file__).resolve().parent / "histories"
# Store only new ones (UPDATE_HISTORIES=1 pytest -k <test>): an old history is the proof its patches replay.
STORED = sorted(HISTORIES.glob("*.json"))
ENCRYPTED_PREFIX = "encrypted-"


def _converter(path: Path) -> DataConverter:
    return TEST_CONVERTER if path.name.startswith(ENCRYPTED_PREFIX) else DataConverter.default


async def _replay_and_store(handle: WorkflowHandle, name: str) -> None:
    history = await handle.fetch_history()
    await Replayer(workflows=[W], data_converter=TEST_CONVERTER).replay_workflow(history)
    if os.environ.get("UPDATE_HISTORIES") == "1":
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{ENCRYPTED_PREFIX}{name}.json").write_text(history.to_json() + "\n", encoding="utf-8")


async def test_case_with_a_bounce_and_an_extension_replays(cases):
    handle = await received(cases, "2026-1123-900001")
    await handle.execute_update(W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001",
                                                          primary_unit_id="dept-ecology"))
    await handle.execute_update(W.request_bounce, BounceRequestInput(actor=ECOLOGY, reason="属后厨卫生",
                                                                     claimed_item_code="MK-002"))
    await handle.execute_update(W.rule_bounce, BounceRulingInput(actor=CENTRE, approve=True, reason="同意改派"))
    await handle.execute_update(W.accept, AcceptInput(actor=MARKET))
    await advance_to(cases, (await state(handle)).checkpoints[0].due)
    await until(handle, lambda s: s.checkpoints[0].colour is not None)
    await handle.execute_update(W.add_progress, ProgressInput(actor=MARKET, note="已现场检查"))
    await handle.execute_update(W.request_extension, ExtensionRequestInput(actor=MARKET, reason="等待检测",
                                                                           extra="3d"))
    await handle.execute_update(W.rule_extension, RulingInput(actor=SUPERVISOR, approve=True,
                                                                       reason="同意"))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=MARKET, summary="已责令整改"))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED, comment="满意"))
    await finished(cases, handle)

    assert actions(cases, handle.id) == [
        "received", "routed", "dispatched", "bounce_requested", "bounce_approved", "accepted", "checkpoint",
        "progress", "extension_requested", "extension_approved", "result_submitted", "review_approved", "rated",
        "closed", "published",
    ]
    await _replay_and_store(handle, "bounce_extension_closed")


async def test_case_overdue_reworked_reopened_and_closed_by_the_rating_timer_replays(cases):
    handle = await received(cases, "2026-1123-900002")
    await handle.execute_update(W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001",
                                                          primary_unit_id="dept-ecology"))
    s = await state(handle)
    await advance_to(cases, s.accept_deadline)
    await logged(cases, handle.id, lambda found: "acceptance_overdue" in found)
    await handle.execute_update(W.accept, AcceptInput(actor=ECOLOGY))
    await advance_to(cases, s.closure_deadline)
    await until(handle, lambda s: s.overdue)
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已约谈"))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=False, reason="未复测"))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=ECOLOGY, summary="复测达标"))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(W.rate, RateInput(actor=rater(handle), rating=Rating.DISSATISFIED, comment="仍有油烟"))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=ECOLOGY, summary="更换净化器"))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=True))
    await advance_to(cases, (await state(handle)).rating_deadline)
    final = await finished(cases, handle)

    assert (final.stage, final.rating_source, final.reopen_count, final.rework_count) == (
        Stage.CLOSED, "timeout", 1, 1)
    assert {"acceptance_overdue", "escalated", "review_returned", "reopened", "rating_timeout"} <= set(
        actions(cases, handle.id))
    await _replay_and_store(handle, "overdue_rework_reopen_timeout")


async def test_case_with_fair_clocks_waits_a_pause_and_a_calendar_revision_replays(cases):
    """Issue 17's paths: a bounce denied, a pause held and resumed, a late extension, a rework watched
    after the deadline, a calendar revision, reminders and overdue waitings."""
    handle = await received(cases, "2026-1130-900005")
    await handle.execute_update(W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001",
                                                          primary_unit_id="dept-ecology"))
    await handle.execute_update(W.request_bounce, BounceRequestInput(actor=ECOLOGY, reason="非本单位",
                                                                     claimed_item_code="MK-002"))
    await handle.execute_update(W.rule_bounce, BounceRulingInput(actor=CENTRE, approve=False, reason="属本单位"))
    await handle.execute_update(W.accept, AcceptInput(actor=ECOLOGY))
    await handle.execute_update(W.request_pause, PauseRequestInput(actor=ECOLOGY, reason="联系不上诉求人"))
    await handle.execute_update(W.rule_pause, RulingInput(actor=SUPERVISOR, approve=True, reason="属实"))
    await advance_to(cases, (await state(handle)).checkpoints[1].due)
    await handle.execute_update(W.resume, ResumeInput(actor=ECOLOGY, reason="已联系上"))
    await handle.signal(W.calendar_revised)
    await handle.execute_update(W.request_extension, ExtensionRequestInput(actor=ECOLOGY, reason="检测",
                                                                           extra="2wd"))
    await advance_to(cases, (await state(handle)).closure_deadline)  # the ruling is late
    await handle.execute_update(W.rule_extension, RulingInput(actor=SUPERVISOR, approve=True,
                                                                       reason="同意"))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已整改"))
    await advance_to(cases, (await state(handle)).closure_deadline)
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=False, reason="缺照片"))
    await advance_to(cases, (await state(handle)).waits[0].due)
    await logged(cases, handle.id, lambda found: "escalated" in found)
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=ECOLOGY, summary="补充照片"))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED))
    final = await finished(cases, handle)
    assert final.stage == Stage.CLOSED and final.extension_count == 1 and final.paused_seconds > 0
    assert {"bounce_denied", "pause_approved", "resumed", "extension_approved", "wait_overdue",
            "review_returned"} <= set(actions(cases, handle.id))
    await _replay_and_store(handle, "fair_clocks_waits_pause_recount")


async def test_case_handed_to_a_district_and_settled_by_consultation_replays(cases):
    handle = await received(cases, "2026-1123-900003")
    await handle.execute_update(W.dispatch, DispatchInput(actor=CENTRE, item_code="UR-001", primary_unit_id="d-east"))
    await handle.execute_update(W.dispatch, DispatchInput(actor=EAST_DISPATCH, item_code="UR-001",
                                                          primary_unit_id="d-east-urban"))
    await handle.execute_update(W.open_consultation, ConsultationInput(
        actor=SUPERVISOR, reason="占道经营涉及市场监管", unit_ids=["d-east-urban", "dept-market"]))
    await handle.execute_update(W.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="仍由城管牵头", primary_unit_id="d-east-urban", propose_catalog_change=True))
    await handle.execute_update(W.accept, AcceptInput(actor=EAST_URBAN))
    await cases.env.sleep(timedelta(hours=3))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=EAST_URBAN, summary="已劝离摊贩"))
    await handle.execute_update(W.review, ReviewInput(actor=EAST_DISPATCH, approve=True))
    await handle.execute_update(W.rate, RateInput(actor=rater(handle), rating=Rating.BASICALLY_SATISFIED))
    final = await finished(cases, handle)

    assert final.stage == Stage.CLOSED and final.dispatch_owner_id == "d-east"
    await _replay_and_store(handle, "district_consultation_closed")


async def test_ruling_that_keeps_the_lead_with_cooperating_units_replays(cases):
    handle = await received(cases, "2026-1123-900004")
    await handle.execute_update(W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001",
                                                          primary_unit_id="dept-ecology"))
    await handle.execute_update(W.accept, AcceptInput(actor=ECOLOGY))
    await handle.execute_update(W.open_consultation, ConsultationInput(
        actor=SUPERVISOR, reason="油烟与后厨卫生职责交叉", unit_ids=["dept-ecology", "dept-market"]))
    await handle.execute_update(W.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="生态环境局牵头，市场监管局配合", primary_unit_id="dept-ecology",
        cooperating_unit_ids=["dept-market"]))
    await handle.execute_update(W.add_progress, ProgressInput(actor=MARKET, note="已检查后厨"))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已加装净化器"))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED))
    final = await finished(cases, handle)

    assert final.stage == Stage.CLOSED and [u.id for u in final.cooperating] == ["dept-market"]
    await _replay_and_store(handle, "consultation_keeps_lead_with_cooperating")


async def _whole_loop(cases, ticket_id: str) -> tuple[WorkflowHandle, GrievanceState]:
    """The bench's loop: dispatched, accepted, resolved, approved, rated satisfied, closed."""
    handle = await received(cases, ticket_id)
    await handle.execute_update(W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001",
                                                          primary_unit_id="dept-market"))
    await handle.execute_update(W.accept, AcceptInput(actor=MARKET))
    await handle.execute_update(W.submit_result, SubmitResultInput(actor=MARKET, summary="已责令整改",
                                                                   outcome=Outcome.RESOLVED))
    await handle.execute_update(W.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED, resolved=True))
    final = await finished(cases, handle)
    return handle, final


async def test_case_routed_in_its_first_workflow_task_replays(cases):
    """Issue 19's path (patch local-routing): routing as a local activity, the whole loop to the close."""
    handle, final = await _whole_loop(cases, "2026-1130-900019")
    assert final.stage == Stage.CLOSED and final.proposal.candidates
    history = await handle.fetch_history()
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in [e.event_type for e in history.events[:8]]
    await _replay_and_store(handle, "local_routing_closed")


async def test_transitions_that_leave_the_search_attributes_as_they_were_upsert_nothing(cases):
    """Issue 19's patch search-attributes-on-change: each upsert event changes something, and the loop still
    leaves the closed case's attributes on the server."""
    handle, final = await _whole_loop(cases, "2026-1201-900019")
    history = await handle.fetch_history()
    upserts = [e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
               for e in history.events if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]
    # The SDK upserts TemporalChangeVersion with each patch it records: only the case's own attributes count here.
    upserted = [{key: value.data for key, value in fields.items()} for fields in upserts if "TicketStatus" in fields]
    audit_rows = await logged(cases, handle.id, lambda rows: "published" in rows)
    assert all(before != after for before, after in zip(upserted, upserted[1:], strict=False))
    assert 0 < len(upserted) < len(audit_rows)
    assert final.stage == Stage.CLOSED
    assert (await attributes(cases, handle))["TicketStatus"] == "closed"
    await _replay_and_store(handle, "search_attributes_on_change_closed")


def test_at_least_two_histories_are_stored():
    assert len(STORED) >= 2, f"run UPDATE_HISTORIES=1 pytest {Path(__file__).name} to store them"
    assert any(p.name.startswith(ENCRYPTED_PREFIX) for p in STORED), "no encrypted history is stored"


@pytest.mark.parametrize("path", STORED, ids=[p.stem for p in STORED])
async def test_stored_history_replays_on_the_current_workflow_code(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    result = await Replayer(workflows=[W], data_converter=_converter(path)).replay_workflow(history)
    assert result.replay_failure is None


@pytest.mark.parametrize("path", STORED, ids=[p.stem for p in STORED])
async def test_stored_final_state_decodes_on_the_current_messages(path: Path):
    """Old results carry fields removed since (GrievanceState.history): the dataclass converter ignores them."""
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    (done,) = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]
    payloads = done.workflow_execution_completed_event_attributes.result.payloads
    (final,) = await _converter(path).decode(payloads, [GrievanceState])
    assert isinstance(final, GrievanceState) and final.ticket_id
    if final.stage != Stage.MERGED:  # a merged duplicate ends before any clock
        assert final.stage == Stage.CLOSED and final.checkpoints
