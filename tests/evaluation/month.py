"""A generated month of audit events whose figures are known in advance (October 2026, Asia/Shanghai).

`AuditLog` writes tickets and ticket_events the way the workflow's record_event does (same actions,
same details); `october_2026` lays out the scenario below, and the tests assert its figures by hand.

Unit            cases in October (all handled by the unit unless said otherwise)
dept-ecology    c1-c6 on time, resolved, satisfied, closed on time; c7 basically satisfied, late close;
                c8 overdue then late accept, explained, rating window ran out (default "satisfied");
                c9 bounce denied + extension approved, reopened, finally dissatisfied, late close;
                c10 accepted late with no overdue written, escalated twice, still open;
                x1 moved in from dept-housing by an approved bounce, accepted on time
dept-market     m1-m6 overdue then late accept, resolved, late close, rating window ran out with default "";
                x2 overdue, then reassigned away to dept-civil
dept-housing    h1-h5 whistles of s-east-1 scored by the street (h3, h4 reopened once; h5 rated without a
                score); x1 dispatched, bounce requested and approved (moved to dept-ecology)
dept-civil      x2 moved in, accepted late with no overdue; x3 overdue then late accept; x4 on time
d-east-urban    u1-u5 perfect; d-west-urban w1-w5 perfect (a tie: same score, same sample)
s-east-1        s1-s6 perfect; s-west-1 t1-t5 perfect (same score, larger sample first)
c-east-1        k1-k2 perfect (below the minimum sample)
dept-traffic    e1 dispatched 2026-09-30 23:59:59 local (September), escalated in October;
                e2 dispatched 2026-10-31 23:30 local (15:30 UTC, October), accepted 2026-11-01 00:00 local
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.models.catalog import Unit
from core.models.tickets import Ticket, TicketEvent

SH = ZoneInfo("Asia/Shanghai")
EXTRA_UNITS = [("dept-civil", "市民政局", "department", "city"), ("dept-traffic", "市交通局", "department", "city")]


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH).astimezone(UTC)


@dataclass
class Close:
    outcome: str = "resolved"
    rating: str = "satisfied"  # the final rating; "" with timeout=True: the window ran out, default ""
    on_time: bool = True
    source: str = "citizen"  # citizen | street
    score: int | None = None  # the street's score on the final rating
    timeout: bool = False  # no rating in the window: rating_timeout with `rating` as the default
    reopened_score: int | None = None  # set with reopened=True: the street's score on the first rating
    reopened: bool = False  # first rated dissatisfied, reopened, then closed with `rating`


class AuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seq: dict[str, int] = defaultdict(int)
        self.clock: dict[str, datetime] = {}

    def ticket(self, ticket_id: str, at: datetime, *, channel: str = "hotline", category: str = "",
               street_id: str | None = None, district_id: str | None = None, lat: float | None = None,
               lng: float | None = None, whistle_unit_id: str | None = None, item_name: str = "") -> Ticket:
        row = Ticket(id=ticket_id, stage="received", channel=channel, description=f"张三 13812345678 {ticket_id}",
                     complainant_name="张三", complainant_phone="13812345678", received_at=at, updated_at=at,
                     category=category, street_id=street_id, district_id=district_id, lat=lat, lng=lng,
                     whistle_unit_id=whistle_unit_id, item_name=item_name or f"事项{category}")
        self.session.add(row)
        self.session.flush()
        self.clock[ticket_id] = at
        self.event(ticket_id, "received", at, role="operator", details={"channel": channel}, stage_after="received")
        self.event(ticket_id, "routed", details={"proposed": None, "confidence": None}, stage_after="received")
        return row

    def event(self, ticket_id: str, action: str, at: datetime | None = None, *, unit_id: str | None = None,
              details: dict | None = None, stage_after: str = "", role: str = "system") -> TicketEvent:
        """One audit row; without `at`, one minute after the ticket's previous event."""
        at = at or self.clock[ticket_id] + timedelta(minutes=1)
        self.clock[ticket_id] = at
        self.seq[ticket_id] += 1
        row = TicketEvent(ticket_id=ticket_id, seq=self.seq[ticket_id], at=at, actor_id=role, role=role,
                          unit_id=unit_id, action=action, details=details or {}, stage_after=stage_after)
        self.session.add(row)
        return row

    # ---- the steps of a case ----

    def dispatch(self, ticket_id: str, unit: str, at: datetime | None = None) -> None:
        self.event(ticket_id, "dispatched", at, unit_id=unit, role="dispatcher", stage_after="dispatched",
                   details={"item_code": "MK-001", "primary": unit, "cooperating": [], "proposed": None})

    def accept(self, ticket_id: str, unit: str, how: str = "on_time", at: datetime | None = None) -> None:
        """how: on_time | late (accepted after the limit, no overdue written) | overdue_late | overdue."""
        if how in ("overdue", "overdue_late"):
            self.event(ticket_id, "acceptance_overdue", unit_id=unit, stage_after="dispatched")
        if how != "overdue":
            self.event(ticket_id, "accepted", at, unit_id=unit, role="handler", stage_after="in_progress",
                       details={"on_time": how == "on_time"})

    def move(self, ticket_id: str, action: str, old_unit: str, new_unit: str) -> None:
        key = "ruled_unit" if action == "consultation_ruled" else "primary"
        self.event(ticket_id, action, unit_id=old_unit, role="supervisor", stage_after="dispatched",
                   details={key: new_unit, "item_code": "MK-002"})

    def close(self, ticket_id: str, unit: str, close: Close) -> None:
        if close.reopened:
            self._submit_and_rate(ticket_id, unit, close.outcome, "dissatisfied", close.source,
                                  close.reopened_score, timeout=False)
            self.event(ticket_id, "reopened", unit_id=unit, role=close.source, stage_after="in_progress")
        self._submit_and_rate(ticket_id, unit, close.outcome, close.rating, close.source, close.score,
                              timeout=close.timeout, on_time=close.on_time)
        at = self.clock[ticket_id] + timedelta(minutes=1)
        self.event(ticket_id, "closed", at, unit_id=unit, stage_after="closed",
                   details={"outcome": close.outcome, "rating": close.rating, "on_time": close.on_time,
                            "reopened": 1 if close.reopened else 0})
        ticket = self.session.get(Ticket, ticket_id)
        ticket.stage, ticket.closed_at, ticket.outcome, ticket.rating = "closed", at, close.outcome, close.rating
        ticket.reopen_count = 1 if close.reopened else 0
        ticket.primary_unit_id = unit
        self.session.add(ticket)

    def _submit_and_rate(self, ticket_id: str, unit: str, outcome: str, rating: str, source: str,
                         score: int | None, *, timeout: bool, on_time: bool = True) -> None:
        self.event(ticket_id, "result_submitted", unit_id=unit, role="handler", stage_after="review",
                   details={"outcome": outcome, "on_time": on_time})
        self.event(ticket_id, "review_approved", unit_id=unit, role="dispatcher", stage_after="rating")
        if timeout:
            self.event(ticket_id, "rating_timeout", unit_id=unit, details={"rating": rating, "source": "timeout"},
                       stage_after="rating")
        else:
            self.event(ticket_id, "rated", unit_id=unit, role=source, stage_after="rating",
                       details={"rating": rating, "source": source, "score": score})

    def case(self, ticket_id: str, unit: str, day: int, *, accept: str = "on_time", close: Close | None = None,
             month: int = 10, **ticket) -> None:
        self.ticket(ticket_id, local(2026, month, day), **ticket)
        self.dispatch(ticket_id, unit)
        self.accept(ticket_id, unit, accept)
        if close is not None:
            self.close(ticket_id, unit, close)
        row = self.session.get(Ticket, ticket_id)
        row.primary_unit_id = unit
        if close is None:
            row.stage = "in_progress" if accept != "overdue" else "dispatched"
        self.session.add(row)


def add_units(session: Session) -> None:
    for unit_id, name, kind, parent in EXTRA_UNITS:
        session.add(Unit(id=unit_id, name_zh=name, name_en=unit_id, kind=kind, parent_id=parent))
    session.flush()


def october_2026(session: Session) -> AuditLog:
    """The scenario of the module docstring; needs the small test catalog's units (tests.utils.catalog)."""
    add_units(session)
    log = AuditLog(session)
    east = {"street_id": "s-east-1", "district_id": "d-east"}
    west = {"street_id": "s-west-1", "district_id": "d-west"}

    # dept-ecology
    for i in range(1, 7):
        log.case(f"c{i}", "dept-ecology", i, close=Close(), category="ecology", **east,
                 lat=30.6612 if i <= 3 else 30.6701, lng=104.0633 if i <= 3 else 104.0812)
    log.case("c7", "dept-ecology", 7, close=Close(rating="basically_satisfied", on_time=False), category="ecology",
             **east)
    log.case("c8", "dept-ecology", 8, accept="overdue_late",
             close=Close(outcome="explained", rating="satisfied", timeout=True), category="ecology", **west)
    log.case("c9", "dept-ecology", 9, category="ecology", **west)
    log.event("c9", "bounce_requested", unit_id="dept-ecology", role="handler",
              details={"claimed_item_code": "MK-002"}, stage_after="in_progress")
    log.event("c9", "bounce_denied", unit_id="dept-ecology", role="dispatcher", stage_after="in_progress")
    log.event("c9", "extension_requested", unit_id="dept-ecology", role="handler", details={"extra": "3wd"},
              stage_after="in_progress")
    log.event("c9", "extension_approved", unit_id="dept-ecology", role="supervisor", stage_after="in_progress")
    log.close("c9", "dept-ecology", Close(rating="dissatisfied", on_time=False, reopened=True))
    log.case("c10", "dept-ecology", 10, accept="late", category="ecology")
    log.event("c10", "escalated", unit_id="dept-ecology", role="supervisor", stage_after="in_progress")
    log.event("c10", "escalated", unit_id="dept-ecology", stage_after="in_progress")

    # dept-market: everything late; x2 is reassigned away after its overdue
    for i in range(1, 7):
        log.case(f"m{i}", "dept-market", 10 + i, accept="overdue_late",
                 close=Close(rating="", on_time=False, timeout=True), category="market", **east)
    log.ticket("x2", local(2026, 10, 5), category="market", **west)
    log.dispatch("x2", "dept-market")
    log.accept("x2", "dept-market", "overdue")
    log.move("x2", "reassigned", "dept-market", "dept-civil")
    log.accept("x2", "dept-civil", "late")

    # dept-housing: whistles scored by the street, two reopened; x1 bounced to dept-ecology
    whistle = {"channel": "whistle", "whistle_unit_id": "s-east-1", "category": "housing", **east}
    log.case("h1", "dept-housing", 12, close=Close(source="street", score=90), **whistle)
    log.case("h2", "dept-housing", 13, close=Close(rating="basically_satisfied", source="street", score=80),
             **whistle)
    log.case("h3", "dept-housing", 14, close=Close(source="street", score=85, reopened=True, reopened_score=40),
             **whistle)
    log.case("h4", "dept-housing", 15, close=Close(rating="dissatisfied", on_time=False, source="street", score=50,
                                                   reopened=True, reopened_score=30), **whistle)
    log.case("h5", "dept-housing", 16, close=Close(source="street", score=None), **whistle)
    log.ticket("x1", local(2026, 10, 20), category="housing", **east)
    log.dispatch("x1", "dept-housing")
    log.event("x1", "bounce_requested", unit_id="dept-housing", role="handler",
              details={"claimed_item_code": "MK-001"}, stage_after="dispatched")
    log.move("x1", "bounce_approved", "dept-housing", "dept-ecology")
    log.accept("x1", "dept-ecology", "on_time")

    # dept-civil: x2 (above), x3 overdue then late, x4 on time
    log.case("x3", "dept-civil", 21, accept="overdue_late", category="social")
    log.case("x4", "dept-civil", 22, category="social")

    # ties and the minimum sample
    for i in range(1, 6):
        log.case(f"u{i}", "d-east-urban", 20 + i, close=Close(), category="urban", **east)
        log.case(f"w{i}", "d-west-urban", 20 + i, close=Close(), category="urban", **west)
        log.case(f"t{i}", "s-west-1", 20 + i, close=Close(), category="social", **west)
    for i in range(1, 7):
        log.case(f"s{i}", "s-east-1", 20 + i, close=Close(), category="social", **east)
    for i in range(1, 3):
        log.case(f"k{i}", "c-east-1", 27 + i, close=Close(), category="social", **east)

    # period boundaries: e1 in September, e2 dispatched in October and accepted in November
    log.ticket("e1", local(2026, 9, 30, 23, 50), category="traffic")
    log.dispatch("e1", "dept-traffic", local(2026, 9, 30, 23, 59, 59))
    log.event("e1", "escalated", local(2026, 10, 10), unit_id="dept-traffic", role="supervisor",
              stage_after="dispatched")
    log.ticket("e2", local(2026, 10, 31, 23, 0), category="traffic")
    log.dispatch("e2", "dept-traffic", datetime(2026, 10, 31, 15, 30, tzinfo=UTC))
    log.accept("e2", "dept-traffic", "on_time", local(2026, 11, 1, 0, 0))
    session.commit()
    return log


def publish(session: Session, ticket_id: str, summary: str) -> None:
    row = session.get(Ticket, ticket_id)
    row.published, row.public_summary = True, summary
    session.add(row)
    session.commit()
