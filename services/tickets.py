"""Ticket reads: who may see which tickets and the paginated work lists (one case and its timeline: services.cases).

Every list filters on indexed columns (stage, primary_unit_id, dispatch_owner_id, whistle_unit_id,
closure_deadline), loads one page of rows in one query, and never queries per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, false, func, literal, or_, true
from sqlmodel import Session, col, select

from core.config import Settings
from core.i18n import current_locale
from core.messages import Channel, Role, Stage
from core.models.catalog import CatalogItem, Unit
from core.models.tickets import Ticket
from core.vocabulary import (
    CLOCKED_STAGES,
    HANDLING_KINDS,
    RULED_REQUESTS,
    TERRITORIAL_KINDS,
    values,
)
from services.accounts import CurrentUser, denied

PAGE_SIZE = 50
OPEN = values(CLOCKED_STAGES)  # the work lists: cases whose clocks run
COLOUR_RANK = case((Ticket.colour == "red", 0), (Ticket.colour == "yellow", 1), else_=2)


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(session: Session, stmt, page: int) -> Page:
    page = max(1, page)
    rows = _fetch(session, stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    return Page(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def _fetch(session: Session, stmt) -> list[Any]:
    """A page of cases by id first, then those rows: a list sorted on other columns than its index's sorts ids
    and keys, not every matching case whole (its description, its state). Other rows as they come."""
    if [d["entity"] for d in stmt.column_descriptions] != [Ticket]:
        return list(session.exec(stmt).all())
    ids = list(session.exec(stmt.with_only_columns(Ticket.id)).all())
    found = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]


class Bounded(list):
    """The first PAGE_SIZE rows of a list that has no pages (the oldest requests first), and how many more wait:
    the page says so, and they move up as the shown ones are handled."""

    more: int = 0


def bounded(session: Session, stmt) -> Bounded:
    """At most two queries: the rows, and their count only when the first page is full."""
    rows = Bounded(_fetch(session, stmt.limit(PAGE_SIZE)))
    if len(rows) == PAGE_SIZE:
        rows.more = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one() - PAGE_SIZE
    return rows


def _listed(column, unit_id: str):
    """`unit_id` is one of a JSON list column's ids."""
    escaped = unit_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f'%"{escaped}"%', escape="\\")


def _works_on(unit_id: str):
    """Handles the case, or an open consultation (会商) names it: it must see the case to state its view."""
    return or_(Ticket.primary_unit_id == unit_id, _listed(Ticket.cooperating_unit_ids, unit_id),
               _listed(Ticket.consulted_unit_ids, unit_id))


def visible(user: CurrentUser, settings: Settings):
    """The WHERE clause of the tickets `user` may open."""
    unit = user.unit_id or ""
    if user.role in (Role.ADMIN, Role.OPERATOR):
        return true()
    if user.role == Role.SUPERVISOR:
        return true() if user.is_city_level else Ticket.district_id == user.district_id
    if user.role == Role.DISPATCHER:
        if unit == settings.centre_unit_id:
            return true()
        return or_(Ticket.dispatch_owner_id == unit, Ticket.district_id == (user.district_id or unit))
    if user.role == Role.HANDLER:
        return _works_on(unit)
    if user.role == Role.STREET:
        return or_(Ticket.whistle_unit_id == unit, _works_on(unit))
    if user.role == Role.GRID:
        return Ticket.whistle_unit_id == (user.street_id or "")
    return false()


def can_view(user: CurrentUser, ticket: Ticket, settings: Settings) -> bool:
    """The same rule as `visible`, for one loaded row."""
    unit = user.unit_id or ""
    works_on = unit in (ticket.primary_unit_id, *ticket.cooperating_unit_ids, *(ticket.consulted_unit_ids or []))
    match user.role:
        case Role.ADMIN | Role.OPERATOR:
            return True
        case Role.SUPERVISOR:
            return user.is_city_level or ticket.district_id == user.district_id
        case Role.DISPATCHER:
            return (unit == settings.centre_unit_id or ticket.dispatch_owner_id == unit
                    or ticket.district_id == (user.district_id or unit))
        case Role.HANDLER:
            return works_on
        case Role.STREET:
            return ticket.whistle_unit_id == unit or works_on
        case Role.GRID:
            return ticket.whistle_unit_id is not None and ticket.whistle_unit_id == user.street_id
    return False


# ---- work lists ----


def dispatch_queue(session: Session, user: CurrentUser, page: int) -> Page:
    return paginate(session, dispatch_stmt(user), page)


def dispatch_stmt(user: CurrentUser):
    """Oldest first, read in order from ix_tickets_owner_stage_received."""
    return (select(Ticket).where(Ticket.dispatch_owner_id == user.unit_id, Ticket.stage == Stage.RECEIVED.value)
            .order_by(Ticket.received_at))


def bounce_requests(session: Session, user: CurrentUser) -> Bounded:
    return bounded(session, _bounces(user))


def _bounces(user: CurrentUser):
    return (select(Ticket).where(Ticket.pending_request == "bounce", Ticket.dispatch_owner_id == user.unit_id,
                                 col(Ticket.stage).in_(OPEN))
            .order_by(Ticket.updated_at, Ticket.id))  # ix_tickets_pending_owner


def _judges_own_work():
    """A street's whistle the same street handles (core.guards.judges_own_work): its dispatcher reviews and
    rates it."""
    listed = cast(Ticket.cooperating_unit_ids, String).like(literal('%"') + Ticket.whistle_unit_id + literal('"%'))
    return (Ticket.channel == Channel.WHISTLE.value) & col(Ticket.whistle_unit_id).is_not(None) & or_(
        Ticket.primary_unit_id == Ticket.whistle_unit_id, listed)


def review_queue(session: Session, user: CurrentUser, settings: Settings) -> Bounded:
    """Results to review, and whistles to rate that their own street handled."""
    return bounded(session, _reviews(user, settings))


def _reviews(user: CurrentUser, settings: Settings):
    others = or_(Ticket.channel != Channel.WHISTLE.value, col(Ticket.whistle_unit_id).is_(None))
    stmt = select(Ticket).where(or_((Ticket.stage == Stage.REVIEW.value) & or_(others, _judges_own_work()),
                                    (Ticket.stage == Stage.RATING.value) & _judges_own_work()))
    if user.unit_id != settings.centre_unit_id:
        stmt = stmt.where(Ticket.dispatch_owner_id == user.unit_id)
    return stmt.order_by(Ticket.submitted_at, Ticket.id)


def inbox_new(session: Session, user: CurrentUser) -> Bounded:
    stmt = (select(Ticket).where(Ticket.stage == Stage.DISPATCHED.value, Ticket.primary_unit_id == user.unit_id)
            .order_by(Ticket.accept_deadline))  # ix_tickets_unit_stage_accept
    return bounded(session, stmt)


def inbox_working(session: Session, user: CurrentUser, page: int) -> Page:
    return paginate(session, inbox_working_stmt(user), page)


def inbox_working_stmt(user: CurrentUser):
    """Accepted cases the unit works on, and for a street its whistles waiting for a review or a rating (its
    own, or its dispatcher's when the street handled them): without them its inbox said nothing waits."""
    unit = user.unit_id or ""
    new = (Ticket.stage == Stage.DISPATCHED.value) & (Ticket.primary_unit_id == unit)
    listed = col(Ticket.stage).in_(OPEN[1:]) & _works_on(unit)
    if user.role == Role.STREET:
        judged = (Stage.REVIEW.value, Stage.RATING.value)
        listed = or_(listed, (Ticket.whistle_unit_id == unit) & col(Ticket.stage).in_(judged))
    return (select(Ticket).where(listed, ~new)
            .order_by(col(Ticket.closure_deadline).is_(None), Ticket.closure_deadline, Ticket.id))


def return_visit_queue(session: Session, page: int) -> Page:
    """The 12345 operators' task list: cases waiting for a call back (回访), the one due soonest first."""
    stmt = (select(Ticket).where(Ticket.stage == Stage.RETURN_VISIT.value)
            .order_by(col(Ticket.wait_due).is_(None), Ticket.wait_due, Ticket.id))
    return paginate(session, stmt, page)


def whistles(session: Session, street_id: str | None, page: int) -> Page:
    stmt = (select(Ticket).where(Ticket.whistle_unit_id == (street_id or ""))
            .order_by(col(Ticket.received_at).desc()))
    return paginate(session, stmt, page)


def supervision_board(session: Session, user: CurrentUser, page: int, now: datetime | None = None) -> Page:
    """Stalled and overdue cases, the most urgent first: overdue, red, yellow, then nearest deadline."""
    return paginate(session, supervision_stmt(user, now), page)


def supervision_stmt(user: CurrentUser, now: datetime | None = None):
    now = now or datetime.now(UTC)
    stalled = or_(
        Ticket.overdue == True,  # noqa: E712
        Ticket.escalated == True,  # noqa: E712
        Ticket.colour != "green",
        col(Ticket.pending_request).in_(RULED_REQUESTS),
        Ticket.closure_deadline < now + timedelta(days=1),
        Ticket.wait_overdue == True,  # noqa: E712
        Ticket.wait_due < now + timedelta(days=1),
        (Ticket.stage == Stage.DISPATCHED.value) & (Ticket.accept_deadline < now),
    )
    stmt = select(Ticket).where(col(Ticket.stage).in_(OPEN), stalled)
    if not user.is_city_level:
        stmt = stmt.where(Ticket.district_id == user.district_id)
    return stmt.order_by(col(Ticket.overdue).desc(), COLOUR_RANK, col(Ticket.closure_deadline).is_(None),
                         Ticket.closure_deadline, Ticket.received_at)


def supervision_requests(session: Session, user: CurrentUser) -> Bounded:
    stmt = select(Ticket).where(col(Ticket.stage).in_(OPEN),
                                col(Ticket.pending_request).in_(RULED_REQUESTS))
    if not user.is_city_level:
        stmt = stmt.where(Ticket.district_id == user.district_id)
    return bounded(session, stmt.order_by(Ticket.updated_at))


def published_cases(session: Session, page: int) -> Page:
    stmt = (select(Ticket).where(Ticket.stage == Stage.CLOSED.value, Ticket.published == True)  # noqa: E712
            .order_by(col(Ticket.closed_at).desc()))
    return paginate(session, stmt, page)


# ---- units ----


class UnitNames(dict):
    """unit id -> name in the page's language (one query per request); in English also the items' names."""

    items_en: dict[str, str] | None = None  # item code -> English name, read for English pages only

    def name(self, unit_id: str | None) -> str:
        if not unit_id:
            return ""
        zh, en = self.get(unit_id, (unit_id, unit_id))
        return zh if current_locale() == "zh_Hans" else (en or zh)

    def named(self, chinese: str) -> str:
        """A unit named in Chinese inside a sentence the workflow wrote, in the page's language."""
        if current_locale() == "zh_Hans":
            return chinese
        return next((en for zh, en in self.values() if zh == chinese and en), chinese)

    def item(self, code: str | None, stored: str | None = "") -> str:
        """A catalog item's name: the Chinese name the case stored, its English name on English pages."""
        english = (self.items_en or {}).get(code or "") if current_locale() != "zh_Hans" else None
        return english or stored or code or ""


def unit_names(session: Session) -> UnitNames:
    names = UnitNames({u.id: (u.name_zh, u.name_en) for u in session.exec(select(Unit))})
    if current_locale() != "zh_Hans":  # newest version last, so its name wins
        rows = session.exec(select(CatalogItem.code, CatalogItem.name_en).order_by(CatalogItem.version_from))
        names.items_en = {code: name_en for code, name_en in rows if name_en}
    return names


def streets(session: Session) -> list[Unit]:
    stmt = select(Unit).where(col(Unit.kind).in_(TERRITORIAL_KINDS), Unit.active == True)  # noqa: E712
    return list(session.exec(stmt.order_by(Unit.id)).all())


def handling_units(session: Session) -> list[Unit]:
    stmt = select(Unit).where(col(Unit.kind).in_(HANDLING_KINDS), Unit.active == True)  # noqa: E712
    return list(session.exec(stmt.order_by(Unit.kind, Unit.id)).all())


# ---- lists for the JSON API (the console's pages call the queue functions above) ----

QUEUE_ROLES = {
    "dispatch": (Role.DISPATCHER,), "bounces": (Role.DISPATCHER,), "review": (Role.DISPATCHER,),
    "inbox": (Role.HANDLER, Role.STREET), "supervision": (Role.SUPERVISOR, Role.ADMIN),
    "return_visits": (Role.OPERATOR,),
}


def work_queue(session: Session, settings: Settings, user: CurrentUser, name: str, page: int) -> Page:
    """A console's work list by name, for the account's role only (a logged 403 otherwise)."""
    if user.role not in QUEUE_ROLES.get(name, ()):
        raise denied(user, f"queue {name}", f"role {user.role.value} has no {name} queue")
    if name == "dispatch":
        return dispatch_queue(session, user, page)
    if name == "inbox":
        working = inbox_working(session, user, page)
        return Page((inbox_new(session, user) if page == 1 else []) + working.rows, working.number, working.has_next)
    if name == "supervision":
        return supervision_board(session, user, page)
    if name == "return_visits":
        return return_visit_queue(session, page)
    return paginate(session, _bounces(user) if name == "bounces" else _reviews(user, settings), page)


def visible_tickets(session: Session, settings: Settings, user: CurrentUser, *, stages: list[str] | None = None,
                    unit_id: str | None = None, overdue: bool | None = None, page: int = 1) -> Page:
    stmt = select(Ticket).where(visible(user, settings))
    if stages:
        stmt = stmt.where(col(Ticket.stage).in_(stages))
    if unit_id:
        stmt = stmt.where(Ticket.primary_unit_id == unit_id)
    if overdue is not None:
        stmt = stmt.where(Ticket.overdue == overdue)
    return paginate(session, stmt.order_by(col(Ticket.received_at).desc()), page)
