"""Assembling the monthly report of a scope (the city or one district): MonthlyReport and its trend.

Unit figures come from the frozen run when the month is frozen (otherwise computed live and marked
provisional); the rest of a month comes from its snapshot (snapshot.py). Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from core import evaluation as ev
from core.config import Settings
from core.models.catalog import Unit
from core.models.evaluation import EvaluationRun, UnitResult
from core.reports.corrections import CorrectionLine, month_corrections
from core.reports.frozen import figures_of, find_run, frozen_rows
from core.reports.snapshot import Failure
from core.reports.stored import month_figures, month_snapshot
from core.vocabulary import UnitKind

TREND_MONTHS = 6


class ReportError(ValueError):
    """A wrong month or scope, shown to the user as a 400/404."""


@dataclass
class TrendPoint:
    month: str
    frozen: bool
    totals: ev.UnitFigures | None  # None: month neither frozen nor computed


@dataclass
class MonthlyReport:
    period: ev.Period
    scope: str
    scope_name: str
    frozen: bool
    frozen_at: datetime | None
    definitions_version: str
    parameters: dict
    rows: list[ev.Ranked]
    totals: ev.UnitFigures
    received: int
    hot_categories: list[tuple[str, int]]
    hot_streets: list[tuple[str, str, int]]
    map_points: list[tuple[float, float, int]]
    failures: list[Failure]
    trend: list[TrendPoint] = field(default_factory=list)
    corrections: list[CorrectionLine] = field(default_factory=list)  # exclusions and appeals (corrections.py)

    @property
    def ranked(self) -> list[ev.Ranked]:
        return [r for r in self.rows if r.rank is not None]

    @property
    def unranked(self) -> list[ev.Ranked]:
        return [r for r in self.rows if r.rank is None]


def parameters_of(settings: Settings | None) -> dict:
    """The settings a month's figures depend on, as exact text (stored with a frozen run)."""
    return {
        "rate_weights": {k: ev.fraction_text(v) for k, v in ev.rate_weights(settings).items()},
        "min_sample": ev.min_sample(settings),
        "street_score_weight": ev.fraction_text(ev.street_score_weight(settings)),
        "timezone": str(ev.tz_of(settings)),
    }


def check_scope(session: Session, scope: str) -> str:
    """The scope's display name; ReportError for anything but "city" or a district's id."""
    if scope == ev.CITY:
        city = session.exec(select(Unit).where(Unit.kind == UnitKind.CITY).order_by(Unit.id)).first()
        return city.name_zh if city else "全市"
    unit = session.get(Unit, scope)
    if unit is None or unit.kind != UnitKind.DISTRICT:
        raise ReportError(f"unknown scope {scope!r}: use 'city' or a district's id")
    return unit.name_zh


def check_month(month: str, settings: Settings | None = None) -> ev.Period:
    try:
        period = ev.parse_period(month, ev.tz_of(settings))
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    if period.kind != "month":
        raise ReportError(f"a monthly report needs a month such as 2026-10, not {month!r}")
    return period


def _district(scope: str) -> str | None:
    return None if scope == ev.CITY else scope


def live_rows(session: Session, period: ev.Period, scope: str, settings: Settings | None, *,
              decided_before: datetime | None = None) -> list[ev.Ranked]:
    """Every correction so far applied (decided_before None): the stored figures (core.reports.stored)."""
    if decided_before is None:
        figures = month_figures(session, period, scope, settings)
    else:
        figures = ev.compute_unit_figures(session, period.start, period.end, district_id=_district(scope),
                                          decided_before=decided_before)
    return ev.rank_units(figures, weights=ev.rate_weights(settings), minimum=ev.min_sample(settings))


def monthly_report(session: Session, month: str, scope: str = ev.CITY, settings: Settings | None = None, *,
                   trend_months: int = TREND_MONTHS, live_trend: bool = True) -> MonthlyReport:
    """The frozen report when the month is frozen, else the live (provisional) one."""
    period = check_month(month, settings)
    scope_name = check_scope(session, scope)
    run = find_run(session, period.key, scope)
    if run is not None:
        rows, data, parameters = frozen_rows(session, run), run.totals, run.parameters
    else:
        rows, data = live_rows(session, period, scope, settings), month_snapshot(session, period, scope, settings)
        parameters = parameters_of(settings)
    report = MonthlyReport(
        period=period, scope=scope, scope_name=scope_name, frozen=run is not None,
        frozen_at=run.frozen_at if run else None,
        definitions_version=run.definitions_version if run else ev.DEFINITIONS_VERSION,
        parameters=parameters, rows=rows, totals=ev.add_up(r.figures for r in rows), received=data["received"],
        hot_categories=[(c, n) for c, n in data["hot_categories"]],
        hot_streets=[(s, name, n) for s, name, n in data["hot_streets"]],
        map_points=[(a, b, n) for a, b, n in data["map"]],
        failures=[Failure(**f) for f in data["failures"]],
    )
    report.corrections = month_corrections(session, period, scope, run.frozen_at if run else None)
    report.trend = trend(session, period.key, scope, settings, months=trend_months, live=live_trend,
                         current=report.totals)
    return report


def trend(session: Session, month: str, scope: str, settings: Settings | None, *, months: int = TREND_MONTHS,
          live: bool = True, current: ev.UnitFigures | None = None) -> list[TrendPoint]:
    """Scope totals for `months` months ending with `month`: frozen runs, else live figures if `live`."""
    keys = ev.months_ending(month, months)
    runs = {r.period: r for r in session.exec(
        select(EvaluationRun).where(col(EvaluationRun.period).in_(keys), EvaluationRun.scope == scope))}
    totals = _frozen_totals(session, [r.id for r in runs.values()])
    points = []
    tz = ev.tz_of(settings)
    for key in keys:
        run = runs.get(key)
        if run is not None:
            points.append(TrendPoint(key, True, totals.get(run.id, ev.UnitFigures(unit_id=scope))))
        elif key == month and current is not None:
            points.append(TrendPoint(key, False, current))
        elif live:
            period = ev.parse_period(key, tz)
            points.append(TrendPoint(key, False, ev.add_up(month_figures(session, period, scope, settings))))
        else:
            points.append(TrendPoint(key, False, None))
    return points


def _frozen_totals(session: Session, run_ids: list[int]) -> dict[int, ev.UnitFigures]:
    """Each frozen run's scope totals, added up from its stored unit rows."""
    if not run_ids:
        return {}
    by_run: dict[int, list[ev.UnitFigures]] = {}
    for r in session.exec(select(UnitResult).where(col(UnitResult.run_id).in_(run_ids))):
        by_run.setdefault(r.run_id, []).append(figures_of(r))
    return {run_id: ev.add_up(figs) for run_id, figs in by_run.items()}
