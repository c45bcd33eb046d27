"""Freezing a month: stored once per month and scope, re-runs replace it with the same figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from activities.evaluation import freeze
from core import evaluation as ev
from core import reports
from core.models.evaluation import EvaluationRun, UnitResult
from tests.evaluation.month import AuditLog, Close, local

VOLATILE = {"id", "run_id"}


def frozen(session, month: str = "2026-10", scope: str = "city") -> tuple[EvaluationRun, list[dict]]:
    session.expire_all()
    run = reports.find_run(session, month, scope)
    rows = session.exec(select(UnitResult).where(UnitResult.run_id == run.id).order_by(UnitResult.unit_id)).all()
    return run, [{k: v for k, v in r.model_dump().items() if k not in VOLATILE} for r in rows]


def test_freezing_stores_every_unit_with_rank_flags_and_the_exact_counts(october, settings):
    summary = freeze(october, "2026-10", "city", settings, datetime(2026, 11, 1, 2, tzinfo=UTC))

    assert (summary.units, summary.ranked, summary.runs) == (10, 7, 1)
    assert summary.first_receiver_units == ["dept-ecology"]
    run, rows = frozen(october)
    assert (run.period, run.scope, run.definitions_version) == ("2026-10", "city", ev.DEFINITIONS_VERSION)
    assert (run.period_start, run.period_end) == (ev.parse_period("2026-10").start, ev.parse_period("2026-10").end)
    assert run.parameters == {"rate_weights": {"response": "1", "resolution": "1", "satisfaction": "1",
                                               "on_time": "0"},
                              "min_sample": 5, "street_score_weight": "0.3", "timezone": "Asia/Shanghai"}
    ecology = next(r for r in rows if r["unit_id"] == "dept-ecology")
    assert {k: ecology[k] for k in ("dispatched", "accepted_on_time", "response_failures", "closed", "resolved",
                                    "rated", "satisfied", "closed_on_time", "bounces_denied", "rank", "group")} == \
        {"dispatched": 11, "accepted_on_time": 9, "response_failures": 2, "closed": 9, "resolved": 8, "rated": 9,
         "satisfied": 8, "closed_on_time": 7, "bounces_denied": 1, "rank": 4, "group": "department"}
    assert ecology["flags"] == [ev.FIRST_RECEIVER] and ecology["first_receiver_cases"] == ["c9"]
    assert ecology["response_rate"] == pytest.approx(9 / 11)
    assert run.totals["received"] == 49
    assert run.totals["failures"] == [{"unit_id": "dept-ecology", "unit_name": "市生态环境局", "ticket_id": "c9",
                                       "item_name": "事项ecology"}]


def test_a_re_run_of_a_past_month_gives_the_same_figures(october, settings):
    first = freeze(october, "2026-10", "city", settings)
    _, before = frozen(october)
    # later activity in other months changes nothing in October
    log = AuditLog(october)
    log.case("n1", "dept-ecology", 3, month=11, close=Close(rating="dissatisfied", on_time=False))
    october.commit()
    second = freeze(october, "2026-10", "city", settings)
    run, after = frozen(october)

    assert second.digest == first.digest and second.run_id == first.run_id and run.runs == 2
    assert after == before
    assert len(october.exec(select(EvaluationRun)).all()) == 1


def test_a_late_write_into_the_month_changes_the_digest(october, settings):
    first = freeze(october, "2026-10", "city", settings)
    AuditLog(october).case("n2", "dept-market", 30, close=Close())
    october.commit()
    second = freeze(october, "2026-10", "city", settings)
    assert second.digest != first.digest
    _, rows = frozen(october)
    assert next(r for r in rows if r["unit_id"] == "dept-market")["accepted_on_time"] == 1


def test_scopes_are_frozen_separately(october, settings):
    freeze(october, "2026-10", "city", settings)
    east = freeze(october, "2026-10", "d-east", settings)
    assert east.units == 3 and east.first_receiver_units == []
    _, rows = frozen(october, scope="d-east")
    assert [r["unit_id"] for r in rows] == ["c-east-1", "d-east-urban", "s-east-1"]
    assert [(r["unit_id"], r["rank"]) for r in rows if r["group"] == "street"] == [("c-east-1", None),
                                                                                   ("s-east-1", 1)]
    run, _ = frozen(october, scope="d-east")
    assert run.totals["received"] == 32


def test_an_empty_month_freezes_with_no_rows(october, settings):
    summary = freeze(october, "2026-12", "city", settings)
    assert (summary.units, summary.ranked) == (0, 0)
    run, rows = frozen(october, "2026-12")
    assert rows == [] and run.totals["received"] == 0


@pytest.mark.parametrize(("month", "scope"), [("2026-13", "city"), ("2026-Q4", "city"), ("2026-10", "s-east-1"),
                                              ("2026-10", "nowhere")])
def test_bad_month_or_scope_is_refused(october, settings, month, scope):
    with pytest.raises(reports.ReportError):
        freeze(october, month, scope, settings)


def test_the_report_of_a_frozen_month_reads_the_frozen_rows(october, settings):
    freeze(october, "2026-10", "city", settings)
    AuditLog(october).case("n3", "dept-market", 29, close=Close(), lat=None)
    october.commit()
    report = reports.monthly_report(october, "2026-10", "city", settings)
    assert report.frozen and report.frozen_at is not None
    market = next(r for r in report.rows if r.figures.unit_id == "dept-market")
    assert market.figures.accepted_on_time == 0  # the frozen figure, not the late write
    live = reports.live_rows(october, ev.parse_period("2026-10"), "city", settings)
    assert next(r for r in live if r.figures.unit_id == "dept-market").figures.accepted_on_time == 1
    assert local(2026, 10, 29) < report.period.end
