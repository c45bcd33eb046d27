"""The handler inbox's and the supervisor board's dense tables: tabs, filters, the clocks and why each case is listed.

A tab is one page of one query on the work lists' statements (services.tickets) plus a count per tab, the filter's
unit choices and the page's latest answers (one query each); clocks and reasons come from the loaded rows.
Reasons are codes: the templates say them in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.messages import Role, Stage
from core.models.tickets import Ticket, TicketEvent
from core.vocabulary import RULED_REQUESTS, AuditAction
from services.accounts import CurrentUser
from services.tickets import OPEN, PAGE_SIZE, Page, inbox_working_stmt, paginate, supervision_stmt

INBOX_TABS = ("new", "working")
BOARD_TABS = ("board", "requests")
COLOUR_FILTERS = ("green", "yellow", "red", "overdue")
MAX_UNIT_CHOICES = 100
UNIT_CHOICES_TTL = 60.0  # seconds
COUNT_CAP = 5000  # a tab's count shows "5000+" beyond
YELLOW_SHARE = 0.25  # a clock turns yellow in the last quarter of its span
YELLOW_WITHOUT_START = timedelta(days=1)  # ... or its last day when its start is unknown
# Answers a unit should read before its next step: listed until the unit acts again.
ANSWERS = (AuditAction.EXTENSION_APPROVED, AuditAction.EXTENSION_DENIED, AuditAction.BOUNCE_DENIED,
           AuditAction.CONSULTATION_RULED, AuditAction.REVIEW_RETURNED, AuditAction.PAUSE_APPROVED,
           AuditAction.PAUSE_DENIED, AuditAction.REASSIGNED, AuditAction.ESCALATED, AuditAction.REOPENED)
UNIT_STEPS = (AuditAction.ACCEPTED, AuditAction.PROGRESS, AuditAction.RESULT_SUBMITTED)


@dataclass(frozen=True)
class WorkFilter:
    """The console's query string, checked: an unknown tab or colour is ignored, not an error."""

    tab: str = ""
    unit: str = ""
    colour: str = ""
    page: int = 1

    @classmethod
    def parse(cls, tabs: tuple[str, ...], tab: str = "", unit: str = "", colour: str = "", page: int = 1
              ) -> WorkFilter:
        return cls(tab if tab in tabs else "", unit.strip()[:64], colour if colour in COLOUR_FILTERS else "",
                   max(1, page))

    def query(self, **changes: Any) -> str:
        """The query string of this view with `changes` (a new tab or filter starts again on page 1)."""
        moved = replace(self, **changes)
        pairs = (("page", str(moved.page) if moved.page > 1 else ""), ("tab", moved.tab), ("unit", moved.unit),
                 ("colour", moved.colour))
        return "?" + urlencode([(k, v) for k, v in pairs if v])

    @property
    def active(self) -> bool:
        return bool(self.unit or self.colour)


_unit_cache: dict[tuple, tuple[float, list[str]]] = {}


@dataclass
class Clock:
    kind: str  # accept | closure | checkpoint | wait
    due: datetime
    colour: str  # green | yellow | red


@dataclass
class Reason:
    kind: str  # see the templates' `why` macro
    tone: str = ""  # green | yellow | red, or "" for information
    wait: str = ""
    due: datetime | None = None
    index: int = 0
    note: str = ""


@dataclass
class WorkRow:
    ticket: Ticket
    clocks: list[Clock]
    reasons: list[Reason]


@dataclass
class WorkList:
    tab: str
    rows: list[WorkRow]
    page: Page
    counts: dict[str, int]
    units: list[str]  # the responsible units the filter may choose
    filters: WorkFilter

    def shown(self, tab: str) -> str:
        """A tab's count as the page says it: "5000+" past the cap."""
        return f"{COUNT_CAP}+" if self.counts[tab] > COUNT_CAP else str(self.counts[tab])


def _filtered(stmt, filters: WorkFilter):
    if filters.unit:
        stmt = stmt.where(Ticket.primary_unit_id == filters.unit)
    if filters.colour == "overdue":
        stmt = stmt.where(Ticket.overdue == True)  # noqa: E712
    elif filters.colour:
        stmt = stmt.where(Ticket.colour == filters.colour)
    return stmt


def _count(session: Session, stmt) -> int:
    """The matches, up to COUNT_CAP + 1: the count of a city's board of tens of thousands stops early."""
    capped = stmt.order_by(None).with_only_columns(Ticket.id).limit(COUNT_CAP + 1).subquery()
    return session.exec(select(func.count()).select_from(capped)).one()


def _page_and_total(session: Session, stmt, number: int) -> tuple[Page, int]:
    """A page and the count of all matches in one scan: for a list whose order no index gives (the cases in
    hand: JSON lists searched), which a separate count would scan a second time."""
    number = max(1, number)
    paged = stmt.with_only_columns(Ticket.id, func.count().over()).offset((number - 1) * PAGE_SIZE)
    found = session.connection().execute(paged.limit(PAGE_SIZE + 1)).all()  # rows, not sqlmodel's scalars
    if not found:
        return Page([], number, False), _count(session, stmt)
    ids = [ticket_id for ticket_id, _total in found[:PAGE_SIZE]]
    loaded = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))}
    return Page([loaded[i] for i in ids if i in loaded], number, len(found) > PAGE_SIZE), found[0][1]


def _unit_choices(session: Session, key: tuple, stmt) -> list[str]:
    """The responsible units of a list, for its filter; kept a minute (they hardly change, and finding them
    scans the list)."""
    now = monotonic()
    cached = _unit_cache.get(key)
    if cached and now - cached[0] < UNIT_CHOICES_TTL:
        return cached[1]
    units = stmt.with_only_columns(Ticket.primary_unit_id).where(col(Ticket.primary_unit_id).is_not(None))
    found = sorted(u for u in session.exec(units.order_by(None).distinct().limit(MAX_UNIT_CHOICES)).all() if u)
    if len(_unit_cache) > 1000:
        _unit_cache.clear()
    _unit_cache[key] = (now, found)
    return found


def _work_list(session: Session, tabs: dict[str, Any], filters: WorkFilter, default: str, reasons, now: datetime,
               *, scope: tuple, windowed: tuple[str, ...] = ()) -> WorkList:
    """The chosen tab's page (a tab with cases waiting opens first) and every tab's count."""
    counts = {default: _count(session, _filtered(tabs[default], filters))}
    tab = filters.tab or (default if counts[default] else next(name for name in tabs if name != default))
    stmt = _filtered(tabs[tab], filters)
    if tab in windowed:
        page, counts[tab] = _page_and_total(session, stmt, filters.page)
    else:
        page = paginate(session, stmt, filters.page)
    counts.update({name: _count(session, _filtered(s, filters)) for name, s in tabs.items() if name not in counts})
    answers = latest_answers(session, [t.id for t in page.rows])
    rows = [WorkRow(t, clocks_of(t, now), reasons(t, answers.get(t.id), now)) for t in page.rows]
    key = (str(session.get_bind().url), *scope, tab, filters.colour)
    units = _unit_choices(session, key, _filtered(tabs[tab], replace(filters, unit="")))
    return WorkList(tab, rows, page, counts, units, replace(filters, tab=tab))


# ---- the handler inbox ----


def inbox_new_stmt(user: CurrentUser):
    """Dispatched to the unit, not yet accepted: the acceptance limit nearest first (ix_tickets_unit_stage_accept)."""
    return (select(Ticket).where(Ticket.stage == Stage.DISPATCHED.value, Ticket.primary_unit_id == user.unit_id)
            .order_by(Ticket.accept_deadline, Ticket.id))


def handler_inbox(session: Session, user: CurrentUser, filters: WorkFilter, now: datetime | None = None
                  ) -> WorkList:
    """New cases first when any wait; otherwise the cases in hand."""
    now = now or datetime.now(UTC)
    tabs = {"new": inbox_new_stmt(user), "working": inbox_working_stmt(user)}
    unit = user.unit_id or ""
    street = unit if user.role == Role.STREET else ""
    return _work_list(session, tabs, filters, "new", lambda t, answer, now: inbox_reasons(t, unit, street, answer, now),
                      now, scope=("inbox", user.role.value, unit), windowed=("working",))


def inbox_reasons(t: Ticket, unit: str, street: str, answer: TicketEvent | None, now: datetime) -> list[Reason]:
    """Why the case is in this unit's inbox, most pressing first."""
    reasons: list[Reason] = whistle_reasons(t, street)
    if reasons:
        return reasons
    if t.stage == Stage.DISPATCHED.value and t.primary_unit_id == unit:
        reasons.append(Reason("reopened" if t.reopen_count else "new_dispatch", "yellow"))
    if t.pending_request == "consultation" and unit in (t.consulted_unit_ids or []):
        reasons.append(Reason("consultation_asked", "yellow"))
    elif t.pending_request:
        reasons.append(Reason("pending", "", wait=t.pending_request))
    if t.wait_kind == "rework":
        reasons.append(Reason("rework", "red" if t.wait_overdue else "yellow", due=t.wait_due))
    if answer is not None:
        reasons.append(Reason("answer", "", note=answer.action, due=answer.at))
    if t.primary_unit_id != unit and unit in (t.cooperating_unit_ids or []):
        reasons.append(Reason("cooperating"))
    if t.stage == Stage.REVIEW.value:
        reasons.append(Reason("submitted"))
    reasons.extend(_lights(t))
    return reasons or [Reason("in_hand")]


def whistle_reasons(t: Ticket, street: str) -> list[Reason]:
    """A street's own whistle waiting for its review or rating, or for its dispatcher's when the street handled
    it (core.guards: nobody judges its own work)."""
    if not street or t.whistle_unit_id != street or t.stage not in (Stage.REVIEW.value, Stage.RATING.value):
        return []
    own = t.primary_unit_id == street or street in (t.cooperating_unit_ids or [])
    kind = {(Stage.REVIEW.value, False): "whistle_review", (Stage.REVIEW.value, True): "whistle_dispatcher_review",
            (Stage.RATING.value, False): "whistle_rate", (Stage.RATING.value, True): "whistle_dispatcher_rate"}
    return [Reason(kind[(t.stage, own)], "" if own else "yellow")]


# ---- the supervisor board ----


def requests_stmt(user: CurrentUser):
    """Requests for a ruling, the oldest first (ix_tickets_pending_stage_updated)."""
    stmt = select(Ticket).where(col(Ticket.stage).in_(OPEN), col(Ticket.pending_request).in_(RULED_REQUESTS))
    if not user.is_city_level:
        stmt = stmt.where(Ticket.district_id == user.district_id)
    return stmt.order_by(Ticket.updated_at, Ticket.id)


def supervisor_board(session: Session, user: CurrentUser, filters: WorkFilter, now: datetime | None = None
                     ) -> WorkList:
    """Requests to rule first when any wait (they hold a unit up); otherwise the stalled and overdue cases."""
    now = now or datetime.now(UTC)
    tabs = {"board": supervision_stmt(user, now), "requests": requests_stmt(user)}
    return _work_list(session, tabs, filters, "requests", lambda t, answer, now: board_reasons(t, now), now,
                      scope=("board", user.district_id or ""))


def board_reasons(t: Ticket, now: datetime) -> list[Reason]:
    """Why the case is on the board: the tests of services.tickets.supervision_stmt, one by one."""
    reasons: list[Reason] = []
    if t.overdue:
        reasons.append(Reason("overdue", "red", due=t.closure_deadline))
    if t.stage == Stage.DISPATCHED.value and t.accept_deadline and _aware(t.accept_deadline) < now:
        reasons.append(Reason("not_accepted", "red", due=t.accept_deadline))
    reasons.extend(r for r in _lights(t) if not (t.overdue and r.kind == "light"))  # red says no more than overdue
    if t.escalated:
        reasons.append(Reason("escalated", "red"))
    if t.wait_kind and t.wait_due:
        reasons.append(Reason("waiting", "red" if t.wait_overdue else _tone(_aware(t.wait_due), None, now),
                              wait=t.wait_kind, due=t.wait_due))
    elif t.pending_request in RULED_REQUESTS:
        reasons.append(Reason("pending", "yellow", wait=t.pending_request))
    soon = t.closure_deadline and now <= _aware(t.closure_deadline) < now + timedelta(days=1)
    if soon and not t.overdue:
        reasons.append(Reason("closure_soon", "yellow", due=t.closure_deadline))
    return reasons


def _lights(t: Ticket) -> list[Reason]:
    """The latest checkpoint that turned the case yellow or red, with what it found."""
    fired = [cp for cp in (t.state or {}).get("checkpoints") or [] if cp.get("colour") in ("yellow", "red")]
    if fired:
        cp = fired[-1]
        return [Reason("checkpoint", cp["colour"], index=cp.get("index") or 0, note=cp.get("note") or "")]
    if t.colour in ("yellow", "red"):
        return [Reason("light", t.colour)]
    return []


# ---- clocks ----


def clocks_of(t: Ticket, now: datetime) -> list[Clock]:
    """Each running clock with its colour: acceptance limit, closure deadline, next checkpoint, a waiting."""
    state = t.state or {}
    start = _aware(t.dispatched_at)
    clocks: list[Clock] = []
    handling = t.stage in (Stage.DISPATCHED.value, Stage.IN_PROGRESS.value)
    if t.stage == Stage.DISPATCHED.value and t.accept_deadline:
        assigned = _aware(_parse(state.get("assigned_at"))) or start
        clocks.append(_clock("accept", t.accept_deadline, assigned, now))
    if handling and t.closure_deadline:
        clocks.append(_clock("closure", t.closure_deadline, start, now))
    if handling and t.next_checkpoint_at:
        clocks.append(_clock("checkpoint", t.next_checkpoint_at, _previous_checkpoint(state, t, start), now))
    if t.wait_kind and t.wait_due:
        since = next((_parse(w.get("since")) for w in state.get("waits") or [] if w.get("kind") == t.wait_kind), None)
        clocks.append(_clock("wait", t.wait_due, _aware(since), now))
    return clocks


def _clock(kind: str, due: datetime, start: datetime | None, now: datetime) -> Clock:
    return Clock(kind, _aware(due), _tone(_aware(due), start, now))


def _tone(due: datetime, start: datetime | None, now: datetime) -> str:
    left = due - now
    if left < timedelta(0):
        return "red"
    warn = (due - start) * YELLOW_SHARE if start and start < due else YELLOW_WITHOUT_START
    return "yellow" if left <= warn else "green"


def _previous_checkpoint(state: dict, t: Ticket, start: datetime | None) -> datetime | None:
    """The span of the next checkpoint starts at the one before it (or at the dispatch)."""
    due = _aware(t.next_checkpoint_at)
    before = [d for d in (_aware(_parse(cp.get("due"))) for cp in state.get("checkpoints") or []) if d and d < due]
    return max(before) if before else start


def _parse(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# ---- the answers a unit has not acted on yet ----


def latest_answers(session: Session, ticket_ids: list[str]) -> dict[str, TicketEvent]:
    """Per ticket, the latest answer (an extension ruled, a review returned...) with no step of the unit after it:
    one query for the whole page."""
    if not ticket_ids:
        return {}
    watched = [a.value for a in (*ANSWERS, *UNIT_STEPS)]
    latest = (select(TicketEvent.ticket_id, func.max(TicketEvent.seq).label("seq"))
              .where(col(TicketEvent.ticket_id).in_(ticket_ids), col(TicketEvent.action).in_(watched))
              .group_by(TicketEvent.ticket_id).subquery())
    stmt = select(TicketEvent).join(latest, (TicketEvent.ticket_id == latest.c.ticket_id)
                                    & (TicketEvent.seq == latest.c.seq))
    answers = {a.value for a in ANSWERS}
    return {e.ticket_id: e for e in session.exec(stmt) if e.action in answers}
