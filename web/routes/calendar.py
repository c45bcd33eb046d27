"""The working-day calendar admin: the holiday and make-up-workday table (CalendarDay) of a year.

Deadlines read this table through activities.deadlines; a year not yet published falls back to weekends
only (core.calendar_years), and the page says which years are published and publishes one. Included in
web.routes.catalog's router.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated

import anyio
from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from sqlmodel import Session, select

from core import calendar_years
from core.i18n import _, current_locale
from core.messages import Role
from core.models.calendar import CalendarDay
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep
from services.calendar import recount_open_cases
from services.errors import ServiceError
from services.platform import Platform
from web.auth import CurrentUser, require_roles
from web.catalog_forms import check_day
from web.routes.common import FormDep, see_other
from web.spans import BABEL_LOCALE, TZ
from web.templating import flash, render

log = logging.getLogger("web.calendar")
router = APIRouter(include_in_schema=False)
Admin = Annotated[CurrentUser, Depends(require_roles(Role.ADMIN))]


def _year_ranges(years: set[int]) -> list[str]:
    """{2004, ..., 2026, 2030} -> ["2004–2026", "2030"]."""
    ranges: list[list[int]] = []
    for year in sorted(years):
        if ranges and year == ranges[-1][1] + 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return [str(a) if a == b else f"{a}–{b}" for a, b in ranges]


def _weekday(day: date) -> str:
    return format_date(day, "EEE", locale=BABEL_LOCALE[current_locale()])


def _calendar_page(request: Request, session: Session, year: int, *, editing: CalendarDay | None = None,
                   values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    years = calendar_years.published_years(session)
    rows = session.exec(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                  CalendarDay.day <= date(year, 12, 31))
                        .order_by(CalendarDay.day)).all()
    if values is None and editing is not None:
        values = {"day": editing.day.isoformat(), "kind": "workday" if editing.is_workday else "holiday",
                  "name": editing.name}
    return render(request, "catalog/calendar.html", {
        "year": year, "rows": rows, "known": _year_ranges(years), "year_known": year in years,
        "editing": editing, "values": values or {"kind": "holiday"}, "errors": errors or {},
        "weekday": _weekday,
    }, status_code=status_code)


def _year(value: int | None) -> int:
    today = datetime.now(TZ).date()
    return value if value is not None and 1900 <= value <= 2200 else today.year


def _day_or_404(session: Session, day: str) -> CalendarDay:
    try:
        row = session.get(CalendarDay, date.fromisoformat(day))
    except ValueError:
        row = None
    if row is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("That day is not in the calendar table."))
    return row


def _tell_open_cases(request: Request, platform: Platform, year: int) -> None:
    """Open cases count their deadlines again on the revised calendar; the admin is told how many."""
    try:
        told, failed = anyio.from_thread.run(recount_open_cases, platform, year)
    except ServiceError as exc:
        log.warning("calendar %s revised but open cases not told: %s", year, exc.detail)
        flash(request, _("Open cases could not be told now; they keep their deadlines. Use “Recount open "
                         "cases” once the workflow service is back."))
        return
    flash(request, _("%(count)s open cases count their deadlines again.", count=told))
    if failed:
        flash(request, _("%(count)s open cases could not be reached; recount again later.", count=failed))


@router.get("/admin/calendar")
def calendar_page(request: Request, session: SessionDep, user: Admin, year: int | None = None, edit: str = ""):
    editing = _day_or_404(session, edit) if edit else None
    return _calendar_page(request, session, editing.day.year if editing else _year(year), editing=editing)


@router.post("/admin/calendar/days")
def add_day(request: Request, form: FormDep, session: SessionDep, platform: PlatformDep, user: Admin):
    checked = check_day(form, session)
    if checked.errors:
        year = checked.day.year if checked.day else _year(None)
        return _calendar_page(request, session, year, values=checked.values, errors=checked.errors, status_code=400)
    session.add(CalendarDay(day=checked.day, is_workday=checked.is_workday, name=checked.name, source="admin"))
    calendar_years.revise(session, checked.day.year)
    session.commit()
    log.info("calendar day %s added by %s (workday=%s, %s)", checked.day, user.username, checked.is_workday,
             checked.name)
    flash(request, _("%(day)s saved.", day=checked.day.isoformat()))
    _tell_open_cases(request, platform, checked.day.year)
    return see_other(f"/admin/calendar?year={checked.day.year}")


@router.post("/admin/calendar/days/{day}")
def edit_day(request: Request, form: FormDep, session: SessionDep, platform: PlatformDep, user: Admin, day: str):
    row = _day_or_404(session, day)
    row_year = row.day.year
    checked = check_day(form, session, editing=row.day)
    if checked.errors:
        return _calendar_page(request, session, row.day.year, editing=row, values=checked.values,
                              errors=checked.errors, status_code=400)
    if checked.day != row.day:  # the date is the key: a moved day is a new row
        session.delete(row)
        session.flush()
        row = CalendarDay(day=checked.day, is_workday=checked.is_workday)
    row.is_workday, row.name, row.source = checked.is_workday, checked.name, "admin"
    session.add(row)
    calendar_years.revise(session, checked.day.year)
    calendar_years.revise(session, date.fromisoformat(day).year)
    session.commit()
    log.info("calendar day %s changed by %s (now %s, workday=%s, %s)", day, user.username, checked.day,
             checked.is_workday, checked.name)
    flash(request, _("%(day)s saved.", day=checked.day.isoformat()))
    _tell_open_cases(request, platform, min(checked.day.year, row_year))
    return see_other(f"/admin/calendar?year={checked.day.year}")


@router.post("/admin/calendar/years/{year}/publish")
def publish_year(request: Request, session: SessionDep, platform: PlatformDep, user: Admin, year: int):
    calendar_years.publish(session, _year(year), user.username)
    session.commit()
    log.info("calendar year %s published by %s", year, user.username)
    flash(request, _("%(year)s published: deadlines now count its holidays and make-up workdays.", year=year))
    _tell_open_cases(request, platform, year)
    return see_other(f"/admin/calendar?year={year}")


@router.post("/admin/calendar/years/{year}/recount")
def recount_year(request: Request, platform: PlatformDep, user: Admin, year: int):
    _tell_open_cases(request, platform, _year(year))
    return see_other(f"/admin/calendar?year={year}")


@router.post("/admin/calendar/days/{day}/delete")
def delete_day(request: Request, session: SessionDep, platform: PlatformDep, user: Admin, day: str):
    row = _day_or_404(session, day)
    year = row.day.year
    session.delete(row)
    calendar_years.revise(session, year)
    session.commit()
    log.info("calendar day %s deleted by %s", day, user.username)
    flash(request, _("%(day)s deleted: it is an ordinary day again.", day=row.day.isoformat()))
    _tell_open_cases(request, platform, year)
    return see_other(f"/admin/calendar?year={year}")

