"""Periods: calendar months, quarters and years in the configured time zone, as [start, end) in UTC.

Also the month keys ("2026-10") the monthly run, the trends and the pages step through.
Pure: no database here; the zone comes from the settings (core.config.Settings.timezone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.config import Settings, defaults


def tz_of(settings: Settings | None) -> ZoneInfo:
    return ZoneInfo((settings or defaults()).timezone)


def _zone(tz: ZoneInfo | str | None) -> ZoneInfo:
    # A zone name is resolved here, outside any workflow sandbox (which proxies ZoneInfo objects).
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo(tz) if tz else tz_of(None)


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    key: str  # "2026-10" | "2026-Q4" | "2026"
    start: datetime  # aware UTC, included: local midnight of the first day
    end: datetime  # aware UTC, excluded

    def months(self) -> list[str]:
        year, month = int(self.key[:4]), _first_month(self)
        count = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [f"{year}-{m:02d}" for m in range(month, month + count)]


def _first_month(period: Period) -> int:
    if period.kind == "month":
        return int(period.key[5:7])
    if period.kind == "quarter":
        return (int(period.key[-1]) - 1) * 3 + 1
    return 1


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _span(kind: str, key: str, first: date, after: date, tz: ZoneInfo | None) -> Period:
    tz = _zone(tz)
    return Period(kind, key, _local_midnight(first, tz), _local_midnight(after, tz))


def month_period(year: int, month: int, tz: ZoneInfo | None = None) -> Period:
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return _span("month", f"{year}-{month:02d}", date(year, month, 1), after, tz)


def quarter_period(year: int, quarter: int, tz: ZoneInfo | None = None) -> Period:
    first = date(year, (quarter - 1) * 3 + 1, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, quarter * 3 + 1, 1)
    return _span("quarter", f"{year}-Q{quarter}", first, after, tz)


def year_period(year: int, tz: ZoneInfo | None = None) -> Period:
    return _span("year", f"{year}", date(year, 1, 1), date(year + 1, 1, 1), tz)


def parse_period(key: str, tz: ZoneInfo | None = None) -> Period:
    """"2026-10" (month), "2026-Q4" (quarter) or "2026" (year); ValueError otherwise."""
    key = (key or "").strip().upper()
    try:
        if len(key) == 4 and key.isdigit():
            return year_period(int(key), tz)
        if len(key) == 7 and key[4:6] == "-Q" and key[6] in "1234":
            return quarter_period(int(key[:4]), int(key[6]), tz)
        if len(key) == 7 and key[4] == "-" and 1 <= int(key[5:]) <= 12:
            return month_period(int(key[:4]), int(key[5:]), tz)
    except ValueError:
        pass
    raise ValueError(f"not a period: {key!r} (use 2026-10, 2026-Q4 or 2026)")


def month_key(moment: datetime, tz: ZoneInfo | str | None = None) -> str:
    local = moment.astimezone(_zone(tz))
    return f"{local.year}-{local.month:02d}"


def previous_month_key(moment: datetime, tz: ZoneInfo | str | None = None) -> str:
    """The month before the one `moment` falls in, locally: 2026-11-01 02:00 Shanghai -> "2026-10"."""
    local = moment.astimezone(_zone(tz))
    first = date(local.year, local.month, 1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def shift_month(key: str, months: int) -> str:
    year, month = int(key[:4]), int(key[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def months_ending(key: str, count: int) -> list[str]:
    """`count` month keys ending with `key`, oldest first."""
    return [shift_month(key, -i) for i in range(count - 1, -1, -1)]
