"""Complexity tiers and their clocks, as data: acceptance limit, closure limit, four checkpoints.

A catalog item names a tier and may override any part of it; a city overrides the tiers themselves
with the CLOCK_PLANS setting (JSON). The workflow only ever sees the resolved ClockPlan. The rating
window and default are settings (core.config.Settings), never defaulted here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.config import Settings, defaults
from core.durations import parse_duration, parse_plan
from core.messages import ClockPlan

DEFAULT_TIERS: dict[str, dict[str, str]] = {
    # Urgent (e.g. gas smell, burst water main): round the clock, nights and holidays too: accept within
    # 2 hours, close the next day.
    "urgent": {"acceptance": "2h", "closure": "1d", "checkpoints": "6h,12h,18h,1d"},
    # The standard seven-day closure (七天办结, calendar days as in the seeds' cities) with checkpoints on
    # days 1, 3, 5 and 7; acceptance within one working day.
    "standard": {"acceptance": "1wd", "closure": "7d", "checkpoints": "1d,3d,5d,7d"},
    # Complex, multi-department cases: 15 working days, checkpoints spread across them.
    "complex": {"acceptance": "1wd", "closure": "15wd", "checkpoints": "3wd,7wd,11wd,15wd"},
}


class ClockPlanError(ValueError):
    pass


def handling_origin(dispatched_at: datetime, accept_deadline: datetime, acceptance: str) -> datetime:
    """Where the closure clock and its checkpoints start counting: the dispatch, moved on by the days off
    that lay before the acceptance limit.

    A unit cannot be asked to work before it is asked to accept: a weekend or a holiday between dispatch and
    the acceptance limit does not count against its seven days. The days off are what the working-time
    acceptance limit took beyond the same amount of calendar time ("1wd" from Friday 16:00 is Monday 16:00,
    two days beyond Saturday 16:00). Plans in working days are unchanged by this; acceptance in calendar
    time ("2h") never moves it.
    """
    plain = dispatched_at + parse_duration(acceptance).as_calendar()
    return dispatched_at + max(timedelta(0), accept_deadline - plain)


def load_tiers(override_json: str | None = None) -> dict[str, dict[str, str]]:
    tiers = {name: dict(plan) for name, plan in DEFAULT_TIERS.items()}
    if override_json:
        try:
            for name, plan in json.loads(override_json).items():
                tiers.setdefault(name, dict(DEFAULT_TIERS["standard"])).update(plan)
        except (ValueError, AttributeError) as exc:
            raise ClockPlanError(f"CLOCK_PLANS is not valid JSON of tiers: {exc}") from exc
    for name, plan in tiers.items():
        validate_plan(plan.get("acceptance", ""), plan.get("closure", ""), plan.get("checkpoints", ""), name)
    return tiers


def validate_plan(acceptance: str, closure: str, checkpoints: str, where: str = "") -> None:
    try:
        parse_duration(acceptance)
        closure_d = parse_duration(closure)
        plan = parse_plan(checkpoints)
    except ValueError as exc:
        raise ClockPlanError(f"{where}: {exc}") from exc
    if plan[-1] != closure_d:
        raise ClockPlanError(f"{where}: the last checkpoint ({plan[-1]}) must equal the closure ({closure_d})")


def resolve(
    tier: str,
    *,
    acceptance: str | None = None,
    closure: str | None = None,
    checkpoints: str | None = None,
    tiers: dict[str, dict[str, str]] | None = None,
    rating_window: str | None = None,
    rating_default: str | None = None,
    settings: Settings | None = None,
) -> ClockPlan:
    """The tier's plan with the item's overrides. A dispatch passes the settings' rating window and default;
    a caller that only validates limits may leave them out and gets Settings' declared defaults."""
    tiers = tiers or DEFAULT_TIERS
    declared = defaults()
    rating_window = declared.rating_window if rating_window is None else rating_window
    rating_default = declared.rating_default if rating_default is None else rating_default
    base = tiers.get(tier) or tiers["standard"]
    closure = closure or base["closure"]
    if checkpoints is None:
        # A closure override without its own plan keeps the tier's shape scaled onto the new closure.
        checkpoints = base["checkpoints"] if closure == base["closure"] else _scaled_plan(closure)
    plan = ClockPlan(
        tier=tier if tier in tiers else "standard",
        acceptance=acceptance or base["acceptance"],
        closure=closure,
        checkpoints=[str(d) for d in parse_plan(checkpoints)],
        rating_window=rating_window,
        rating_default=rating_default,
        **plan_rules(settings or declared),
    )
    validate_plan(plan.acceptance, plan.closure, ",".join(plan.checkpoints), f"tier {tier}")
    return plan


def extension_choices(settings: Settings) -> list[str]:
    """The extension lengths the city offers ("1wd,2wd,..." as a list)."""
    return [c.strip() for c in settings.extension_choices.split(",") if c.strip()]


def plan_rules(settings: Settings) -> dict:
    """The extension and bounce rules a dispatch writes into the case's plan (the workflow cannot read
    settings)."""
    choices = extension_choices(settings)
    waits = dict(part.strip().split("=", 1) for part in settings.wait_limits.split(",") if "=" in part)
    waits = {kind.strip(): limit.strip() for kind, limit in waits.items()}
    visit = settings.return_visit_window.strip()
    for duration in [*choices, *([settings.bounce_window] if settings.bounce_window else []), *waits.values(),
                     *([visit] if visit else [])]:
        parse_duration(duration)  # a mistyped setting fails the dispatch's activity, not a later ruling
    offset = datetime.now(ZoneInfo(settings.timezone)).utcoffset() or timedelta(0)
    cutoff = settings.extension_cutoff.strip()
    if cutoff:  # "17:00" as the validator compares it ("9:00" would sort after "17:00")
        cutoff = datetime.strptime(cutoff, "%H:%M").strftime("%H:%M")
    return {"extension_choices": choices, "extension_max_count": settings.extension_max_count,
            "extension_cutoff": cutoff, "utc_offset_minutes": int(offset.total_seconds() // 60),
            "bounce_window": settings.bounce_window, "waits": waits, "reminder_share": settings.wait_reminder_share,
            "return_visit_window": visit, "return_visit_share": min(1.0, max(0.0, settings.return_visit_share))}


def _scaled_plan(closure: str) -> str:
    d = parse_duration(closure)
    if d.amount >= 4:
        marks = [max(1, round(d.amount * f)) for f in (1 / 7, 3 / 7, 5 / 7)] + [d.amount]
        short = str(d)[len(str(d.amount)) :]
        return ",".join(f"{m}{short}" for m in marks)
    # Too short to split in its own unit: quarter it in hours.
    hours = {"days": 24, "working_days": 8, "hours": 1, "working_hours": 1, "minutes": 1 / 60}[d.unit]
    total = d.amount * hours
    unit = "wh" if d.unit.startswith("working") else "h"
    if total < 4:
        return ",".join([closure] * 4)
    return ",".join(f"{max(1, round(total * f))}{unit}" for f in (0.25, 0.5, 0.75)) + f",{closure}"
