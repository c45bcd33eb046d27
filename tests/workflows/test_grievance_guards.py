"""Rejected actions change nothing: a wrong role, a wrong stage, a missing reason or bad input is refused
by the update's validator with a typed error, and the workflow state and the audit log stay as they were.
"""

from __future__ import annotations

from core.messages import Actor, Outcome, Rating, Role, Stage
from core.payloads import (
    AcceptInput,
    BounceRequestInput,
    DispatchInput,
    EscalateInput,
    ExtensionRequestInput,
    ProgressInput,
    RateInput,
    ReassignInput,
    RejectInput,
    ReviewInput,
    SubmitResultInput,
)
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, ECOLOGY, HOUSING, MARKET, STREET, SUPERVISOR
from tests.workflows.steps import accepted, dispatched, in_rating, rater, received, refused, state, submitted
from workflows.grievance import GrievanceWorkflow as W

CITIZEN = Actor(id="citizen:nobody", role=Role.CITIZEN)
SUBMIT = SubmitResultInput(actor=ECOLOGY, summary="已处理", outcome=Outcome.RESOLVED)
ASK_MORE_TIME = ExtensionRequestInput(actor=ECOLOGY, reason="需要时间", extra="3d")


async def _all_refused(cases, handle, refusals) -> None:
    before = await state(handle)
    for update, arg, kind in refusals:
        await refused(cases, handle, update, arg, kind)
    assert await state(handle) == before


async def test_a_received_case_refuses_everything_but_dispatch_and_reject(cases):
    handle = await received(cases)
    await _all_refused(cases, handle, [
        (W.accept, AcceptInput(actor=ECOLOGY), "WrongState"),
        (W.add_progress, ProgressInput(actor=ECOLOGY, note="进展"), "WrongState"),
        (W.request_bounce, BounceRequestInput(actor=ECOLOGY, reason="不归我们", claimed_item_code="MK-002"),
         "WrongState"),
        (W.request_extension, ASK_MORE_TIME, "WrongState"),
        (W.submit_result, SUBMIT, "WrongState"),
        (W.review, ReviewInput(actor=CENTRE, approve=True), "WrongState"),
        (W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED), "WrongState"),
        (W.dispatch, DispatchInput(actor=ECOLOGY, item_code="MK-001", primary_unit_id="dept-ecology"), "Forbidden"),
        (W.dispatch, DispatchInput(actor=CITIZEN, item_code="MK-001", primary_unit_id="dept-ecology"), "Forbidden"),
        (W.dispatch, DispatchInput(actor=SUPERVISOR, item_code="MK-001", primary_unit_id="dept-ecology"),
         "Forbidden"),
        (W.dispatch, DispatchInput(actor=EAST_DISPATCH, item_code="UR-001", primary_unit_id="d-east-urban"),
         "Forbidden"),
        (W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001", primary_unit_id=""), "BadInput"),
        (W.reject, RejectInput(actor=CENTRE, reason="\n"), "MissingReason"),
        (W.reject, RejectInput(actor=CENTRE, reason="无效" * 2001), "BadInput"),
        (W.escalate, EscalateInput(actor=CENTRE, reason="催办"), "Forbidden"),
        (W.reassign, ReassignInput(actor=SUPERVISOR, reason="改派", primary_unit_id="dept-market"), "BadInput"),
    ])
    assert (await state(handle)).stage == Stage.RECEIVED


async def test_a_dispatched_case_is_accepted_by_its_unit_before_anything_else(cases):
    handle = await dispatched(cases, cooperating=["dept-market"])
    await _all_refused(cases, handle, [
        (W.dispatch, DispatchInput(actor=CENTRE, item_code="MK-002", primary_unit_id="dept-market"), "WrongState"),
        (W.accept, AcceptInput(actor=MARKET), "Forbidden"),  # a cooperating unit does not accept for the primary
        (W.accept, AcceptInput(actor=HOUSING), "Forbidden"),
        (W.accept, AcceptInput(actor=CENTRE), "Forbidden"),
        (W.add_progress, ProgressInput(actor=ECOLOGY, note="已联系"), "WrongState"),  # accept first
        (W.submit_result, SUBMIT, "WrongState"),
        (W.request_extension, ASK_MORE_TIME, "WrongState"),
        (W.reject, RejectInput(actor=CENTRE, reason="无效"), "WrongState"),
    ])
    # A cooperating unit may already report what it did.
    await handle.execute_update(W.add_progress, ProgressInput(actor=MARKET, note="已检查后厨"))
    assert (await state(handle)).progress_count == 1


async def test_a_case_in_progress_refuses_strangers_repeats_and_empty_notes(cases):
    handle = await accepted(cases, cooperating=["dept-market"])
    await _all_refused(cases, handle, [
        (W.accept, AcceptInput(actor=ECOLOGY), "WrongState"),
        (W.add_progress, ProgressInput(actor=HOUSING, note="路过看了"), "Forbidden"),
        (W.add_progress, ProgressInput(actor=STREET, note="街道协助"), "Forbidden"),
        (W.add_progress, ProgressInput(actor=ECOLOGY, note=" "), "MissingReason"),
        (W.submit_result, SubmitResultInput(actor=MARKET, summary="已处理"), "Forbidden"),
        (W.submit_result, SubmitResultInput(actor=ECOLOGY, summary=""), "MissingReason"),
        (W.review, ReviewInput(actor=CENTRE, approve=True), "WrongState"),
        (W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED), "WrongState"),
        (W.request_extension, ExtensionRequestInput(actor=ECOLOGY, reason="需要时间", extra="0d"), "BadInput"),
        (W.request_bounce, BounceRequestInput(actor=ECOLOGY, reason="", claimed_item_code="MK-002"),
         "MissingReason"),
        (W.escalate, EscalateInput(actor=ECOLOGY, reason="催办"), "Forbidden"),
        (W.reassign, ReassignInput(actor=SUPERVISOR, reason="", primary_unit_id="dept-market"), "MissingReason"),
        (W.reassign, ReassignInput(actor=SUPERVISOR, reason="改派", primary_unit_id="dept-nowhere"), "BadInput"),
    ])


async def test_a_submitted_case_waits_for_review(cases):
    handle = await submitted(cases)
    await _all_refused(cases, handle, [
        (W.submit_result, SUBMIT, "WrongState"),
        (W.add_progress, ProgressInput(actor=ECOLOGY, note="补充"), "WrongState"),
        (W.request_extension, ASK_MORE_TIME, "WrongState"),
        (W.request_bounce, BounceRequestInput(actor=ECOLOGY, reason="不归我们", claimed_item_code="MK-002"),
         "WrongState"),
        (W.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED), "WrongState"),
        (W.review, ReviewInput(actor=CENTRE, approve=False, reason=""), "MissingReason"),
    ])


async def test_a_case_being_rated_only_takes_the_rating(cases):
    handle = await in_rating(cases)
    await _all_refused(cases, handle, [
        (W.review, ReviewInput(actor=CENTRE, approve=True), "WrongState"),
        (W.submit_result, SUBMIT, "WrongState"),
        (W.escalate, EscalateInput(actor=SUPERVISOR, reason="催办"), "WrongState"),
        (W.reassign, ReassignInput(actor=SUPERVISOR, reason="改派", primary_unit_id="dept-market"), "WrongState"),
        (W.rate, RateInput(actor=CITIZEN, rating=Rating.SATISFIED), "Forbidden"),
        (W.rate, RateInput(actor=STREET, rating=Rating.SATISFIED), "Forbidden"),
        (W.rate, RateInput(actor=rater(handle), rating=Rating.DISSATISFIED), "MissingReason"),
    ])
