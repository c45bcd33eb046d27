"""Live figures stored between page views (core.reports.stored) equal the figures counted afresh: after new
events, after a correction, for the board's window; slow counts are redone in the background, never in the page."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bench.readmodel_fill import fill
from core import evaluation as ev
from core import reports
from core.config import Settings
from core.evaluation.corrections import CorrectionKind, Decision
from core.models.corrections import FigureCorrection
from core.models.evaluation import StoredFigures
from core.models.tickets import TicketEvent

NOW = datetime.now(UTC)


def this_month() -> ev.Period:
    return ev.parse_period(ev.month_key(NOW, ev.tz_of(None)), ev.tz_of(None))


def counted(session: Session, period: ev.Period) -> list[dict]:
    return [asdict(f) for f in ev.compute_unit_figures(session, period.start, period.end)]


def stored_now(session: Session, period: ev.Period, settings: Settings | None = None) -> list[dict]:
    return [asdict(f) for f in reports.month_figures(session, period, ev.CITY, settings)]


def made_ago(session: Session, key: str, age: timedelta) -> None:
    row = session.get(StoredFigures, key)
    row.computed_at = datetime.now(UTC) - age
    session.add(row)
    session.commit()


def test_stored_month_figures_follow_new_events(engine, session):
    fill(engine, 200, seed=1)
    period = this_month()
    assert stored_now(session, period) == counted(session, period)
    assert session.get(StoredFigures, f"figures:{period.key}:city") is not None
    fill(engine, 150, seed=2, prefix="BG")  # a quick count is redone in the request: exact at once
    assert stored_now(session, period) == counted(session, period)


def test_a_decided_exclusion_changes_the_stored_figures(engine, session):
    fill(engine, 200, seed=3)
    period = this_month()
    before = stored_now(session, period)
    dispatched = session.exec(select(TicketEvent.ticket_id).where(
        TicketEvent.action == "dispatched", TicketEvent.at >= period.start, TicketEvent.at < period.end)).first()
    session.add(FigureCorrection(kind=CorrectionKind.EXCLUSION, ticket_id=dispatched, reason_code="untrue",
                                 text="test", proposed_by="a", proposed_by_name="a", proposed_at=NOW,
                                 decision=Decision.APPROVED, decided_by="b", decided_by_name="b", decided_at=NOW))
    session.commit()
    after = stored_now(session, period)
    assert after == counted(session, period)
    assert after != before


def test_a_big_log_is_shown_while_recent_and_recounted_in_the_background(engine, session):
    fill(engine, 200, seed=4)
    period, key = this_month(), f"figures:{this_month().key}:city"
    settings = Settings(live_figures_max_age=60, live_figures_count_below=0)  # counted as at 100,000 cases
    first = stored_now(session, period, settings)
    made_ago(session, key, timedelta(seconds=5))
    fill(engine, 100, seed=5, prefix="BH")
    assert stored_now(session, period, settings) == first  # younger than the bound: shown as stored
    made_ago(session, key, timedelta(seconds=61))
    assert stored_now(session, period, settings) == first  # older: still shown, recounted in the background
    for thread in threading.enumerate():
        if thread.name == f"figures-{key}":
            thread.join(timeout=30)
    session.expire_all()
    assert stored_now(session, period, settings) == counted(session, period)


def test_the_stored_board_ranks_like_the_board(engine, session):
    fill(engine, 300, seed=6)
    stored = reports.board_ranking(session, Settings())
    fresh = ev.board_ranking(session, Settings())
    assert [(r.figures.unit_id, r.rank, r.score, r.figures.sample) for r in stored] == \
        [(r.figures.unit_id, r.rank, r.score, r.figures.sample) for r in fresh]
    assert session.get(StoredFigures, "board:city") is not None
