"""Read-model queries behind the pages: who may see which tickets, and the paginated work lists.

Every list filters on indexed columns (stage, primary_unit_id, dispatch_owner_id, whistle_unit_id,
closure_deadline), loads one page of rows in one query, and never queries per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, false, or_, true
from sqlmodel import Session, col, select

from api.auth import CurrentUser
from core.config import Settings
from core.i18n import current_locale
from core.messages import Channel, Role, Stage
from core.models.catalog import Unit
from core.models.tickets import Notice, Ticket

PAGE_SIZE = 50
OPEN = [s.value for s in (Stage.RECEIVED, Stage.DISPATCHED, Stage.IN_PROGRESS, Stage.REVIEW)]
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
    rows = list(session.exec(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all())
    return Page(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def _cooperates(unit_id: str):
    escaped = unit_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(Ticket.cooperating_unit_ids, String).like(f'%"{escaped}"%', escape="\\")


def _works_on(unit_id: str):
    return or_(Ticket.primary_unit_id == unit_id, _cooperates(unit_id))


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
    works_on = unit in (ticket.primary_unit_id, *ticket.cooperating_unit_ids)
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
    stmt = (select(Ticket).where(Ticket.stage == Stage.RECEIVED.value, Ticket.dispatch_owner_id == user.unit_id)
            .order_by(Ticket.received_at))
    return paginate(session, stmt, page)


def bounce_requests(session: Session, user: CurrentUser) -> list[Ticket]:
    stmt = (select(Ticket).where(col(Ticket.stage).in_(OPEN), Ticket.pending_request == "bounce",
                                 Ticket.dispatch_owner_id == user.unit_id)
            .order_by(Ticket.updated_at).limit(PAGE_SIZE))
    return list(session.exec(stmt).all())


def review_queue(session: Session, user: CurrentUser, settings: Settings) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.stage == Stage.REVIEW.value,
                                or_(Ticket.channel != Channel.WHISTLE.value, col(Ticket.whistle_unit_id).is_(None)))
    if user.unit_id != settings.centre_unit_id:
        stmt = stmt.where(Ticket.dispatch_owner_id == user.unit_id)
    return list(session.exec(stmt.order_by(Ticket.submitted_at).limit(PAGE_SIZE)).all())


def inbox_new(session: Session, user: CurrentUser) -> list[Ticket]:
    stmt = (select(Ticket).where(Ticket.stage == Stage.DISPATCHED.value, Ticket.primary_unit_id == user.unit_id)
            .order_by(Ticket.accept_deadline).limit(PAGE_SIZE))
    return list(session.exec(stmt).all())


def inbox_working(session: Session, user: CurrentUser, page: int) -> Page:
    unit = user.unit_id or ""
    new = (Ticket.stage == Stage.DISPATCHED.value) & (Ticket.primary_unit_id == unit)
    stmt = (select(Ticket).where(col(Ticket.stage).in_(OPEN[1:]), _works_on(unit), ~new)
            .order_by(col(Ticket.closure_deadline).is_(None), Ticket.closure_deadline))
    return paginate(session, stmt, page)


def whistles(session: Session, street_id: str | None, page: int) -> Page:
    stmt = (select(Ticket).where(Ticket.whistle_unit_id == (street_id or ""))
            .order_by(col(Ticket.received_at).desc()))
    return paginate(session, stmt, page)


def supervision_board(session: Session, user: CurrentUser, page: int, now: datetime | None = None) -> Page:
    """Stalled and overdue cases, the most urgent first: overdue, red, yellow, then nearest deadline."""
    now = now or datetime.now(UTC)
    stalled = or_(
        Ticket.overdue == True,  # noqa: E712
        Ticket.escalated == True,  # noqa: E712
        Ticket.colour != "green",
        col(Ticket.pending_request).in_(("bounce", "extension", "consultation")),
        Ticket.closure_deadline < now + timedelta(days=1),
        (Ticket.stage == Stage.DISPATCHED.value) & (Ticket.accept_deadline < now),
    )
    stmt = select(Ticket).where(col(Ticket.stage).in_(OPEN), stalled)
    if not user.is_city_level:
        stmt = stmt.where(Ticket.district_id == user.district_id)
    stmt = stmt.order_by(col(Ticket.overdue).desc(), COLOUR_RANK, col(Ticket.closure_deadline).is_(None),
                         Ticket.closure_deadline, Ticket.received_at)
    return paginate(session, stmt, page)


def supervision_requests(session: Session, user: CurrentUser) -> list[Ticket]:
    stmt = select(Ticket).where(col(Ticket.stage).in_(OPEN),
                                col(Ticket.pending_request).in_(("extension", "consultation", "bounce")))
    if not user.is_city_level:
        stmt = stmt.where(Ticket.district_id == user.district_id)
    return list(session.exec(stmt.order_by(Ticket.updated_at).limit(PAGE_SIZE)).all())


def published_cases(session: Session, page: int) -> Page:
    stmt = (select(Ticket).where(Ticket.stage == Stage.CLOSED.value, Ticket.published == True)  # noqa: E712
            .order_by(col(Ticket.closed_at).desc()))
    return paginate(session, stmt, page)


# ---- units ----


class UnitNames(dict):
    """unit id -> name in the page's language (one query per request)."""

    def name(self, unit_id: str | None) -> str:
        if not unit_id:
            return ""
        zh, en = self.get(unit_id, (unit_id, unit_id))
        return zh if current_locale() == "zh_Hans" else (en or zh)


def unit_names(session: Session) -> UnitNames:
    return UnitNames({u.id: (u.name_zh, u.name_en) for u in session.exec(select(Unit))})


def streets(session: Session) -> list[Unit]:
    stmt = select(Unit).where(col(Unit.kind).in_(("street", "township")), Unit.active == True)  # noqa: E712
    return list(session.exec(stmt.order_by(Unit.id)).all())


def handling_units(session: Session) -> list[Unit]:
    stmt = select(Unit).where(col(Unit.kind).in_(("department", "street", "township", "community", "district")),
                              Unit.active == True)  # noqa: E712
    return list(session.exec(stmt.order_by(Unit.kind, Unit.id)).all())


# ---- notices (written by the workflow's send_notice activity) ----

NOTICE_LIMIT = 20


def notice_scope(user: CurrentUser):
    """The notices addressed to the user's unit, or to their supervision queue."""
    if user.role in (Role.HANDLER, Role.STREET):
        return (Notice.audience == "unit") & (Notice.unit_id == (user.unit_id or ""))
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        if user.is_city_level:
            return Notice.audience == "supervisor"
        return (Notice.audience == "supervisor") & (Notice.unit_id == user.district_id)
    return false()


def notices_for(session: Session, user: CurrentUser) -> list[Notice]:
    stmt = (select(Notice).where(notice_scope(user), Notice.read == False)  # noqa: E712
            .order_by(col(Notice.created_at).desc()).limit(NOTICE_LIMIT))
    return list(session.exec(stmt).all())
