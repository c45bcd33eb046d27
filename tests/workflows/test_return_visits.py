"""回访 and honest ratings (issue 18): the complainant decides "resolved", silence is not satisfaction, and nobody
judges their own work.

A case whose rating is missing, dissatisfied or unconfirmed (and a share of the rest, by lot) waits for the 12345
centre's call back before it closes; the operator's record of the answer is the rating. A street's whistle the
same street handled is reviewed and rated by the dispatcher, with no street score.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from core.config import Settings
from core.evaluation import compute_unit_figures
from core.messages import Actor, Channel, Rating, Role, Stage
from core.payloads import (
    AcceptInput,
    DispatchInput,
    RateInput,
    RejectInput,
    ReturnVisitInput,
    ReviewInput,
    SubmitResultInput,
)
from tests.workflows.conftest import CENTRE, EAST_DISPATCH, ECOLOGY, STREET
from tests.workflows.steps import (
    MARGIN,
    actions,
    dispatched,
    events,
    finished,
    in_rating,
    rater,
    received,
    recorded,
    refused,
    state,
    ticket,
)
from tests.workflows.test_grievance_replay import _replay_and_store
from workflows.grievance import GrievanceWorkflow

OPERATOR = Actor(id="u-op", role=Role.OPERATOR, name="话务员", unit_id="centre")
WINDOW = "2d"


@pytest.fixture
def harness_settings() -> Settings:
    """Return visits within two days; none by lot unless a test asks (rating_default as the product: unrated)."""
    return Settings(extension_cutoff="", return_visit_window=WINDOW, return_visit_share=0.0)


async def test_a_rating_without_the_complainants_answer_waits_for_the_call_back(cases):
    handle = await in_rating(cases)
    await handle.execute_update(GrievanceWorkflow.rate, RateInput(actor=rater(handle), rating=Rating.SATISFIED))
    s = await state(handle)
    assert (s.stage, s.return_visit_reason) == (Stage.RETURN_VISIT, "unconfirmed")
    assert s.return_visit_deadline is not None
    row = ticket(cases, handle.id)
    assert (row.stage, row.return_visit_reason, row.wait_kind) == ("return_visit", "unconfirmed", "return_visit")

    await refused(cases, handle, GrievanceWorkflow.return_visit,
                  ReturnVisitInput(actor=EAST_DISPATCH, reached=True, resolved=True, rating=Rating.SATISFIED),
                  "Forbidden")  # only the hotline calls back
    await refused(cases, handle, GrievanceWorkflow.return_visit,
                  ReturnVisitInput(actor=OPERATOR, reached=True), "BadInput")  # both answers are needed
    await handle.execute_update(GrievanceWorkflow.return_visit, ReturnVisitInput(
        actor=OPERATOR, reached=True, resolved=False, rating=Rating.BASICALLY_SATISFIED, note="噪音小了但没根治"))
    final = await finished(cases, handle)

    assert (final.stage, final.rating, final.rating_source, final.resolved) == (
        Stage.CLOSED, Rating.BASICALLY_SATISFIED, "return_visit", False)
    assert actions(cases, handle.id)[-5:] == ["rated", "return_visit_due", "return_visited", "closed", "published"]
    closed = events(cases, handle.id)[-2]
    assert closed.details["confirmed"] == "not_solved" and closed.details["rating"] == "basically_satisfied"
    assert closed.stage_before == "return_visit"
    assert ticket(cases, handle.id).resolved is False


async def test_the_unit_saying_resolved_is_not_the_complainant_confirming_it(cases):
    """解决率 counts the complainant's answer: two cases the unit called resolved, one confirmed."""
    confirmed = await in_rating(cases)
    await confirmed.execute_update(GrievanceWorkflow.rate, RateInput(
        actor=rater(confirmed), rating=Rating.SATISFIED, resolved=True))
    assert (await finished(cases, confirmed)).stage == Stage.CLOSED  # answered: no call back
    unconfirmed = await in_rating(cases)
    await unconfirmed.execute_update(GrievanceWorkflow.rate,
                                     RateInput(actor=rater(unconfirmed), rating=Rating.SATISFIED))
    await unconfirmed.execute_update(GrievanceWorkflow.return_visit, ReturnVisitInput(actor=OPERATOR, reached=False))
    final = await finished(cases, unconfirmed)
    assert (final.rating, final.resolved) == (Rating.SATISFIED, None)  # unreachable: the rating stands

    closes = [e for t in (confirmed.id, unconfirmed.id) for e in events(cases, t) if e.action == "closed"]
    assert [c.details["confirmed"] for c in closes] == ["solved", "unconfirmed"]
    start, end = min(c.at for c in closes) - timedelta(days=1), max(c.at for c in closes) + timedelta(days=1)
    with Session(cases.engine) as session:
        (ecology,) = [f for f in compute_unit_figures(session, start, end) if f.unit_id == "dept-ecology"]
    assert (ecology.closed, ecology.resolved, ecology.rated, ecology.satisfied) == (2, 1, 2, 2)


async def test_silence_is_unrated_and_the_call_back_is_the_rating(cases):
    handle = await in_rating(cases)
    s = await state(handle)
    await cases.env.sleep(s.rating_deadline - await cases.env.get_current_time() + MARGIN)
    s = await state(handle)
    assert (s.stage, s.rating, s.return_visit_reason) == (Stage.RETURN_VISIT, None, "unrated")
    (timeout,) = await recorded(cases, handle.id, "rating_timeout")
    assert timeout.details["rating"] == ""  # the product's default: silence is not satisfaction

    await handle.execute_update(GrievanceWorkflow.return_visit, ReturnVisitInput(
        actor=OPERATOR, reached=True, resolved=True, rating=Rating.SATISFIED))
    final = await finished(cases, handle)
    assert (final.rating, final.rating_source, final.resolved) == (Rating.SATISFIED, "return_visit", True)


async def test_dissatisfied_on_the_call_back_reopens_like_a_dissatisfied_rating(cases):
    handle = await in_rating(cases)
    s = await state(handle)
    await cases.env.sleep(s.rating_deadline - await cases.env.get_current_time() + MARGIN)
    await handle.execute_update(GrievanceWorkflow.return_visit, ReturnVisitInput(
        actor=OPERATOR, reached=True, resolved=False, rating=Rating.DISSATISFIED, note="油烟依旧"))
    s = await state(handle)
    assert (s.stage, s.reopen_count, s.rating, s.resolved) == (Stage.IN_PROGRESS, 1, None, None)
    (reopened,) = await recorded(cases, handle.id, "reopened")
    assert (reopened.stage_before, reopened.reason) == ("return_visit", "油烟依旧")


async def test_a_call_back_not_made_in_time_closes_the_case_unconfirmed(cases):
    handle = await in_rating(cases)
    await handle.execute_update(GrievanceWorkflow.rate, RateInput(
        actor=rater(handle), rating=Rating.DISSATISFIED, comment="没解决", resolved=False))
    await handle.execute_update(GrievanceWorkflow.submit_result, SubmitResultInput(actor=ECOLOGY, summary="再次整改"))
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    await handle.execute_update(GrievanceWorkflow.rate, RateInput(
        actor=rater(handle), rating=Rating.DISSATISFIED, comment="还是没解决", resolved=False))
    s = await state(handle)
    assert (s.stage, s.return_visit_reason) == (Stage.RETURN_VISIT, "dissatisfied")  # the second one is called back

    await cases.env.sleep(s.return_visit_deadline - await cases.env.get_current_time() + MARGIN)
    final = await finished(cases, handle)
    assert (final.stage, final.rating, final.resolved) == (Stage.CLOSED, Rating.DISSATISFIED, False)
    (missed,) = await recorded(cases, handle.id, "return_visit_missed")
    assert missed.at == s.return_visit_deadline
    assert actions(cases, handle.id)[-3:] == ["return_visit_missed", "closed", "published"]


async def test_a_share_of_answered_cases_is_called_back_by_lot(cases):
    cases.settings.return_visit_share = 1.0  # every one, for the test (the product's default is 0.1)
    handle = await in_rating(cases)
    await handle.execute_update(GrievanceWorkflow.rate, RateInput(
        actor=rater(handle), rating=Rating.SATISFIED, resolved=True))
    assert (await state(handle)).return_visit_reason == "sampled"


async def test_a_street_does_not_judge_a_whistle_it_handled_itself(cases):
    """SG-002 to s-east-1: the street whistled it and handles it, so the district's dispatcher reviews and rates."""
    handle = await dispatched(cases, item_code="ST-001", unit="s-east-1", channel=Channel.WHISTLE,
                              whistle_unit_id="s-east-1", reporter=STREET)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=STREET))
    await handle.execute_update(GrievanceWorkflow.submit_result, SubmitResultInput(actor=STREET, summary="已调解"))
    await refused(cases, handle, GrievanceWorkflow.review, ReviewInput(actor=STREET, approve=True), "Forbidden")
    reviewer = CENTRE
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=reviewer, approve=True))

    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=STREET, rating=Rating.SATISFIED, score=100, resolved=True), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.rate,
                  RateInput(actor=reviewer, rating=Rating.SATISFIED, score=100, resolved=True), "BadInput")
    await handle.execute_update(GrievanceWorkflow.rate, RateInput(actor=reviewer, rating=Rating.SATISFIED,
                                                                  resolved=True))
    final = await finished(cases, handle)
    assert (final.rating_source, final.street_score, final.return_visit_reason) == ("dispatcher", None, "")
    (rated,) = await recorded(cases, handle.id, "rated")
    assert (rated.role, rated.details["score"]) == ("dispatcher", None)


async def test_a_merged_case_called_back_replays(cases):
    """Issue 18's patched paths, stored: a duplicate merged in (its workflow signals this one), both complainants
    rate, one without saying whether it is solved, and the unreachable return visit closes the case."""
    kept = await received(cases, "2026-1130-900018")
    duplicate = await received(cases, "2026-1130-900019")
    await duplicate.execute_update(GrievanceWorkflow.reject,
                                   RejectInput(actor=CENTRE, reason="同一饭店", duplicate_of=kept.id))
    await kept.execute_update(GrievanceWorkflow.dispatch, DispatchInput(actor=CENTRE, item_code="MK-001",
                                                                        primary_unit_id="dept-ecology"))
    await kept.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    await kept.execute_update(GrievanceWorkflow.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已整改"))
    await kept.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    await kept.execute_update(GrievanceWorkflow.rate, RateInput(actor=rater(duplicate), rating=Rating.SATISFIED,
                                                                resolved=True))
    await kept.execute_update(GrievanceWorkflow.rate, RateInput(actor=rater(kept), rating=Rating.SATISFIED))
    assert (await state(kept)).return_visit_reason == "unconfirmed"
    await kept.execute_update(GrievanceWorkflow.return_visit, ReturnVisitInput(actor=OPERATOR, reached=False))
    final = await finished(cases, kept)
    assert (final.stage, final.joined, final.resolved) == (Stage.CLOSED, [duplicate.id], None)
    await finished(cases, duplicate)
    await _replay_and_store(kept, "merged_case_called_back")
    await _replay_and_store(duplicate, "merged_duplicate")
