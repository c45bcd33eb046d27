"""The public board's ranking of units over the last 30 days, from the read model.

One function, one grouped query, so the evaluation module can replace it later without touching pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from core.messages import Stage
from core.models.tickets import Ticket

WINDOW = timedelta(days=30)


@dataclass
class UnitRank:
    unit_id: str
    closed: int
    on_time_share: float | None
    satisfaction_share: float | None  # satisfied or basically satisfied, of the rated cases


def unit_ranking(session: Session, now: datetime | None = None, window: timedelta = WINDOW) -> list[UnitRank]:
    since = (now or datetime.now(UTC)) - window
    on_time = case((col(Ticket.submitted_at) <= col(Ticket.closure_deadline), 1), else_=0)
    rated = case((Ticket.rating != "", 1), else_=0)
    content = case((col(Ticket.rating).in_(("satisfied", "basically_satisfied")), 1), else_=0)
    stmt = (
        select(Ticket.primary_unit_id, func.count(), func.sum(on_time), func.sum(rated), func.sum(content))
        .where(Ticket.stage == Stage.CLOSED.value, Ticket.closed_at >= since,
               col(Ticket.primary_unit_id).is_not(None))
        .group_by(Ticket.primary_unit_id)
    )
    ranks = [
        UnitRank(unit, closed, (timely or 0) / closed if closed else None,
                 (happy or 0) / rated_n if rated_n else None)
        for unit, closed, timely, rated_n, happy in session.exec(stmt).all()
    ]
    ranks.sort(key=lambda r: (-(r.satisfaction_share or 0), -(r.on_time_share or 0), -r.closed, r.unit_id))
    return ranks
