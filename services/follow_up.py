"""The supervisors' list of suspect closures: a case closed fast and then reopened, or whose complainant was
dissatisfied twice, a sign of a result reported before the problem was solved. Reads the read model only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import Settings
from core.evaluation.counting import chunks
from core.i18n import N_
from core.messages import Rating
from core.models.tickets import Ticket, TicketEvent
from core.vocabulary import AuditAction as A
from core.vocabulary import Detail
from services.accounts import CurrentUser

SUSPECT_WINDOW = timedelta(days=90)  # the supervisors' list looks this far back
FAST_THEN_REOPENED = N_("closed fast, then reopened")
DISSATISFIED_TWICE = N_("dissatisfied twice")


@dataclass
class Suspect:
    ticket: Ticket
    reasons: list[str] = field(default_factory=list)  # N_ msgids
    last_at: datetime | None = None


def suspect_closures(session: Session, user: CurrentUser, settings: Settings, now: datetime | None = None
                     ) -> list[Suspect]:
    """The suspect cases of the supervisor's area in the last 90 days, the latest first."""
    since = (now or datetime.now(UTC)) - SUSPECT_WINDOW
    found: dict[str, tuple[list[str], datetime]] = {}

    def note(ticket_id: str, reason: str, at: datetime) -> None:
        reasons, last = found.get(ticket_id, ([], at))
        found[ticket_id] = (reasons + [reason], max(last, at))

    for ticket_id, at in _fast_then_reopened(session, since, timedelta(hours=settings.suspect_fast_hours)):
        note(ticket_id, FAST_THEN_REOPENED, at)
    for ticket_id, at in _dissatisfied_twice(session, since):
        note(ticket_id, DISSATISFIED_TWICE, at)
    rows = _tickets(session, sorted(found), user)
    suspects = [Suspect(rows[t], *found[t]) for t in found if t in rows]
    return sorted(suspects, key=lambda s: (s.last_at, s.ticket.id), reverse=True)


def _fast_then_reopened(session: Session, since: datetime, fast: timedelta) -> list[tuple[str, datetime]]:
    """Reopenings whose result came within `fast` of the acceptance before it."""
    reopened = list(session.exec(select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.at)
                                 .where(TicketEvent.action == A.REOPENED, TicketEvent.at >= since)))
    steps: dict[str, list[tuple[int, str, datetime]]] = defaultdict(list)
    for chunk in chunks(sorted({t for t, _, _ in reopened})):
        for ticket_id, seq, action, at in session.exec(
                select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.action, TicketEvent.at)
                .where(col(TicketEvent.ticket_id).in_(chunk),
                       col(TicketEvent.action).in_((A.ACCEPTED, A.RESULT_SUBMITTED)))):
            steps[ticket_id].append((seq, action, at))
    fast_ones = []
    for ticket_id, seq, at in reopened:
        before = sorted(s for s in steps[ticket_id] if s[0] < seq)
        submitted = next((s for s in reversed(before) if s[1] == A.RESULT_SUBMITTED), None)
        accepted = next((s for s in reversed(before) if s[1] == A.ACCEPTED and submitted and s[0] < submitted[0]),
                        None)
        if submitted and accepted and submitted[2] - accepted[2] <= fast:
            fast_ones.append((ticket_id, at))
    return fast_ones


def _dissatisfied_twice(session: Session, since: datetime) -> list[tuple[str, datetime]]:
    """Cases whose complainant said "dissatisfied" twice (ratings and return visits alike)."""
    rating = TicketEvent.details[Detail.RATING].as_string()
    stmt = (select(TicketEvent.ticket_id, func.max(TicketEvent.at))
            .where(col(TicketEvent.action).in_((A.RATED, A.RETURN_VISITED)), rating == Rating.DISSATISFIED.value,
                   TicketEvent.at >= since)
            .group_by(TicketEvent.ticket_id).having(func.count() >= 2))
    return [(t, at) for t, at in session.exec(stmt)]


def _tickets(session: Session, ticket_ids: list[str], user: CurrentUser) -> dict[str, Ticket]:
    rows: dict[str, Ticket] = {}
    for chunk in chunks(ticket_ids):
        stmt = select(Ticket).where(col(Ticket.id).in_(chunk))
        if not user.is_city_level:
            stmt = stmt.where(Ticket.district_id == user.district_id)
        rows.update({t.id: t for t in session.exec(stmt)})
    return rows
