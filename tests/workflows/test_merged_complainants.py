"""Merged duplicates (issue 18): every complainant of a merged case follows the surviving case and rates it.

The merged ticket tells the case it joins; the unit is told; the case waits in its rating window until every
complainant has rated, and counts once, with the worst rating and the least confirmed answer.
"""

from __future__ import annotations

from core.messages import Rating, Stage
from core.payloads import RateInput, RejectInput
from tests.workflows.conftest import CENTRE, citizen
from tests.workflows.steps import (
    actions,
    eventually,
    finished,
    in_rating,
    received,
    recorded,
    refused,
    state,
)
from workflows.grievance import GrievanceWorkflow


async def _merged_into(cases, kept) -> str:
    duplicate = await received(cases)
    await duplicate.execute_update(GrievanceWorkflow.reject,
                                   RejectInput(actor=CENTRE, reason="同一饭店油烟", duplicate_of=kept.id))
    await eventually(lambda: state(kept), lambda s: duplicate.id in s.joined)
    return duplicate.id


async def test_each_complainant_rates_and_the_case_counts_once_with_the_worst_answer(cases):
    kept = await in_rating(cases)
    other = await _merged_into(cases, kept)
    (joined,) = await recorded(cases, kept.id, "complainant_joined")
    assert joined.details["tickets"] == [other] and joined.unit_id == "dept-ecology"  # the unit is told

    await kept.execute_update(GrievanceWorkflow.rate, RateInput(actor=citizen(kept.id), rating=Rating.SATISFIED,
                                                                resolved=True))
    assert (await state(kept)).stage == Stage.RATING  # the other complainant has not rated yet
    await refused(cases, kept, GrievanceWorkflow.rate,
                  RateInput(actor=citizen(kept.id), rating=Rating.SATISFIED, resolved=True), "WrongState")
    await refused(cases, kept, GrievanceWorkflow.rate,
                  RateInput(actor=citizen("T-stranger"), rating=Rating.SATISFIED), "Forbidden")
    await kept.execute_update(GrievanceWorkflow.rate, RateInput(
        actor=citizen(other), rating=Rating.BASICALLY_SATISFIED, resolved=False, comment="晚上还有油烟"))
    final = await finished(cases, kept)

    assert (final.stage, final.rating, final.resolved) == (Stage.CLOSED, Rating.BASICALLY_SATISFIED, False)
    assert actions(cases, kept.id).count("rated") == 2 and actions(cases, kept.id).count("closed") == 1
    (closed,) = await recorded(cases, kept.id, "closed")
    assert closed.details["rating"] == "basically_satisfied"


async def test_a_merged_complainants_dissatisfaction_reopens_the_case(cases):
    kept = await in_rating(cases)
    other = await _merged_into(cases, kept)
    await kept.execute_update(GrievanceWorkflow.rate, RateInput(
        actor=citizen(other), rating=Rating.DISSATISFIED, resolved=False, comment="没解决"))
    await kept.execute_update(GrievanceWorkflow.rate, RateInput(actor=citizen(kept.id), rating=Rating.SATISFIED,
                                                                resolved=True))
    s = await state(kept)
    assert (s.stage, s.reopen_count, s.answers) == (Stage.IN_PROGRESS, 1, [])


async def test_the_window_ends_with_the_answers_given(cases):
    kept = await in_rating(cases)
    await _merged_into(cases, kept)
    await kept.execute_update(GrievanceWorkflow.rate, RateInput(actor=citizen(kept.id), rating=Rating.SATISFIED,
                                                                resolved=True))
    s = await state(kept)
    await cases.env.sleep(s.rating_deadline - await cases.env.get_current_time())
    final = await finished(cases, kept)
    assert (final.rating, final.resolved, final.rating_source) == (Rating.SATISFIED, True, "citizen")
