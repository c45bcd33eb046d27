"""Reading frozen months: the stored evaluation runs and their unit rows, back as ranked figures.

Writing them is activities/evaluation.py (freeze); this module never writes.
"""

from __future__ import annotations

from fractions import Fraction

from sqlmodel import Session, col, select

from core import evaluation as ev
from core.models.evaluation import EvaluationRun, UnitResult


def weights_of(parameters: dict) -> dict[str, Fraction]:
    """The rate weights a run was frozen with."""
    return {k: Fraction(v) for k, v in parameters["rate_weights"].items()}


def find_run(session: Session, month: str, scope: str) -> EvaluationRun | None:
    return session.exec(select(EvaluationRun).where(EvaluationRun.period == month,
                                                    EvaluationRun.scope == scope)).first()


def figures_of(result: UnitResult) -> ev.UnitFigures:
    counts = {name: getattr(result, name) for name in ev.COUNT_FIELDS}
    return ev.UnitFigures(unit_id=result.unit_id, unit_name=result.unit_name, unit_kind=result.unit_kind,
                          first_receiver_cases=list(result.first_receiver_cases), **counts)


def frozen_rows(session: Session, run: EvaluationRun) -> list[ev.Ranked]:
    """The run's unit rows as stored (rank and flags as frozen), scored with the run's own weights."""
    weights, minimum = weights_of(run.parameters), int(run.parameters.get("min_sample", 0))
    ranked = []
    for r in session.exec(select(UnitResult).where(UnitResult.run_id == run.id)):
        figures = figures_of(r)
        ranked.append(ev.Ranked(figures, r.group, figures.platform_score(weights), r.rank, list(r.flags),
                                minimum=minimum))
    return _in_report_order(ranked)


def _in_report_order(rows: list[ev.Ranked]) -> list[ev.Ranked]:
    order = {g: i for i, g in enumerate(ev.GROUP_ORDER)}
    return sorted(rows, key=lambda r: (order.get(r.group, len(order)), r.rank is None, r.rank or 0,
                                       r.figures.unit_id))


def frozen_months(session: Session, scope: str | None = None, limit: int = 36) -> list[str]:
    stmt = select(EvaluationRun.period).distinct().order_by(col(EvaluationRun.period).desc()).limit(limit)
    if scope is not None:
        stmt = stmt.where(EvaluationRun.scope == scope)
    return list(session.exec(stmt).all())


def latest_frozen_month(session: Session, scope: str = ev.CITY) -> str | None:
    months = frozen_months(session, scope, limit=1)
    return months[0] if months else None
