"""评: the complainant's rating. Dissatisfied reopens the case once on a fresh clock; the second
dissatisfied rating closes it; silence past the rating window counts as the configured default.
"""

from __future__ import annotations

from datetime import timedelta

from core.messages import Actor, Rating, Role, Stage
from core.payloads import RateInput, ReviewInput, SubmitResultInput
from tests.workflows.conftest import CENTRE, ECOLOGY
from tests.workflows.steps import (
    actions,
    advance_to,
    events,
    finished,
    in_rating,
    rater,
    recorded,
    refused,
    state,
    ticket,
)
from workflows.grievance import GrievanceWorkflow


async def test_first_dissatisfied_rating_reopens_once_and_the_second_closes(cases):
    handle = await in_rating(cases)
    before = await state(handle)

    await handle.execute_update(GrievanceWorkflow.rate,
                                RateInput(actor=rater(handle), rating=Rating.DISSATISFIED, comment="油烟还是很大"))
    s = await state(handle)
    now = await cases.env.get_current_time()
    assert (s.stage, s.reopen_count, s.rating, s.rating_source) == (Stage.IN_PROGRESS, 1, None, "")
    assert (s.submitted_at, s.outcome, s.rating_deadline, s.overdue) == (None, None, None, False)
    assert all(c.colour is None for c in s.checkpoints)
    assert s.closure_deadline > now  # a fresh closure clock from the reopening
    assert [c.due - s.checkpoints[0].due for c in s.checkpoints] == [
        c.due - before.checkpoints[0].due for c in before.checkpoints]  # the same plan, from now
    assert actions(cases, handle.id)[-2:] == ["rated", "reopened"]
    (reopened,) = await recorded(cases, handle.id, "reopened")
    assert (reopened.reason, reopened.unit_id, reopened.stage_before, reopened.stage_after) == (
        "油烟还是很大", "dept-ecology", "rating", "in_progress")
    assert ticket(cases, handle.id).reopen_count == 1

    await handle.execute_update(GrievanceWorkflow.submit_result,
                                SubmitResultInput(actor=ECOLOGY, summary="更换大功率净化器"))
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(GrievanceWorkflow.rate,
                                RateInput(actor=rater(handle), rating=Rating.DISSATISFIED, comment="仍有异味"))
    final = await finished(cases, handle)

    assert (final.stage, final.rating, final.rating_source, final.reopen_count) == (
        Stage.CLOSED, Rating.DISSATISFIED, "citizen", 1)
    logged = actions(cases, handle.id)
    assert logged.count("reopened") == 1 and logged[-3:] == ["rated", "closed", "published"]
    closed = events(cases, handle.id)[-2]
    assert closed.action == "closed" and closed.details["rating"] == "dissatisfied"
    assert closed.details["reopened"] == 1
    row = ticket(cases, handle.id)
    assert (row.stage, row.rating, row.reopen_count) == ("closed", "dissatisfied", 1)


async def test_dissatisfied_without_saying_why_is_refused(cases):
    handle = await in_rating(cases)
    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=rater(handle), rating=Rating.DISSATISFIED, comment="  "), "MissingReason")


async def test_only_the_complainant_rates_an_ordinary_case(cases):
    handle = await in_rating(cases)
    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=Actor(id="citizen:someone-else", role=Role.CITIZEN), rating=Rating.SATISFIED),
                  "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rate, RateInput(actor=ECOLOGY, rating=Rating.SATISFIED),
                  "Forbidden")


async def test_no_rating_within_the_window_counts_as_the_default_and_closes(cases):
    handle = await in_rating(cases)
    s = await state(handle)
    assert s.clock.rating_window == "3d" and s.clock.rating_default == "satisfied"
    approved = events(cases, handle.id)[-1]
    assert approved.action == "review_approved"
    assert abs(s.rating_deadline - approved.at - timedelta(days=3)) < timedelta(seconds=5)

    await advance_to(cases, s.rating_deadline)
    final = await finished(cases, handle)

    assert (final.stage, final.rating, final.rating_source, final.published) == (
        Stage.CLOSED, Rating.SATISFIED, "timeout", True)
    assert actions(cases, handle.id)[-3:] == ["rating_timeout", "closed", "published"]
    (timeout,) = await recorded(cases, handle.id, "rating_timeout")
    assert timeout.details.pop("fired_at")
    assert (timeout.role, timeout.unit_id, timeout.details) == (
        "system", "dept-ecology", {"rating": "satisfied", "source": "timeout"})
    assert timeout.at == s.rating_deadline  # its due time, however late the timer fired
    row = ticket(cases, handle.id)
    assert (row.stage, row.rating, row.rating_source, row.published) == ("closed", "satisfied", "timeout", True)
