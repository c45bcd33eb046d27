"""Counting the audit log: compute_unit_figures fills every unit's UnitFigures for [start, end).

Reads ticket_events (and units for names) only; never the tickets' latest snapshot, never typed-in
numbers. Every query is bounded by the period's `at` range. Pure reads: freezing is activities/evaluation.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.evaluation import corrections
from core.evaluation.figures import UnitFigures
from core.evaluation.units import unit_table, units_under
from core.messages import Outcome, Rating, Role, Stage
from core.models.tickets import TicketEvent
from core.vocabulary import AuditAction as A
from core.vocabulary import Detail

SATISFIED = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
# Events that hand a case to a unit other than by the first dispatch; the new unit is in these details.
MOVES = {A.BOUNCE_APPROVED: Detail.PRIMARY, A.REASSIGNED: Detail.PRIMARY, A.CONSULTATION_RULED: Detail.RULED_UNIT}
COUNTED = (A.DISPATCHED, A.ACCEPTED, A.ACCEPTANCE_OVERDUE, A.CLOSED, A.BOUNCE_REQUESTED, A.BOUNCE_DENIED,
           A.BOUNCE_APPROVED, A.ESCALATED, A.EXTENSION_REQUESTED, A.EXTENSION_APPROVED, A.EXTENSION_DENIED)
# The events that put a case in a unit's sample; a denied bounce too: the case was the unit's to handle.
JUDGED = (A.ACCEPTED, A.ACCEPTANCE_OVERDUE, A.CLOSED, A.BOUNCE_DENIED)
ACTION_FIELD = {A.BOUNCE_REQUESTED: "bounce_requests", A.BOUNCE_DENIED: "bounces_denied",
                A.BOUNCE_APPROVED: "bounces_approved", A.ESCALATED: "escalations",
                A.EXTENSION_REQUESTED: "extension_requests", A.EXTENSION_APPROVED: "extensions_approved",
                A.EXTENSION_DENIED: "extensions_denied", A.DISPATCHED: "dispatched"}
IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def compute_unit_figures(session: Session, period_start: datetime, period_end: datetime, *,
                         district_id: str | None = None, decided_before: datetime | None = None
                         ) -> list[UnitFigures]:
    """Every unit with a counted event in [period_start, period_end), sorted by unit id.

    Corrections (core.evaluation.corrections) decided before `decided_before` apply (None: all so far).

    `district_id` limits the units to that district and the units under it (its streets, communities and
    district departments); city departments appear only in the city scope.
    """
    units = unit_table(session)
    scope = units_under(units, district_id) if district_id else None
    figures: dict[str, UnitFigures] = {}

    def unit(unit_id: str) -> UnitFigures:
        if unit_id not in figures:
            name, kind = units.get(unit_id, (unit_id, "", None))[:2]
            figures[unit_id] = UnitFigures(unit_id=unit_id, unit_name=name, unit_kind=kind)
        return figures[unit_id]

    within = and_(_within(TicketEvent, period_start, period_end, scope),
                  corrections.counted(TicketEvent, decided_before))
    _count_actions(session, within, unit, decided_before)
    for unit_id, n in session.exec(
        select(TicketEvent.unit_id, func.count(distinct(TicketEvent.ticket_id)))
        .where(within, col(TicketEvent.action).in_(JUDGED)).group_by(TicketEvent.unit_id)
    ):
        unit(unit_id).sample = n
    for unit_id in _already_judged_late_accepts(session, within):
        unit(unit_id).response_failures -= 1
    for new_unit in _moves_in(session, period_start, period_end,
                              corrections.counted(TicketEvent, decided_before)):
        if scope is None or new_unit in scope:
            unit(new_unit).dispatched += 1
    for unit_id, ticket_id in session.exec(
        select(TicketEvent.unit_id, TicketEvent.ticket_id)
        .where(within, TicketEvent.action == A.BOUNCE_DENIED).order_by(TicketEvent.at, TicketEvent.ticket_id)
    ):
        unit(unit_id).first_receiver_cases.append(ticket_id)
    for unit_id, n, total in _street_scores(session, period_start, period_end, scope,
                                              decided_before):
        unit(unit_id).street_scores, unit(unit_id).street_score_total = n, int(total or 0)
    return [figures[k] for k in sorted(figures)]


def _within(event, start: datetime, end: datetime, scope: set[str] | None):
    """Events of `event` (the table or an alias) in [start, end) counted for a unit in scope."""
    clause = and_(event.at >= start, event.at < end, col(event.unit_id).is_not(None))
    if scope is not None:
        clause = and_(clause, col(event.unit_id).in_(sorted(scope)))
    return clause


def _flag(expr):
    return case((expr, 1), else_=0)


def _on_time():
    return TicketEvent.details[Detail.ON_TIME].as_boolean() == true()


def _confirmed_solved():
    """A close the complainant confirmed solved (their rating or the return visit). Closes from before
    confirmation was recorded carry no answer: for them the unit's outcome stands, so old months re-run alike."""
    legacy = case((TicketEvent.details[Detail.OUTCOME].as_string() == Outcome.RESOLVED, "solved"), else_="")
    return func.coalesce(TicketEvent.details[Detail.CONFIRMED].as_string(), legacy) == "solved"


def _count_actions(session: Session, within, unit, decided_before: datetime | None = None) -> None:
    """One grouped query: counts per unit and action, and the JSON-derived counts of accepts and closes."""
    rating = corrections.rating_counted(
        TicketEvent, func.coalesce(TicketEvent.details[Detail.RATING].as_string(), ""), decided_before)
    stmt = (
        select(TicketEvent.unit_id, TicketEvent.action, func.count(),
               func.sum(_flag(_on_time())),
               func.sum(_flag(_confirmed_solved())),
               func.sum(_flag(rating != "")),
               func.sum(_flag(rating.in_(SATISFIED))))
        .where(within, col(TicketEvent.action).in_(COUNTED))
        .group_by(TicketEvent.unit_id, TicketEvent.action)
    )
    for unit_id, action, n, on_time, resolved, rated, satisfied in session.exec(stmt):
        f = unit(unit_id)
        on_time, resolved, rated, satisfied = (int(v or 0) for v in (on_time, resolved, rated, satisfied))
        if action == A.ACCEPTED:
            f.accepted_on_time += on_time
            f.response_failures += n - on_time  # late accepts; those already judged overdue are taken back
        elif action == A.ACCEPTANCE_OVERDUE:
            f.response_failures += n
        elif action == A.CLOSED:
            f.closed, f.resolved, f.rated, f.satisfied, f.closed_on_time = n, resolved, rated, satisfied, on_time
        else:
            setattr(f, ACTION_FIELD[action], getattr(f, ACTION_FIELD[action]) + n)


def _already_judged_late_accepts(session: Session, within) -> list[str]:
    """Units of late accepts whose acceptance clock was already judged by an `acceptance_overdue`.

    Walks back from each late accept through its ticket's earlier events: the clock was already judged
    when an overdue of the same unit comes before any hand-over or earlier acceptance.
    """
    late = list(session.exec(
        select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.unit_id)
        .where(within, TicketEvent.action == A.ACCEPTED, _flag(_on_time()) == 0)
    ))
    if not late:
        return []
    earlier = _boundary_events(session, sorted({t for t, _, _ in late}))
    judged = []
    for ticket_id, seq, unit_id in late:
        for before, action, event_unit, details in sorted(earlier[ticket_id], key=lambda e: -e[0]):
            if before >= seq:
                continue
            if action == A.ACCEPTANCE_OVERDUE and event_unit == unit_id:
                judged.append(unit_id)
                break
            if action in (A.ACCEPTED, A.DISPATCHED) or _moved_to(action, event_unit, details):
                break
    return judged


def _boundary_events(session: Session, tickets: list[str]) -> dict[str, list[tuple[int, str, str | None, dict]]]:
    """Per ticket: (seq, action, unit, details) of every event that starts or judges an acceptance clock."""
    boundary = (A.ACCEPTANCE_OVERDUE, A.ACCEPTED, A.DISPATCHED, *MOVES)
    earlier: dict[str, list[tuple[int, str, str | None, dict]]] = defaultdict(list)
    for chunk in chunks(tickets):
        for ticket_id, seq, action, unit_id, details in session.exec(
            select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.action, TicketEvent.unit_id,
                   TicketEvent.details)
            .where(col(TicketEvent.ticket_id).in_(chunk), col(TicketEvent.action).in_(boundary))
        ):
            earlier[ticket_id].append((seq, action, unit_id, details or {}))
    return earlier


def _moved_to(action: str, unit_id: str | None, details: dict) -> str | None:
    """The unit a bounce approval, reassignment or consultation ruling handed the case to, if any."""
    key = MOVES.get(action)
    new_unit = (details or {}).get(key) if key else None
    return new_unit if new_unit and new_unit != unit_id else None


def _moves_in(session: Session, start: datetime, end: datetime, *counted) -> list[str]:
    """Units that received a case in [start, end) by a move that left it waiting for their acceptance."""
    stmt = (select(TicketEvent.action, TicketEvent.unit_id, TicketEvent.details)
            .where(TicketEvent.at >= start, TicketEvent.at < end, col(TicketEvent.action).in_(tuple(MOVES)),
                   TicketEvent.stage_after == Stage.DISPATCHED, *counted))
    return [u for action, unit_id, details in session.exec(stmt) if (u := _moved_to(action, unit_id, details))]


def _street_scores(session: Session, start: datetime, end: datetime, scope: set[str] | None,
                   decided_before: datetime | None = None):
    """Per unit: count and sum of the street scores on the ratings that closed whistles in the period."""
    closed, rating = aliased(TicketEvent), aliased(TicketEvent)
    last_rating = (
        select(func.max(TicketEvent.seq))
        .where(TicketEvent.ticket_id == closed.ticket_id, TicketEvent.seq < closed.seq,
               col(TicketEvent.action).in_((A.RATED, A.RATING_TIMEOUT)))
        .correlate(closed).scalar_subquery()
    )
    score = rating.details[Detail.SCORE].as_integer()
    stmt = (
        select(closed.unit_id, func.count(score), func.sum(score))
        .select_from(closed)
        .join(rating, and_(rating.ticket_id == closed.ticket_id, rating.seq == last_rating))
        # The rating's source is the rater's role: a street's rating carries its score.
        .where(_within(closed, start, end, scope), closed.action == A.CLOSED,
               corrections.counted(closed, decided_before), corrections.score_counted(closed, decided_before),
               rating.action == A.RATED, rating.details[Detail.SOURCE].as_string() == Role.STREET,
               score.is_not(None))
        .group_by(closed.unit_id)
    )
    return list(session.exec(stmt))


def chunks(values: Sequence[str], size: int = IN_CHUNK):
    """`values` in lists short enough for one IN (...) each."""
    for i in range(0, len(values), size):
        yield list(values[i:i + size])
