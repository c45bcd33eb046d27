"""Working-day arithmetic over a holiday / make-up-workday table (pure; the table is passed in).

Days in a year the table does not know fall back to plain Monday-Friday, and the result says so
(`fallback`), so a deadline is always computed and the case can show it is provisional.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.durations import Duration

DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
_MAX_DAYS_SCANNED = 800  # no working-time duration we allow spans more than two years


@dataclass
class Computed:
    at: datetime
    fallback: bool  # True when a year outside the table was used (weekends only)


class WorkCalendar:
    def __init__(
        self,
        special_days: dict[date, bool],
        known_years: Iterable[int],
        tz: str = "Asia/Shanghai",
        windows: tuple[tuple[time, time], ...] = DEFAULT_WINDOWS,
    ) -> None:
        self.special_days = special_days  # date -> is_workday, only where it differs from Mon-Fri
        self.known_years = set(known_years)
        self.tz = ZoneInfo(tz)
        self.windows = windows
        self._fallback = False

    def is_workday(self, day: date) -> bool:
        if day.year not in self.known_years:
            self._fallback = True
        if day in self.special_days:
            return self.special_days[day]
        return day.weekday() < 5

    def add(self, start: datetime, duration: Duration) -> Computed:
        self._fallback = False
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if duration.unit == "minutes":
            at = start + timedelta(minutes=duration.amount)
        elif duration.unit == "hours":
            at = start + timedelta(hours=duration.amount)
        elif duration.unit == "days":
            at = start + timedelta(days=duration.amount)
        elif duration.unit == "working_days":
            at = self._add_working_days(start, duration.amount)
        elif duration.unit == "working_hours":
            at = self._add_working_hours(start, timedelta(hours=duration.amount))
        else:
            raise ValueError(f"unknown duration unit {duration.unit!r}")
        return Computed(at=at.astimezone(start.tzinfo), fallback=self._fallback)

    def _add_working_days(self, start: datetime, days: int) -> datetime:
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS_SCANNED):
            if days == 0:
                break
            day += timedelta(days=1)
            if self.is_workday(day):
                days -= 1
        return datetime.combine(day, local.timetz())

    def _add_working_hours(self, start: datetime, remaining: timedelta) -> datetime:
        cursor = start.astimezone(self.tz)
        day = cursor.date()
        for _ in range(_MAX_DAYS_SCANNED):
            if self.is_workday(day):
                for begin, end in self.windows:
                    w_start = datetime.combine(day, begin, self.tz)
                    w_end = datetime.combine(day, end, self.tz)
                    if cursor >= w_end:
                        continue
                    s = max(cursor, w_start)
                    if remaining <= w_end - s:
                        return s + remaining
                    remaining -= w_end - s
                    cursor = w_end
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), self.tz)
        raise ValueError("working-hours duration too long")


def seed_rows_from_chinesecalendar() -> list[tuple[date, bool, str]]:
    """The days 2004-2026 that differ from Mon-Fri, with holiday names, from `chinesecalendar`."""
    import chinese_calendar

    rows: list[tuple[date, bool, str]] = []
    first, last = date(2004, 1, 1), date(2026, 12, 31)
    day = first
    while day <= last:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        is_workday = not is_holiday
        weekday_work = day.weekday() < 5
        if is_workday != weekday_work or (name and not is_workday):
            label = getattr(name, "value", name) or ""
            rows.append((day, is_workday, str(label)))
        day += timedelta(days=1)
    return rows
