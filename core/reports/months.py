"""Which month a page opens on: the newest month with counted events or frozen figures, not the calendar's.

Pure reads: one query on ticket_events (the (action, at) index) plus the frozen runs.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import evaluation as ev
from core.config import Settings
from core.models.tickets import TicketEvent
from core.reports.frozen import latest_frozen_month


def latest_counted_month(session: Session, scope: str = ev.CITY, settings: Settings | None = None) -> str | None:
    """The local month of the newest event the figures count for a unit of the scope; None if there is none."""
    stmt = select(func.max(TicketEvent.at)).where(col(TicketEvent.action).in_(ev.COUNTED),
                                                  col(TicketEvent.unit_id).is_not(None))
    if scope != ev.CITY:
        stmt = stmt.where(col(TicketEvent.unit_id).in_(sorted(ev.units_under(ev.unit_table(session), scope))))
    newest = session.exec(stmt).one()
    return ev.month_key(newest, ev.tz_of(settings)) if newest else None


def latest_month_with_data(session: Session, scope: str = ev.CITY, settings: Settings | None = None
                           ) -> str | None:
    """The newer of the latest frozen month and the latest month with counted events (keys sort as text)."""
    months = [m for m in (latest_frozen_month(session, scope), latest_counted_month(session, scope, settings)) if m]
    return max(months) if months else None


def public_month(session: Session, scope: str = ev.CITY, settings: Settings | None = None
                 ) -> tuple[str | None, bool]:
    """(month, frozen) for the public pages: the newest frozen month; before any freeze, the latest month
    with counted events, shown live and marked provisional; (None, False) when there is no data at all."""
    frozen = latest_frozen_month(session, scope)
    if frozen:
        return frozen, True
    return latest_counted_month(session, scope, settings), False
