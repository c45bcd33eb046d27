"""compute_deadlines: turns (start, duration) pairs into absolute times on the working-day calendar.

The calendar table is read here (reloaded when it is revised), never in workflow code; a year not
published falls back to weekends only and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import calendar_years
from core.clock_plans import handling_origin
from core.config import Settings
from core.durations import DurationError, parse_duration
from core.models.calendar import CalendarDay
from core.workcalendar import WorkCalendar


@dataclass
class DeadlineRequest:
    start: datetime
    duration: str  # e.g. "1wd", "7d"


@dataclass
class ComputeDeadlinesInput:
    requests: list[DeadlineRequest] = field(default_factory=list)


@dataclass
class ComputedDeadlines:
    times: list[datetime]
    calendar_fallback: bool = False


@dataclass
class PlanClocksInput:
    dispatched_at: datetime
    acceptance: str
    checkpoints: list[str]
    bounce_window: str = ""


@dataclass
class PlannedClocks:
    accept_deadline: datetime
    origin: datetime  # where the checkpoints count from (core.clock_plans.handling_origin)
    checkpoints: list[datetime]
    calendar_fallback: bool = False
    bounce_deadline: datetime | None = None


class DeadlineActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._calendar: WorkCalendar | None = None
        self._revision: tuple | None = None

    def calendar(self) -> WorkCalendar:
        """The calendar, reloaded as soon as an admin publishes a year or edits a day (one small query per
        call tells), so a deadline computed after an edit counts it."""
        with Session(self.engine) as session:
            revision = calendar_years.revision(session)
            if self._calendar is None or revision != self._revision:
                rows = session.exec(select(CalendarDay)).all()
                self._calendar = WorkCalendar({r.day: r.is_workday for r in rows},
                                              calendar_years.published_years(session), tz=self.settings.timezone)
                self._revision = revision
        return self._calendar

    @activity.defn
    def plan_clocks(self, input: PlanClocksInput) -> PlannedClocks:
        """A first dispatch's clocks in one call: the acceptance limit, then the checkpoints from the origin."""
        calendar = self.calendar()
        accept = _add(calendar, input.dispatched_at, input.acceptance)
        origin = handling_origin(input.dispatched_at, accept.at, input.acceptance)
        dues = [_add(calendar, origin, offset) for offset in input.checkpoints]
        bounce = _add(calendar, input.dispatched_at, input.bounce_window) if input.bounce_window else None
        return PlannedClocks(accept.at, origin, [d.at for d in dues], accept.fallback or any(d.fallback for d in dues),
                             bounce.at if bounce else None)

    @activity.defn
    def compute_deadlines(self, input: ComputeDeadlinesInput) -> ComputedDeadlines:
        calendar = self.calendar()
        times, fallback = [], False
        for request in input.requests:
            computed = _add(calendar, request.start, request.duration)
            times.append(computed.at)
            fallback = fallback or computed.fallback
        return ComputedDeadlines(times=times, calendar_fallback=fallback)


def _add(calendar: WorkCalendar, start: datetime, duration: str):
    """A bad or too long duration fails at once: retried, it would hold the case's lock for good."""
    try:
        return calendar.add(start, parse_duration(duration))
    except (DurationError, ValueError) as exc:
        raise ApplicationError(str(exc), type="BadInput", non_retryable=True) from exc
