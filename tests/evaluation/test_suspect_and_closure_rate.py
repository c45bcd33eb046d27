"""Issue 18's supervision aids and the closure rate: suspect closures (closed fast then reopened, dissatisfied
twice) for the supervisor's area; 办结率 = closes ÷ cases received, defined beside the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core import evaluation as ev
from core.config import Settings
from core.messages import Role
from services.accounts import CurrentUser
from services.follow_up import DISSATISFIED_TWICE, FAST_THEN_REOPENED, suspect_closures
from tests.evaluation.month import AuditLog

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _supervisor(district: str | None) -> CurrentUser:
    return CurrentUser(id=1, username="s", display_name="", role=Role.SUPERVISOR, unit_id=district or "supervision",
                       district_id=district, street_id=None)


def test_fast_results_reopened_and_double_dissatisfaction_are_suspect(engine):
    with Session(engine) as session:
        log = AuditLog(session)
        start = NOW - timedelta(days=5)
        for ticket_id, hours_to_result in (("T-FAST", 2), ("T-SLOW", 40)):
            log.ticket(ticket_id, start, district_id="d-east")
            log.event(ticket_id, "accepted", start + timedelta(hours=1), unit_id="dept-ecology")
            log.event(ticket_id, "result_submitted", start + timedelta(hours=1 + hours_to_result),
                      unit_id="dept-ecology")
            log.event(ticket_id, "rated", details={"rating": "dissatisfied"}, unit_id="dept-ecology")
            log.event(ticket_id, "reopened", unit_id="dept-ecology")
        log.ticket("T-TWICE", start, district_id="d-west")
        log.event("T-TWICE", "rated", details={"rating": "dissatisfied"}, unit_id="dept-market")
        log.event("T-TWICE", "return_visited", details={"rating": "dissatisfied", "reached": True},
                  unit_id="dept-market")
        log.ticket("T-OLD", NOW - timedelta(days=200), district_id="d-east")
        log.event("T-OLD", "rated", details={"rating": "dissatisfied"})
        log.event("T-OLD", "rated", details={"rating": "dissatisfied"})
        session.commit()

        settings = Settings(suspect_fast_hours=24)
        city = suspect_closures(session, _supervisor(None), settings, now=NOW)
        east = suspect_closures(session, _supervisor("d-east"), settings, now=NOW)
    assert {s.ticket.id: s.reasons for s in city} == {"T-FAST": [FAST_THEN_REOPENED], "T-TWICE": [DISSATISFIED_TWICE]}
    assert [s.ticket.id for s in east] == ["T-FAST"]  # a district supervisor sees their district only


def test_closure_rate_is_closes_over_cases_received_and_is_defined():
    figures = ev.UnitFigures(unit_id="u", dispatched=200, closed=199)
    assert figures.closure_rate == ev.ratio(199, 200)
    assert ev.UnitFigures(unit_id="u").closure_rate is None  # nothing received: "—", not 0
    assert "closure_rate" in ev.DEFINITION_BY_KEY and "办结率" in ev.DEFINITION_BY_KEY["closure_rate"].name_zh
