"""Times and elapsed times as a person reads them on a console: the city's local time, and "2 小时 15 分钟",
"3 天 4 小时" (the two largest units).

Babel words each unit in the page's language, so these strings need no catalog entries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from core.i18n import current_locale

TZ = ZoneInfo("Asia/Shanghai")
BABEL_LOCALE = {"zh_Hans": "zh_Hans_CN", "en": "en"}


def as_datetime(value: Any) -> datetime | None:
    """A datetime or ISO text as an aware datetime (naive means UTC, as the read model stores it)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    moment = as_datetime(value)
    return moment.astimezone(TZ).strftime(fmt) if moment else ""


def span(delta: timedelta) -> str:
    """At most two units, largest first; under a minute reads as 0 minutes."""
    minutes = max(0, int(delta.total_seconds() // 60))
    parts = [("day", minutes // 1440), ("hour", minutes // 60 % 24), ("minute", minutes % 60)]
    shown = [(unit, n) for unit, n in parts if n][:2] or [("minute", 0)]
    if len(shown) == 2 and shown[0][0] == "day" and shown[1][0] == "minute":
        shown = shown[:1]  # "3 days 5 minutes" says no more than "3 days"
    locale = BABEL_LOCALE.get(current_locale(), "en")
    sep = "" if locale.startswith("zh") else " "
    return sep.join(format_timedelta(timedelta(**{unit + "s": n}), granularity=unit, threshold=1000,
                                     format="short", locale=locale) for unit, n in shown)


def waited_since(value: Any, now: datetime | None = None) -> str:
    """How long ago `value` was (a datetime or ISO text); empty when unknown."""
    moment = as_datetime(value)
    return span((now or datetime.now(UTC)) - moment) if moment else ""
