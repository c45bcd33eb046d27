"""Evaluation pages (评 报 宣): monthly report and downloads, dashboard, definitions; public rankings and cases.

Staff pages need a signed-in supervisor, admin or dispatcher (district accounts see their district only) and
open on the latest month with data; public pages show the newest frozen month (before any freeze, the latest
month with data, live and marked provisional) and no personal data (masked public summaries at most).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from core import evaluation as ev
from core import reports
from core.i18n import _, current_locale
from core.messages import Role
from core.vocabulary import ErrorKind
from http_common.deps import SessionDep, SettingsDep
from services.errors import ServiceError
from services.tickets import unit_names
from web import evaluation_charts as charts
from web.auth import CurrentUser, OptionalUser, require_roles
from web.templating import render

router = APIRouter()
Staff = Annotated[CurrentUser, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER))]
MONTH_CHOICES = 12
DOWNLOADS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class Format:
    """Display helpers the templates share: exact figures, rounded half up, "—" when undefined."""

    percent = staticmethod(ev.percent)
    score = staticmethod(ev.score_text)
    group = staticmethod(lambda g: reports.group_label(g, current_locale()))
    flag = staticmethod(lambda f: reports.flag_label(f, current_locale()))
    category = staticmethod(lambda c: reports.category_label(c, current_locale()))
    rank = staticmethod(lambda r: reports.rank_label(r, current_locale()))


# ---- staff: the monthly report, its downloads, the dashboard ----


@router.get("/evaluation")
def monthly_report_page(request: Request, session: SessionDep, settings: SettingsDep, user: Staff,
                        month: str = "", scope: str = ""):
    scope = _staff_scope(user, scope)
    report = _report(session, month or _latest_month(session, scope, settings), scope, settings)
    names = unit_names(session)
    return render(request, "evaluation/report.html", {
        "report": report, "fmt": Format, "scopes": _scopes(session, user), "months": _months(settings),
        "charts": _report_charts(report, names), "names": names,
    })


@router.get("/evaluation/report.{kind}")
def download_report(session: SessionDep, settings: SettingsDep, user: Staff, kind: str, month: str = "",
                    scope: str = ""):
    if kind not in DOWNLOADS:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such download."))
    scope = _staff_scope(user, scope)
    report = _report(session, month or _latest_month(session, scope, settings), scope, settings)
    locale = current_locale()
    try:
        content = {"csv": lambda: reports.report_csv(report, locale),
                   "xlsx": lambda: reports.report_xlsx(report, locale),
                   "pdf": lambda: reports.report_pdf(report, locale, settings)}[kind]()
    except reports.ReportFontMissing as exc:
        raise ServiceError(ErrorKind.UNAVAILABLE,
                           _("The PDF report cannot be made: the Chinese font is not installed."), str(exc)) \
            from None
    name = f"evaluation-{report.period.key}-{report.scope}.{kind}"
    return Response(content, media_type=DOWNLOADS[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/evaluation/dashboard")
def dashboard(request: Request, session: SessionDep, settings: SettingsDep, user: Staff, month: str = ""):
    """Today's live counts, and the rates of the latest month with data (or the month asked for)."""
    district = None if user.is_city_level else user.district_id
    scope = district or ev.CITY
    now = datetime.now(UTC)
    month = month or reports.latest_month_with_data(session, scope, settings) or ev.month_key(now, ev.tz_of(settings))
    period = _period(month, settings)
    rows = reports.live_rows(session, period, scope, settings)
    totals = ev.add_up(r.figures for r in rows)
    data = reports.month_snapshot(session, period, scope, settings)
    trend = reports.trend(session, month, scope, settings, live=False, current=totals)
    names = unit_names(session)
    return render(request, "evaluation/dashboard.html", {
        "counts": reports.live_counts(session, district_id=district, now=now, settings=settings),
        "month": month, "totals": totals, "received": data["received"], "fmt": Format,
        "scope_name": _in_language(names, scope, reports.check_scope(session, scope)),
        "map_cells": data["map"], "hot_streets": [[s, n] for s, _name, n in data["hot_streets"]],  # web/static/map.js
        "charts": {
            "rates": _rate_bars(totals),
            "trend": _trend_lines(trend),
            "categories": _hot_bars([(Format.category(c), n) for c, n in data["hot_categories"]]),
            "streets": _hot_bars([(_in_language(names, street, name) or _("Unknown street"), n)
                                  for street, name, n in data["hot_streets"]]),
            "map": charts.dots([tuple(p) for p in data["map"]], label=_("Cases on the map")),
        },
    })


@router.get("/evaluation/assessment")
def assessment(request: Request, session: SessionDep, settings: SettingsDep, user: Staff, period: str = ""):
    """Two-way evaluation over a year (or a quarter): platform score, street score and their combination."""
    tz = ev.tz_of(settings)
    try:
        chosen = ev.parse_period(period or str(datetime.now(tz).year), tz)
    except ValueError as exc:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Choose a year such as 2026 or a quarter such as 2026-Q4."),
                           str(exc)) from None
    district = None if user.is_city_level else user.district_id
    figures = ev.compute_unit_figures(session, chosen.start, chosen.end, district_id=district)
    ranked = {r.figures.unit_id: r for r in ev.rank_units(figures, weights=ev.rate_weights(settings),
                                                          minimum=ev.min_sample(settings))}
    rows = sorted(ev.assess(figures, settings),
                  key=lambda a: (ev.GROUP_ORDER.index(ranked[a.figures.unit_id].group), a.score is None,
                                 -(a.score or 0), a.figures.unit_id))
    names = unit_names(session)
    return render(request, "evaluation/assessment.html", {
        "period": chosen, "rows": rows, "groups": {k: r.group for k, r in ranked.items()}, "fmt": Format,
        "weight": ev.fraction_text(ev.street_score_weight(settings)),
        "scope_name": _in_language(names, district or ev.CITY, reports.check_scope(session, district or ev.CITY)),
        "names": names,
    })


# ---- everyone: definitions, rankings, typical cases, criticised units ----


@router.get("/evaluation/definitions")
def definitions(request: Request, settings: SettingsDep, user: OptionalUser):
    return render(request, "evaluation/definitions.html", {
        "definitions": ev.DEFINITIONS, "version": ev.DEFINITIONS_VERSION,
        "parameters": reports.parameters_of(settings),
    })


@router.get("/public/rankings")
def public_rankings(request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser,
                    month: str = "", scope: str = ev.CITY):
    report = _public_report(session, settings, month, scope)
    return render(request, "evaluation/rankings.html", {
        "report": report, "fmt": Format, "months": _public_months(session, scope, report),
        "scope": scope, "scopes": _public_scopes(session), "names": unit_names(session),
    })


@router.get("/public/cases")
def public_cases(request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser,
                 month: str = "", scope: str = ev.CITY):
    report = _public_report(session, settings, month, scope)
    cases = reports.typical_cases(session, report.period, scope) if report else []
    return render(request, "evaluation/cases.html", {
        "report": report, "cases": cases, "names": unit_names(session), "fmt": Format,
        "months": _public_months(session, scope, report), "scope": scope,
    })


@router.get("/public/criticism")
def public_criticism(request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser,
                     month: str = "", scope: str = ev.CITY):
    report = _public_report(session, settings, month, scope)
    return render(request, "evaluation/criticism.html", {
        "report": report, "fmt": Format, "months": _public_months(session, scope, report), "scope": scope,
        "names": unit_names(session),
    })


# ---- helpers ----


def _staff_scope(user: CurrentUser, requested: str) -> str:
    """A district account always sees its own district; city accounts choose (the city by default)."""
    if not user.is_city_level:
        return user.district_id
    return requested or ev.CITY


def _latest_month(session, scope: str, settings) -> str:
    """The newest month with counted events or frozen figures; the calendar's last month when there is none."""
    return (reports.latest_month_with_data(session, scope, settings)
            or ev.previous_month_key(datetime.now(UTC), ev.tz_of(settings)))


def _report(session, month: str, scope: str, settings) -> reports.MonthlyReport:
    try:
        return reports.monthly_report(session, month, scope, settings)
    except reports.ReportError as exc:
        raise ServiceError(ErrorKind.BAD_INPUT,
                           _("Choose a month such as 2026-10 and the city or one of its districts."),
                        str(exc)) from None


def _period(month: str, settings) -> ev.Period:
    try:
        return reports.check_month(month, settings)
    except reports.ReportError as exc:
        raise ServiceError(ErrorKind.BAD_INPUT,
                           _("Choose a month such as 2026-10 and the city or one of its districts."),
                           str(exc)) from None


def _public_report(session, settings, month: str, scope: str) -> reports.MonthlyReport | None:
    """A frozen month (the requested one, or the newest); before any freeze, only the latest month with data,
    computed live and marked provisional (report.frozen is False). None when there is no data at all."""
    try:
        reports.check_scope(session, scope)
        if month:
            reports.check_month(month, settings)
    except reports.ReportError as exc:
        raise ServiceError(ErrorKind.BAD_INPUT,
                           _("Choose a month such as 2026-10 and the city or one of its districts."),
                        str(exc)) from None
    shown, frozen = reports.public_month(session, scope, settings)
    month = month or shown or ""
    if not month:
        return None
    if reports.find_run(session, month, scope) is None and (frozen or month != shown):
        raise ServiceError(ErrorKind.NOT_FOUND, _("This month has not been evaluated yet."))
    return reports.monthly_report(session, month, scope, settings, live_trend=False)


def _public_months(session, scope: str, report: reports.MonthlyReport | None) -> list[str]:
    """The months the public pages offer: the frozen ones, or the provisional month shown before any freeze."""
    months = reports.frozen_months(session, scope)
    if report is not None and not report.frozen and report.period.key not in months:
        months.insert(0, report.period.key)
    return months


def _scopes(session, user: CurrentUser) -> list[tuple[str, str]]:
    if not user.is_city_level:
        return [(user.district_id, reports.check_scope(session, user.district_id))]
    return _public_scopes(session)


def _public_scopes(session) -> list[tuple[str, str]]:
    names = unit_names(session)
    scopes = [(ev.CITY, reports.check_scope(session, ev.CITY)), *ev.districts(session)]
    return [(scope, _in_language(names, scope, name)) for scope, name in scopes]


def _in_language(names, unit_id: str | None, chinese: str) -> str:
    """A unit's name as reports store it (Chinese), in the page's language when the unit is known."""
    return names.name(unit_id) if unit_id and unit_id in names else chinese


def _months(settings) -> list[str]:
    return ev.months_ending(ev.month_key(datetime.now(UTC), ev.tz_of(settings)), MONTH_CHOICES)[::-1]


def _rate_names() -> dict[str, str]:
    return {"response": _("Response rate"), "resolution": _("Resolution rate"),
            "satisfaction": _("Satisfaction rate"), "on_time": _("On-time closure rate")}


def _rate_bars(totals: ev.UnitFigures):
    names = _rate_names()
    items = [(names[k], float(v) if v is not None else None, ev.percent(v)) for k, v in totals.rates().items()]
    return charts.bars(items, maximum=1, label=_("Rates"))


def _trend_lines(points: list[reports.TrendPoint]):
    names = _rate_names()
    series = {names[k]: [float(v) if (v := (p.totals.rates()[k] if p.totals else None)) is not None else None
                         for p in points] for k in ("response", "resolution", "satisfaction")}
    return charts.lines([p.month for p in points], series, label=_("Rates month over month"))


def _hot_bars(items: list[tuple[str, int]]):
    return charts.bars([(name, n, str(n)) for name, n in items], label=_("Hot spots"))


def _report_charts(report: reports.MonthlyReport, names) -> dict:
    scored = [r for r in report.rows if r.rank is not None]  # the ranked only: a bar chart reads as a ranking
    return {
        "scores": charts.bars([(_in_language(names, r.figures.unit_id, r.figures.unit_name), float(r.score),
                                ev.score_text(r.score)) for r in scored], maximum=100, label=_("Platform score")),
        "trend": _trend_lines(report.trend),
        "categories": _hot_bars([(Format.category(c), n) for c, n in report.hot_categories]),
        "streets": _hot_bars([(_in_language(names, street, name) or _("Unknown street"), n)
                              for street, name, n in report.hot_streets]),
        "map": charts.dots(report.map_points, label=_("Cases on the map")),
    }
