"""Corrections of the figures in the counting: approved exclusions leave every figure, upheld appeals take back
a rating or a criticism, and only decisions made before the cut-off count (tests/evaluation/month.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from activities.evaluation import freeze
from core import evaluation as ev
from core import reports
from core.evaluation.corrections import CorrectionKind, Decision
from core.models.corrections import FigureCorrection
from tests.evaluation.month import AuditLog, Close
from tests.evaluation.test_freeze import frozen
from tests.evaluation.test_reports import pdf_text

OCTOBER = ev.parse_period("2026-10")
DECIDED = datetime(2026, 11, 3, 8, tzinfo=UTC)


def correction(session, ticket_id: str, kind: CorrectionKind = CorrectionKind.EXCLUSION, *, unit_id: str | None = None,
               decision: Decision = Decision.APPROVED, decided_at: datetime | None = DECIDED) -> FigureCorrection:
    row = FigureCorrection(ticket_id=ticket_id, kind=kind, unit_id=unit_id, text="事实",
                           reason_code="untrue" if kind == CorrectionKind.EXCLUSION else "",
                           proposed_by="east-supervisor", proposed_by_name="张督办",
                           proposed_at=datetime(2026, 11, 2, tzinfo=UTC), decision=decision,
                           decided_by="" if decision == Decision.PENDING else "supervisor",
                           decided_by_name="" if decision == Decision.PENDING else "李主任",
                           decided_at=decided_at if decision != Decision.PENDING else None,
                           decision_reason="" if decision == Decision.PENDING else "属实")
    session.add(row)
    session.commit()
    return row


def figures(session, **kwargs) -> dict[str, ev.UnitFigures]:
    return {f.unit_id: f for f in ev.compute_unit_figures(session, OCTOBER.start, OCTOBER.end, **kwargs)}


def everything(session, **kwargs) -> dict[str, dict]:
    return {u: {**f.counts(), "first_receiver_cases": f.first_receiver_cases}
            for u, f in figures(session, **kwargs).items()}


def test_an_approved_exclusion_removes_the_case_from_every_figure_of_every_unit(october):
    before = everything(october)
    correction(october, "c9")  # bounce denied, extension, reopened, dissatisfied: in almost every count
    correction(october, "x1")  # dispatched to dept-housing, bounced, moved in to dept-ecology

    after = everything(october)
    ecology = after["dept-ecology"]
    assert {k: ecology[k] for k in ("dispatched", "accepted_on_time", "response_failures", "closed", "resolved",
                                    "rated", "satisfied", "closed_on_time", "sample")} == \
        {"dispatched": 9, "accepted_on_time": 7, "response_failures": 2, "closed": 8, "resolved": 7, "rated": 8,
         "satisfied": 8, "closed_on_time": 7, "sample": 9}
    assert (ecology["bounce_requests"], ecology["bounces_denied"], ecology["extension_requests"],
            ecology["extensions_approved"], ecology["first_receiver_cases"]) == (0, 0, 0, 0, [])
    housing = after["dept-housing"]
    assert (housing["dispatched"], housing["bounce_requests"], housing["bounces_approved"]) == (5, 0, 0)
    for unit in set(before) - {"dept-ecology", "dept-housing"}:
        assert after[unit] == before[unit], unit
    data = reports.snapshot(october, OCTOBER, "city")
    assert data["received"] == 49 - 2 and data["failures"] == []


def test_a_pending_or_rejected_exclusion_changes_nothing(october):
    before = everything(october)
    correction(october, "c9", decision=Decision.PENDING)
    correction(october, "x1", decision=Decision.REJECTED)

    assert everything(october) == before


def test_only_decisions_made_before_the_cut_off_count(october):
    before = everything(october)
    correction(october, "c9")

    assert everything(october, decided_before=DECIDED) == before
    assert everything(october, decided_before=DECIDED + timedelta(seconds=1))["dept-ecology"]["dispatched"] == 10
    assert everything(october)["dept-ecology"]["dispatched"] == 10  # live pages: every decision so far


def test_an_upheld_rating_appeal_makes_the_case_unrated_for_that_unit(october):
    before = figures(october)
    correction(october, "c9", CorrectionKind.RATING_APPEAL, unit_id="dept-ecology", decision=Decision.UPHELD)
    correction(october, "h1", CorrectionKind.RATING_APPEAL, unit_id="dept-housing", decision=Decision.UPHELD)
    correction(october, "c1", CorrectionKind.RATING_APPEAL, unit_id="dept-market", decision=Decision.UPHELD)
    correction(october, "c7", CorrectionKind.RATING_APPEAL, unit_id="dept-ecology", decision=Decision.REJECTED)

    after = figures(october)
    # c9 (dissatisfied) leaves the denominator; c1's appeal came from another unit; c7's was rejected
    ecology = after["dept-ecology"]
    assert (ecology.rated, ecology.satisfied, ecology.satisfaction_rate) == (8, 8, 1)
    assert (ecology.closed, ecology.resolved) == (before["dept-ecology"].closed, before["dept-ecology"].resolved)
    # h1: satisfied with the street's score 90, now neither rated nor scored
    housing = after["dept-housing"]
    assert (housing.rated, housing.satisfied, housing.street_scores, housing.street_score_total) == \
        (4, 3, 3, 305 - 90)


def test_an_upheld_criticism_appeal_removes_the_first_receiver_failure(october, settings):
    correction(october, "c9", CorrectionKind.CRITICISM_APPEAL, unit_id="dept-ecology", decision=Decision.UPHELD)

    ecology = figures(october)["dept-ecology"]
    assert (ecology.bounce_requests, ecology.bounces_denied, ecology.first_receiver_cases) == (1, 0, [])
    ranked = {r.figures.unit_id: r for r in reports.live_rows(october, OCTOBER, "city", settings)}
    assert ev.FIRST_RECEIVER not in ranked["dept-ecology"].flags
    assert reports.snapshot(october, OCTOBER, "city")["failures"] == []


def test_freezing_again_with_the_same_cut_off_gives_the_same_digest(october, settings):
    first_cut = datetime(2026, 11, 1, 2, tzinfo=UTC)
    first = freeze(october, "2026-10", "city", settings, first_cut)
    correction(october, "c9", CorrectionKind.CRITICISM_APPEAL, unit_id="dept-ecology", decision=Decision.UPHELD)

    again = freeze(october, "2026-10", "city", settings, first_cut)
    assert again.digest == first.digest and again.first_receiver_units == ["dept-ecology"]

    later = freeze(october, "2026-10", "city", settings, DECIDED + timedelta(days=1))
    assert later.digest != first.digest and later.first_receiver_units == []
    _, rows = frozen(october)
    assert next(r for r in rows if r["unit_id"] == "dept-ecology")["bounces_denied"] == 0
    assert freeze(october, "2026-10", "city", settings, DECIDED + timedelta(days=1)).digest == later.digest


def test_the_monthly_report_lists_the_month_s_corrections_with_both_names(october, settings):
    AuditLog(october).case("n1", "dept-ecology", 3, month=11, close=Close())
    october.commit()
    correction(october, "c9")
    correction(october, "h4", CorrectionKind.RATING_APPEAL, unit_id="dept-housing", decision=Decision.REJECTED)
    correction(october, "n1")  # a November case: not in October's report

    report = reports.monthly_report(october, "2026-10", "city", settings)
    assert [(c.kind, c.ticket_id, c.proposed_by_name, c.decided_by_name, c.decision) for c in report.corrections] == \
        [("exclusion", "c9", "张督办", "李主任", "approved"), ("rating_appeal", "h4", "张督办", "李主任", "rejected")]
    csv = reports.report_csv(report, "en").decode("utf-8")
    assert "Corrections of the figures" in csv and "c9" in csv and "李主任" in csv
    assert "李主任" in pdf_text(reports.report_pdf(report, "zh_Hans", settings))

    # frozen before the decisions: the frozen report shows them as they stood then
    freeze(october, "2026-10", "city", settings, datetime(2026, 11, 2, 12, tzinfo=UTC))
    report = reports.monthly_report(october, "2026-10", "city", settings)
    assert [(c.ticket_id, c.decision, c.decided_by_name) for c in report.corrections] == \
        [("c9", "pending", ""), ("h4", "pending", "")]
