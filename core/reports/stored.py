"""Live figures, stored: a month's unit figures and snapshot, and the public board's window, counted by
core.evaluation / snapshot.py as always, kept in `stored_figures` so a page reads them instead of recounting
the audit log per request (seconds at 100,000 cases).

Exact whenever the stamp (newest audit event, corrections, units) is unchanged; a month that ended over an hour
ago changes only with a correction. A small log (fewer events than `live_figures_count_below`: a town, a demo,
the tests) is recounted in the request whenever it changed. A bigger one is shown as stored, and a background
thread recounts it once it is `live_figures_max_age` seconds old and changed (the board's window: once it is that
old), so figures are at most that age plus one count behind and no page view waits for a count.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from core import evaluation as ev
from core.config import Settings, defaults
from core.models.catalog import Unit
from core.models.corrections import FigureCorrection
from core.models.evaluation import StoredFigures
from core.models.tickets import TicketEvent
from core.reports.snapshot import snapshot

CLOSED_AFTER = timedelta(hours=1)  # a month's last events are written within this after it ends
log = logging.getLogger(__name__)
_counting: set[str] = set()  # keys being recounted in this process's background
_counting_lock = threading.Lock()


def change_stamp(session: Session, *, events: bool = True) -> tuple[str, int]:
    """The state of what the figures are counted from (the newest audit event unless `events` is False, the
    corrections, the units), and the newest audit event's id (how big the log is)."""
    newest = session.exec(select(func.max(TicketEvent.id))).one() or 0
    count, last, decided = session.exec(
        select(func.count(), func.max(FigureCorrection.id), func.max(FigureCorrection.decided_at))).one()
    units = session.exec(select(func.count()).select_from(Unit)).one()
    return f"{newest if events else 'closed'}:{count}:{last}:{decided}:{units}", newest


def stored(session: Session, key: str, count: Callable[[Session, datetime], dict], settings: Settings | None, *,
           closed: bool = False, sliding: bool = False) -> dict:
    """`count(session, now)`'s body as stored under `key`, recounted as the module docstring says.

    closed: the period is over (only corrections change it). sliding: the window ends at the count's now, so
    stored figures age even when nothing is written."""
    settings = settings or defaults()
    stamp, newest = change_stamp(session, events=not closed)
    row = session.get(StoredFigures, key)
    now = datetime.now(UTC)
    if row is not None and newest >= settings.live_figures_count_below:
        age = (now - row.computed_at).total_seconds()
        if age >= settings.live_figures_max_age and (row.stamp != stamp or sliding):
            _count_later(session.get_bind(), key, count, stamp)
        return row.body
    if row is not None and row.stamp == stamp and not sliding:
        return row.body
    body, seconds = _timed(session, count, now)
    _save(session, key, stamp, now, seconds, body)
    return body


def _timed(session: Session, count: Callable[[Session, datetime], dict], now: datetime) -> tuple[dict, float]:
    began = time.perf_counter()
    body = count(session, now)
    return body, time.perf_counter() - began


def _save(session: Session, key: str, stamp: str, now: datetime, seconds: float, body: dict) -> None:
    """Best effort: another process may be saving the same key, or the write lock may be busy."""
    try:
        session.merge(StoredFigures(key=key, stamp=stamp, computed_at=now, seconds=seconds, body=body))
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        log.info("stored figures %s not saved: %s", key, exc)


def _count_later(engine, key: str, count: Callable[[Session, datetime], dict], stamp: str) -> None:
    """Recount in a background thread of this process, one per key at a time (never in the request)."""
    with _counting_lock:
        if key in _counting:
            return
        _counting.add(key)

    def run() -> None:
        try:
            with Session(engine) as session:
                now = datetime.now(UTC)
                body, seconds = _timed(session, count, now)
                _save(session, key, stamp, now, seconds, body)
        except Exception:  # a failed recount leaves the stored figures; the next page view tries again
            log.exception("recounting stored figures %s failed", key)
        finally:
            with _counting_lock:
                _counting.discard(key)

    threading.Thread(target=run, name=f"figures-{key}", daemon=True).start()


# ---- what the pages read ----


def _district(scope: str) -> str | None:
    return None if scope == ev.CITY else scope


def _closed(period: ev.Period) -> bool:
    return period.end <= datetime.now(UTC) - CLOSED_AFTER


def month_figures(session: Session, period: ev.Period, scope: str, settings: Settings | None
                  ) -> list[ev.UnitFigures]:
    """ev.compute_unit_figures for the month and scope, every correction decided so far applied."""
    def count(s: Session, _now: datetime) -> dict:
        found = ev.compute_unit_figures(s, period.start, period.end, district_id=_district(scope))
        return {"figures": [asdict(f) for f in found]}

    body = stored(session, f"figures:{period.key}:{scope}", count, settings, closed=_closed(period))
    return [ev.UnitFigures(**f) for f in body["figures"]]


def month_snapshot(session: Session, period: ev.Period, scope: str, settings: Settings | None) -> dict:
    """snapshot.snapshot for the month and scope (received, hot spots, map, failures)."""
    return stored(session, f"snapshot:{period.key}:{scope}", lambda s, _now: snapshot(s, period, scope), settings,
                  closed=_closed(period))


def board_ranking(session: Session, settings: Settings | None = None) -> list[ev.Ranked]:
    """ev.board_ranking (the last 30 days, city-wide), its figures stored: the window ends at the count's now."""
    def count(s: Session, now: datetime) -> dict:
        return {"figures": [asdict(f) for f in ev.board_figures(s, now)]}

    body = stored(session, "board:city", count, settings, sliding=True)
    figures = [ev.UnitFigures(**f) for f in body["figures"]]
    return ev.rank_units(figures, weights=ev.rate_weights(settings), minimum=ev.min_sample(settings))
