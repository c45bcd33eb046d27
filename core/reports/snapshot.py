"""A month's snapshot of a scope besides the unit rows: received count, hot spots, map cells, failures.

Hot spots and map points count the tickets received in the month; failures (denied bounces) read the
audit log. A frozen run keeps this snapshot; only catalog data and masked public summaries reach public pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Numeric, cast, func, or_
from sqlmodel import Session, col, select

from core import evaluation as ev
from core.evaluation.corrections import counted, excluded_tickets
from core.messages import Channel, Stage
from core.models.catalog import Unit
from core.models.tickets import Ticket, TicketEvent
from core.vocabulary import AuditAction

HOT_SPOTS = 15  # rows per hot-spot list
MAP_CELLS = 400  # map cells kept, the busiest first
MAP_PLACES = 2  # lat/lng rounded to 0.01° (about 1 km)
TYPICAL_CASES = 10


@dataclass
class Failure:
    """One denied bounce: the unit refused a case on its remit (首接负责失职)."""

    unit_id: str
    unit_name: str
    ticket_id: str
    item_name: str


def snapshot(session: Session, period: ev.Period, scope: str, decided_before: datetime | None = None) -> dict:
    """What a frozen run keeps besides the unit rows: received count, hot spots, map cells, failures.

    Cases excluded (不合理诉求) before `decided_before` are left out, as from the unit figures."""
    received = (Ticket.received_at >= period.start, Ticket.received_at < period.end,
                *_tickets_in_scope(session, scope), col(Ticket.id).not_in(excluded_tickets(decided_before)))
    count = session.exec(select(func.count()).select_from(Ticket).where(*received)).one()
    categories = _busiest(session, func.coalesce(Ticket.category, ""), received)
    streets = _busiest(session, func.coalesce(Ticket.street_id, ""), received)
    names = _unit_names(session, [s for s, _ in streets if s])
    lat, lng = (func.round(cast(c, Numeric(12, 6)), MAP_PLACES) for c in (Ticket.lat, Ticket.lng))
    cells = session.exec(
        select(lat, lng, func.count()).where(*received, col(Ticket.lat).is_not(None), col(Ticket.lng).is_not(None))
        .group_by(lat, lng).order_by(func.count().desc(), lat, lng).limit(MAP_CELLS)
    ).all()
    return {
        "received": count,
        "hot_categories": [[c, n] for c, n in categories],
        "hot_streets": [[s, names.get(s, s), n] for s, n in streets],
        "map": [[float(a), float(b), n] for a, b, n in cells],
        "failures": [vars(f) for f in failures(session, period, scope, decided_before)],
    }


def _busiest(session: Session, key, received: tuple) -> list:
    """(key, tickets) of the HOT_SPOTS commonest values of `key` among the received tickets."""
    return session.exec(
        select(key, func.count()).where(*received).group_by(key).order_by(func.count().desc(), key).limit(HOT_SPOTS)
    ).all()


def _tickets_in_scope(session: Session, scope: str) -> tuple:
    if scope == ev.CITY:
        return ()
    streets = [u for u in ev.units_under(ev.unit_table(session), scope) if u != scope]
    return (or_(Ticket.district_id == scope, col(Ticket.street_id).in_(streets)),)


def failures(session: Session, period: ev.Period, scope: str, decided_before: datetime | None = None
             ) -> list[Failure]:
    """Every denied bounce in the month for a unit in scope, in time order, less the corrected ones."""
    stmt = (
        select(TicketEvent.unit_id, TicketEvent.ticket_id, Ticket.item_name)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action == AuditAction.BOUNCE_DENIED, TicketEvent.at >= period.start,
               TicketEvent.at < period.end, col(TicketEvent.unit_id).is_not(None),
               counted(TicketEvent, decided_before))
        .order_by(TicketEvent.at, TicketEvent.ticket_id)
    )
    if scope != ev.CITY:
        stmt = stmt.where(col(TicketEvent.unit_id).in_(sorted(ev.units_under(ev.unit_table(session), scope))))
    rows = session.exec(stmt).all()
    names = _unit_names(session, [u for u, _, _ in rows])
    return [Failure(u, names.get(u, u), t, item or "") for u, t, item in rows]


def _unit_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(session.exec(select(Unit.id, Unit.name_zh).where(col(Unit.id).in_(ids))).all())


def typical_cases(session: Session, period: ev.Period, scope: str = ev.CITY, limit: int = TYPICAL_CASES
                  ) -> list[Ticket]:
    """Published cases closed in the month: whistles first, then reopened ones, then the latest closed.

    Callers show only id, item, unit, dates, rating and the masked `public_summary`.
    """
    stmt = (
        select(Ticket)
        .where(Ticket.stage == Stage.CLOSED, Ticket.published == True,  # noqa: E712
               Ticket.closed_at >= period.start, Ticket.closed_at < period.end, *_tickets_in_scope(session, scope))
        .order_by((Ticket.channel == Channel.WHISTLE).desc(), col(Ticket.reopen_count).desc(),
                  col(Ticket.closed_at).desc(), Ticket.id)
        .limit(limit)
    )
    return list(session.exec(stmt).all())
