"""Monthly evaluation activities: freeze a month's figures for a scope, and write its report files.

`freeze` recomputes everything from the audit log and replaces the scope's frozen rows in one
transaction, so a re-run of a past month leaves the same figures (and the same digest).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import evaluation as ev
from core import reports
from core.config import Settings
from core.files import private_dir, write_private
from core.models.evaluation import EvaluationRun, UnitResult

BAD_PERIOD = "BadPeriod"
FONT_MISSING = "ReportFontMissing"


@dataclass
class ListScopesInput:
    include_districts: bool = True


@dataclass
class FreezeMonthInput:
    month: str  # "2026-10"
    scope: str = ev.CITY  # "city" or a district's unit id
    frozen_at: datetime | None = None  # the workflow's time; now when None


@dataclass
class FrozenMonth:
    month: str
    scope: str
    run_id: int
    runs: int  # how many times this month and scope have been frozen
    units: int
    ranked: int
    first_receiver_units: list[str] = field(default_factory=list)
    digest: str = ""


@dataclass
class BuildReportInput:
    month: str
    scope: str = ev.CITY
    locale: str = "zh_Hans"


@dataclass
class BuiltReport:
    month: str
    scope: str
    files: list[str] = field(default_factory=list)


class EvaluationActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    @activity.defn
    def list_scopes(self, input: ListScopesInput) -> list[str]:
        """"city" and, when asked, every district: the scopes a scheduled run freezes."""
        with Session(self.engine) as session:
            return [ev.CITY, *([d for d, _ in ev.districts(session)] if input.include_districts else [])]

    @activity.defn
    def freeze_month(self, input: FreezeMonthInput) -> FrozenMonth:
        with Session(self.engine) as session:
            try:
                return freeze(session, input.month, input.scope, self.settings, input.frozen_at)
            except reports.ReportError as exc:
                raise ApplicationError(str(exc), type=BAD_PERIOD, non_retryable=True) from None

    @activity.defn
    def build_report(self, input: BuildReportInput) -> BuiltReport:
        """Writes reports/<month>/<scope>.csv|xlsx|pdf under the data directory, from the frozen figures."""
        with Session(self.engine) as session:
            try:
                report = reports.monthly_report(session, input.month, input.scope, self.settings, live_trend=False)
                outputs = {
                    "csv": reports.report_csv(report, input.locale),
                    "xlsx": reports.report_xlsx(report, input.locale),
                    "pdf": reports.report_pdf(report, input.locale, self.settings),
                }
            except reports.ReportError as exc:
                raise ApplicationError(str(exc), type=BAD_PERIOD, non_retryable=True) from None
            except reports.ReportFontMissing as exc:
                raise ApplicationError(str(exc), type=FONT_MISSING, non_retryable=True) from None
        folder = private_dir(report_dir(self.settings) / input.month)
        files = []
        for suffix, content in outputs.items():
            target = folder / f"{input.scope}.{suffix}"
            write_private(target, content)  # 0600, atomic: readers never see half a file
            files.append(str(target))
        return BuiltReport(input.month, input.scope, files)


def evaluation_activities(engine: Engine, settings: Settings) -> list:
    """The activities the worker registers for MonthlyEvaluationWorkflow."""
    acts = EvaluationActivities(engine, settings)
    return [acts.list_scopes, acts.freeze_month, acts.build_report]


def report_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "reports"


def freeze(session: Session, month: str, scope: str, settings: Settings, frozen_at: datetime | None = None
           ) -> FrozenMonth:
    """Compute the month for the scope from the audit log and store it, replacing any earlier run."""
    period = reports.check_month(month, settings)
    reports.check_scope(session, scope)
    now = frozen_at or datetime.now(UTC)  # also the cut-off: corrections decided before it count
    rows = reports.live_rows(session, period, scope, settings, decided_before=now)
    data = reports.snapshot(session, period, scope, now)
    parameters = reports.parameters_of(settings)
    results = [_result_fields(r) for r in rows]
    digest = _digest(results, data, parameters)
    run = reports.find_run(session, period.key, scope)
    if run is None:
        run = EvaluationRun(period=period.key, scope=scope, period_start=period.start, period_end=period.end,
                            frozen_at=now, definitions_version=ev.DEFINITIONS_VERSION)
        session.add(run)
    else:
        run.runs += 1
        run.frozen_at, run.definitions_version = now, ev.DEFINITIONS_VERSION
        session.exec(delete(UnitResult).where(UnitResult.run_id == run.id))
    run.parameters, run.totals, run.digest = parameters, data, digest
    session.flush()
    for fields in results:
        session.add(UnitResult(run_id=run.id, **fields))
    session.commit()
    return FrozenMonth(
        month=period.key, scope=scope, run_id=run.id, runs=run.runs, units=len(rows),
        ranked=sum(1 for r in rows if r.rank is not None),
        first_receiver_units=[r.figures.unit_id for r in rows if ev.FIRST_RECEIVER in r.flags],
        digest=digest,
    )


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _result_fields(row: ev.Ranked) -> dict:
    f = row.figures
    return {
        "unit_id": f.unit_id, "unit_name": f.unit_name, "unit_kind": f.unit_kind, "group": row.group,
        **f.counts(),
        "response_rate": _float(f.response_rate), "resolution_rate": _float(f.resolution_rate),
        "satisfaction_rate": _float(f.satisfaction_rate), "on_time_rate": _float(f.on_time_rate),
        "street_score": _float(f.street_score), "platform_score": _float(row.score),
        "rank": row.rank, "flags": list(row.flags), "first_receiver_cases": list(f.first_receiver_cases),
    }


def _digest(results: list[dict], data: dict, parameters: dict) -> str:
    exact = [{k: v for k, v in r.items() if not isinstance(v, float)} for r in results]
    text = json.dumps({"version": ev.DEFINITIONS_VERSION, "parameters": parameters, "units": exact, "totals": data},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
