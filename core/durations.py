"""Durations as short text, the form catalog files and settings use: "30m", "4h", "2wh", "7d", "3wd".

h / d are calendar hours / days; wh / wd are working hours / working days (see core.workcalendar).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

UNITS = {"m": "minutes", "h": "hours", "d": "days", "wh": "working_hours", "wd": "working_days"}
_PATTERN = re.compile(r"^\s*(\d{1,4})\s*(wh|wd|m|h|d)\s*$")


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # one of UNITS' values

    def __str__(self) -> str:
        short = {v: k for k, v in UNITS.items()}[self.unit]
        return f"{self.amount}{short}"

    def as_calendar(self) -> timedelta:
        """The same amount of calendar time ("1wd" -> one day, "2wh" -> two hours): what working time
        becomes when every hour counts."""
        unit = {"working_days": "days", "working_hours": "hours"}.get(self.unit, self.unit)
        return timedelta(**{unit: self.amount})


def parse_duration(text: str) -> Duration:
    match = _PATTERN.match(text or "")
    if not match:
        raise DurationError(f"not a duration: {text!r} (use e.g. 4h, 2wh, 7d, 3wd)")
    amount, unit = int(match.group(1)), UNITS[match.group(2)]
    if amount <= 0:
        raise DurationError(f"a duration must be positive: {text!r}")
    return Duration(amount, unit)


def parse_plan(text: str) -> list[Duration]:
    """A checkpoint plan: four comma-separated offsets from dispatch, e.g. "1d,3d,5d,7d"."""
    parts = [p for p in (text or "").split(",") if p.strip()]
    if len(parts) != 4:
        raise DurationError(f"a checkpoint plan has four offsets, got {len(parts)}: {text!r}")
    return [parse_duration(p) for p in parts]
