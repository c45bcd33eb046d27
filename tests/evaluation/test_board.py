"""The public board's ranking (board_ranking): the monthly ranking's figures over a rolling 30 days.

Moved from tests/web/test_public.py (web/ranking.py's unit_ranking is retired): closed cases in the window
count, older ones do not; on-time and satisfaction shares; the better unit ranks first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlmodel import Session

from core import evaluation as ev
from tests.evaluation.conftest import configured
from tests.evaluation.month import AuditLog, Close
from tests.utils.catalog import seed_small_catalog

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def closed_case(log: AuditLog, ticket_id: str, unit: str, at: datetime, close: Close) -> None:
    log.ticket(ticket_id, at)
    log.dispatch(ticket_id, unit)
    log.accept(ticket_id, unit)
    log.close(ticket_id, unit, close)


def board(session: Session) -> AuditLog:
    seed_small_catalog(session)
    log = AuditLog(session)
    closed_case(log, "E-1", "dept-ecology", NOW - timedelta(days=3), Close())
    closed_case(log, "E-2", "dept-ecology", NOW - timedelta(days=2), Close(rating="dissatisfied", on_time=False))
    closed_case(log, "M-1", "dept-market", NOW - timedelta(days=1), Close(rating="basically_satisfied"))
    closed_case(log, "OLD", "dept-housing", NOW - timedelta(days=40), Close())  # before the window
    return log


def test_the_board_ranks_the_last_30_days_with_the_monthly_rules(session):
    board(session)
    rows = ev.board_ranking(session, configured(evaluation_min_sample=1), now=NOW)
    assert [(r.group, r.rank, r.figures.unit_id, r.figures.closed, r.flags) for r in rows] == [
        ("department", 1, "dept-market", 1, []),
        ("department", 2, "dept-ecology", 2, []),
    ]
    market, ecology = rows
    assert (market.figures.on_time_rate, market.figures.satisfaction_rate, market.score) == (1, 1, 100)
    assert (ecology.figures.on_time_rate, ecology.figures.satisfaction_rate) == (Fraction(1, 2), Fraction(1, 2))
    assert ecology.score == Fraction(100, 3) * (1 + 1 + Fraction(1, 2))
    assert market.figures.unit_name == "市市场监管局"


def test_the_board_uses_the_settings_minimum_sample(session):
    board(session)
    rows = ev.board_ranking(session, now=NOW)  # no settings: Settings' defaults, minimum sample 5
    assert [(r.figures.unit_id, r.rank, r.flags) for r in rows] == [
        ("dept-ecology", None, [ev.BELOW_MIN_SAMPLE]),
        ("dept-market", None, [ev.BELOW_MIN_SAMPLE]),
    ]


def test_the_window_is_the_30_days_before_now(session):
    log = board(session)
    closed_case(log, "EDGE", "dept-housing", NOW - ev.BOARD_WINDOW, Close())  # the window's first instant
    units = {r.figures.unit_id for r in ev.board_ranking(session, now=NOW)}
    assert units == {"dept-ecology", "dept-market", "dept-housing"}
    later = {r.figures.unit_id for r in ev.board_ranking(session, now=NOW + timedelta(days=5))}
    assert later == {"dept-ecology", "dept-market"}  # EDGE's events have left the window
