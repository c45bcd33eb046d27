"""Review of a submitted result: approve to the rating stage, or return it for rework with a reason.

The dispatch centre reviews ordinary cases; a street's own whistle (吹哨) is reviewed and rated by
that street, which also scores the department (街道吹哨、部门报到).
"""

from __future__ import annotations

from core.messages import Channel, Rating, Stage
from core.payloads import AcceptInput, RateInput, ReviewInput, SubmitResultInput
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, ECOLOGY, STREET, WEST_STREET
from tests.workflows.steps import actions, dispatched, finished, rater, recorded, refused, state, submitted
from workflows.grievance import GrievanceWorkflow


async def test_reviewer_returns_a_result_for_rework_with_a_reason(cases):
    handle = await submitted(cases)
    await handle.execute_update(GrievanceWorkflow.review,
                                ReviewInput(actor=CENTRE, approve=False, reason="未附复测报告"))
    s = await state(handle)
    assert (s.stage, s.rework_count, s.rating_deadline) == (Stage.IN_PROGRESS, 1, None)
    assert actions(cases, handle.id)[-2:] == ["result_submitted", "review_returned"]
    (returned,) = await recorded(cases, handle.id, "review_returned")
    assert (returned.reason, returned.unit_id, returned.stage_before, returned.stage_after) == (
        "未附复测报告", "dept-ecology", "review", "in_progress")

    # The unit fixes it and submits again; this time it passes.
    await handle.execute_update(GrievanceWorkflow.submit_result,
                                SubmitResultInput(actor=ECOLOGY, summary="已补充复测报告"))
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    s = await state(handle)
    assert (s.stage, s.rework_count, s.result_summary) == (Stage.RATING, 1, "已补充复测报告")
    assert s.rating_deadline is not None


async def test_returning_for_rework_needs_a_reason_and_the_right_reviewer(cases):
    handle = await submitted(cases)
    await refused(cases, handle, GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=False), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.review,
                  ReviewInput(actor=ECOLOGY, approve=True), "Forbidden")  # no reviewing one's own work
    await refused(cases, handle, GrievanceWorkflow.review,
                  ReviewInput(actor=EAST_DISPATCH, approve=True), "Forbidden")  # another level's dispatcher
    await refused(cases, handle, GrievanceWorkflow.review, ReviewInput(actor=STREET, approve=True), "Forbidden")


async def test_whistle_case_is_reviewed_and_rated_by_the_street_that_whistled(cases):
    handle = await dispatched(cases, channel=Channel.WHISTLE, whistle_unit_id="s-east-1", reporter=STREET)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    await handle.execute_update(GrievanceWorkflow.submit_result,
                                SubmitResultInput(actor=ECOLOGY, summary="已责令饭店整改"))

    await refused(cases, handle, GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.review, ReviewInput(actor=WEST_STREET, approve=True), "Forbidden")
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=STREET, approve=True))
    assert (await state(handle)).stage == Stage.RATING

    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=rater(handle), rating=Rating.SATISFIED), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=WEST_STREET, rating=Rating.SATISFIED), "Forbidden")
    rating = RateInput(actor=STREET, rating=Rating.BASICALLY_SATISFIED, score=85, comment="响应及时")
    await handle.execute_update(GrievanceWorkflow.rate, rating)
    final = await finished(cases, handle)

    assert (final.stage, final.rating, final.rating_source, final.street_score) == (
        Stage.CLOSED, Rating.BASICALLY_SATISFIED, "street", 85)
    (approved,) = await recorded(cases, handle.id, "review_approved")
    assert (approved.actor_id, approved.role) == (STREET.id, "street")
    (rated,) = await recorded(cases, handle.id, "rated")
    assert rated.details == {"rating": "basically_satisfied", "source": "street", "score": 85, "resolved": None}
    assert rated.unit_id == "dept-ecology"  # the score counts for the department that handled it


async def test_street_score_must_be_between_0_and_100(cases):
    handle = await dispatched(cases, channel=Channel.WHISTLE, whistle_unit_id="s-east-1", reporter=STREET)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    await handle.execute_update(GrievanceWorkflow.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已整改"))
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=STREET, approve=True))
    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=STREET, rating=Rating.SATISFIED, score=101), "BadInput")
