"""The admin forms of the catalog and the working-day calendar: read, check, and say what is wrong where.

Each check returns the cleaned values and a dict field -> translated message; nothing here writes.
The clock of an item is checked as the workflow will resolve it (core.clock_plans).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from core import catalog
from core.catalog import CATEGORY_LABELS, LEVELS
from core.clock_plans import ClockPlanError, resolve
from core.durations import parse_duration, parse_plan
from core.i18n import _
from core.models.calendar import CalendarDay
from core.models.catalog import CatalogItem, CatalogVersion, Unit
from web.catalog_view import duration_words
from web.routes.common import text
from web.spans import TZ

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")  # as core.catalog_io accepts in a file
KEYWORD_SEP = re.compile(r"[;；、,，\n]")
EXAMPLE_SEP = re.compile(r"[|｜\n]")
UNIT_SEP = re.compile(r"[;；,，、\s]+")
PAST_GRACE = timedelta(minutes=5)  # a time typed "now" is a little in the past by the time it is posted
LIMITS = {"code": 32, "name_zh": 200, "name_en": 300, "category": 32, "keywords": 2000, "examples": 4000,
          "primary_unit_id": 64, "cooperating_unit_ids": 1000, "level": 16, "tier": 16, "acceptance_limit": 16,
          "closure_limit": 16, "checkpoint_plan": 64, "process": 4000, "contact": 300}


@dataclass
class Checked:
    values: dict[str, str]  # what the form shows again
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  # the item's fields, when there is no error


def item_values(item: CatalogItem) -> dict[str, str]:
    """An item as the edit form shows it."""
    return {
        "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en, "category": item.category,
        "keywords": "；".join(item.keywords or []), "examples": "\n".join(item.examples or []),
        "primary_unit_id": item.primary_unit_id, "cooperating_unit_ids": ", ".join(item.cooperating_unit_ids or []),
        "level": item.level, "tier": item.tier, "acceptance_limit": item.acceptance_limit or "",
        "closure_limit": item.closure_limit or "", "checkpoint_plan": item.checkpoint_plan or "",
        "process": item.process, "contact": item.contact,
    }


def check_item(form: FormData, session: Session, tiers: dict[str, dict[str, str]], *,
               existing: CatalogItem | None) -> Checked:
    """The item form: `existing` is the current row when editing (its code cannot change), None when adding."""
    values = {name: text(form, name, limit) for name, limit in LIMITS.items()}
    if existing is not None:
        values["code"] = existing.code
    errors: dict[str, str] = {}
    code = values["code"]
    if not code:
        errors["code"] = _("Required.")
    elif not CODE.match(code):
        errors["code"] = _("Letters, digits, - _ and . only, at most 32 characters.")
    elif existing is None and catalog.get_item(session, code) is not None:
        errors["code"] = _("An item with code %(code)s already exists.", code=code)
    if not values["name_zh"]:
        errors["name_zh"] = _("Required.")
    if values["category"] not in CATEGORY_LABELS:
        errors["category"] = _("Choose a category from the list.")
    known = set(session.exec(select(Unit.id)).all())
    primary = values["primary_unit_id"]
    if not primary:
        errors["primary_unit_id"] = _("Required.")
    elif primary not in known:
        errors["primary_unit_id"] = _("Unknown unit %(unit)s.", unit=primary)
    cooperating = list(dict.fromkeys(u for u in UNIT_SEP.split(values["cooperating_unit_ids"]) if u))
    unknown = [u for u in cooperating if u not in known]
    if unknown:
        errors["cooperating_unit_ids"] = _("Unknown units: %(units)s.", units=", ".join(unknown))
    level = values["level"] or "district"
    if level not in LEVELS:
        errors["level"] = _("Choose a level from the list.")
    tier = values["tier"] or "standard"
    if tier not in tiers:
        errors["tier"] = _("Choose a complexity from the list.")
    limits = {f: values[f] or None for f in ("acceptance_limit", "closure_limit", "checkpoint_plan")}
    _check_clock(tier if tier in tiers else "standard", limits, tiers, errors)
    fields = {} if errors else {
        "code": code, "name_zh": values["name_zh"], "name_en": values["name_en"], "category": values["category"],
        "keywords": _split(KEYWORD_SEP, values["keywords"]), "examples": _split(EXAMPLE_SEP, values["examples"]),
        "primary_unit_id": primary, "cooperating_unit_ids": [u for u in cooperating if u != primary],
        "level": level, "tier": tier, **limits, "process": values["process"], "contact": values["contact"],
    }
    return Checked(values, errors, fields)


def _split(separator: re.Pattern, raw: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in separator.split(raw) if part.strip()))


def _check_clock(tier: str, limits: dict[str, str | None], tiers: dict[str, dict[str, str]],
                 errors: dict[str, str]) -> None:
    """Each limit on its own, then the plan the workflow would resolve (resolve() runs validate_plan)."""
    for name in ("acceptance_limit", "closure_limit"):
        if limits[name]:
            try:
                parse_duration(limits[name])
            except ValueError:
                errors[name] = _("Not a time limit: use a number and a unit, e.g. 4h, 2wh, 7d or 3wd.")
    if limits["checkpoint_plan"]:
        try:
            parse_plan(limits["checkpoint_plan"])
        except ValueError:
            errors["checkpoint_plan"] = _("Four time limits separated by commas, e.g. 1d,3d,5d,7d.")
    if any(name in errors for name in limits):
        return
    try:
        resolve(tier, acceptance=limits["acceptance_limit"], closure=limits["closure_limit"],
                checkpoints=limits["checkpoint_plan"], tiers=tiers)
    except ClockPlanError:
        closure = limits["closure_limit"] or tiers[tier]["closure"]
        where = "checkpoint_plan" if limits["checkpoint_plan"] else "closure_limit"
        errors[where] = _("The last checkpoint must equal the closure time limit (%(closure)s).",
                          closure=duration_words(closure))


def differs(item: CatalogItem, fields: dict) -> bool:
    return any(getattr(item, name) != value for name, value in fields.items())


# ---- who, when and why of a change ----


@dataclass
class Change:
    reason: str
    effective_at: datetime | None  # None: now
    effective_text: str


def check_change(form: FormData, session: Session, errors: dict[str, str], now: datetime | None = None) -> Change:
    """The reason (required) and the effective date (empty: now; future allowed; never before the
    newest version, so versions take effect in the order they are numbered)."""
    now = now or datetime.now(UTC)
    reason = text(form, "reason", 1000)
    raw = text(form, "effective_at", 32)
    if not reason:
        errors["reason"] = _("Give a reason for the change.")
    effective_at = None
    if raw:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            errors["effective_at"] = _("Enter a date and time, e.g. 2027-01-01 00:00.")
            return Change(reason, None, raw)
        moment = moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment
        if moment < now - PAST_GRACE:
            errors["effective_at"] = _("A change cannot take effect in the past.")
        effective_at = max(moment, now)
    if "effective_at" not in errors:
        problem = out_of_order(session, effective_at or now)
        if problem:
            errors["effective_at"] = problem
    return Change(reason, effective_at, raw)


def out_of_order(session: Session, effective_at: datetime) -> str | None:
    """Why a change effective at `effective_at` may not be published now: a newer version takes effect later."""
    latest = session.exec(select(CatalogVersion).order_by(col(CatalogVersion.id).desc())).first()
    if latest is None or effective_at >= latest.effective_at:
        return None
    when = latest.effective_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    return _("Version %(id)s takes effect at %(when)s: a later change cannot take effect before it.",
             id=latest.id, when=when)


# ---- the working-day calendar ----

WEEKEND = (5, 6)


@dataclass
class CheckedDay:
    values: dict[str, str]
    errors: dict[str, str]
    day: date | None = None
    is_workday: bool = False
    name: str = ""


def check_day(form: FormData, session: Session, *, editing: date | None = None) -> CheckedDay:
    """A holiday or make-up workday: a real date, a name for a holiday, a make-up workday on a weekend,
    and no second row for a day (`editing` is the row being changed, which may keep its date)."""
    values = {"day": text(form, "day", 10), "kind": text(form, "kind", 16), "name": text(form, "name", 50)}
    errors: dict[str, str] = {}
    day = None
    try:
        day = date.fromisoformat(values["day"])
    except ValueError:
        errors["day"] = _("Enter a date (YYYY-MM-DD).")
    if values["kind"] not in ("holiday", "workday"):
        errors["kind"] = _("Choose holiday or make-up workday.")
    is_workday = values["kind"] == "workday"
    if values["kind"] == "holiday" and not values["name"]:
        errors["name"] = _("A holiday needs a name.")
    if day is not None and is_workday and day.weekday() not in WEEKEND:
        errors["kind"] = _("A make-up workday falls on a Saturday or Sunday; weekdays are workdays anyway.")
    if day is not None and day != editing and session.get(CalendarDay, day) is not None:
        errors["day"] = _("%(day)s is already in the calendar: edit that day instead.", day=day.isoformat())
    return CheckedDay(values, errors, day, is_workday, values["name"])
