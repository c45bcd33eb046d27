"""compute_deadlines: turns (start, duration) pairs into absolute times on the working-day calendar.

The calendar table is read here (cached briefly), never in workflow code; a year the table does not
know falls back to weekends only and the answer says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.config import Settings
from core.durations import DurationError, parse_duration
from core.models.calendar import CalendarDay
from core.workcalendar import WorkCalendar

_CACHE_SECONDS = 60.0


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


class DeadlineActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._calendar: WorkCalendar | None = None
        self._loaded_at = 0.0

    def calendar(self) -> WorkCalendar:
        if self._calendar is None or time.monotonic() - self._loaded_at > _CACHE_SECONDS:
            with Session(self.engine) as session:
                rows = session.exec(select(CalendarDay)).all()
            self._calendar = WorkCalendar(
                {r.day: r.is_workday for r in rows}, {r.day.year for r in rows}, tz=self.settings.timezone
            )
            self._loaded_at = time.monotonic()
        return self._calendar

    @activity.defn
    def compute_deadlines(self, input: ComputeDeadlinesInput) -> ComputedDeadlines:
        calendar = self.calendar()
        times, fallback = [], False
        for request in input.requests:
            try:
                duration = parse_duration(request.duration)
            except DurationError as exc:
                raise ApplicationError(str(exc), type="BadInput", non_retryable=True) from exc
            computed = calendar.add(request.start, duration)
            times.append(computed.at)
            fallback = fallback or computed.fallback
        return ComputedDeadlines(times=times, calendar_fallback=fallback)
