"""The live dashboard's counts: today's intake and closures, open work by stage, overdue cases.

Reads the tickets table (the read model's latest snapshot) on indexed columns only; not an evaluation
figure, so it never reads the audit log and is never frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import evaluation as ev
from core.config import Settings
from core.messages import Stage
from core.models.tickets import Ticket
from core.vocabulary import OPEN_STAGES, WORKING_STAGES, values


@dataclass
class LiveCounts:
    received_today: int
    waiting_dispatch: int
    dispatched: int  # waiting for the unit's acceptance
    in_progress: int  # accepted, under review or waiting for a rating
    overdue: int
    closed_today: int


def live_counts(session: Session, *, district_id: str | None = None, now: datetime | None = None,
                settings: Settings | None = None) -> LiveCounts:
    """Counts of the tickets table on indexed columns only (stage, received_at, closed_at, overdue)."""
    tz = ev.tz_of(settings)
    local = (now or datetime.now(tz)).astimezone(tz)
    today = datetime(local.year, local.month, local.day, tzinfo=tz)
    scope = (Ticket.district_id == district_id,) if district_id else ()
    open_stages = values(OPEN_STAGES)

    def count(*where) -> int:
        return session.exec(select(func.count()).select_from(Ticket).where(*where, *scope)).one()

    by_stage = dict(session.exec(
        select(Ticket.stage, func.count()).where(col(Ticket.stage).in_(open_stages), *scope).group_by(Ticket.stage)
    ).all())
    return LiveCounts(
        received_today=count(Ticket.received_at >= today),
        waiting_dispatch=by_stage.get(Stage.RECEIVED, 0),
        dispatched=by_stage.get(Stage.DISPATCHED, 0),
        in_progress=sum(by_stage.get(s, 0) for s in WORKING_STAGES),
        overdue=count(Ticket.overdue == True, col(Ticket.stage).in_(open_stages)),  # noqa: E712
        closed_today=count(Ticket.closed_at >= today, Ticket.stage == Stage.CLOSED),
    )
