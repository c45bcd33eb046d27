"""One ranking rule everywhere: the sample of a refused case, the "not ranked (n < minimum)" label the pages and
files share, and the month the pages open on (the latest with data, not the calendar's)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlmodel import Session

from activities.evaluation import freeze
from core import evaluation as ev
from core import reports
from tests.evaluation.conftest import configured
from tests.evaluation.month import AuditLog, Close, local
from tests.utils.catalog import seed_small_catalog

OCTOBER = ev.parse_period("2026-10")


def one_case_each(session: Session) -> AuditLog:
    """Three departments with one closed case each in October 2026: too few for a rank."""
    seed_small_catalog(session)
    log = AuditLog(session)
    for day, unit in enumerate(("dept-ecology", "dept-market", "dept-housing"), start=1):
        log.case(f"one-{unit}", unit, day, close=Close())
    session.commit()
    return log


def ranked(session: Session, minimum: int = 5) -> dict[str, ev.Ranked]:
    figures = ev.compute_unit_figures(session, OCTOBER.start, OCTOBER.end)
    return {r.figures.unit_id: r for r in ev.rank_units(figures, weights=ev.rate_weights(), minimum=minimum)}


def test_a_case_whose_bounce_was_denied_is_in_the_units_sample(session):
    """The unit was handed the case and had to handle it: a first-receiver failure is never "no cases"."""
    seed_small_catalog(session)
    log = AuditLog(session)
    log.ticket("refused", local(2026, 10, 3))
    log.dispatch("refused", "dept-market")
    log.event("refused", "bounce_requested", unit_id="dept-market", role="handler", stage_after="dispatched")
    log.event("refused", "bounce_denied", unit_id="dept-market", role="dispatcher", stage_after="dispatched")
    session.commit()
    market = ranked(session)["dept-market"]
    assert (market.figures.sample, market.figures.bounces_denied) == (1, 1)
    assert market.flags == [ev.FIRST_RECEIVER, ev.BELOW_MIN_SAMPLE] and market.rank is None


def test_units_under_the_minimum_sample_are_labelled_not_ranked(session):
    one_case_each(session)
    rows = ranked(session)
    assert [r.rank for r in rows.values()] == [None, None, None]
    assert {reports.rank_label(r, "en") for r in rows.values()} == {"not ranked (n < 5)"}
    assert reports.rank_label(ranked(session, minimum=7)["dept-market"], "en") == "not ranked (n < 7)"
    assert [reports.rank_label(r, "en") for r in ranked(session, minimum=1).values()] == ["1", "2", "3"]


def test_the_exports_show_the_pages_label_from_the_ranking(session, settings):
    one_case_each(session)
    report = reports.monthly_report(session, "2026-10", ev.CITY, settings)
    lines = list(csv.reader(io.StringIO(reports.report_csv(report, "en").decode("utf-8-sig"))))
    rank_column = lines[5].index("Rank")
    assert [line[rank_column] for line in lines[6:9]] == ["not ranked (n < 5)"] * 3
    assert [reports.cell(r, "rank", "en", numeric=True) for r in report.rows] == ["not ranked (n < 5)"] * 3


def test_a_frozen_month_keeps_the_minimum_it_was_ranked_with(session):
    one_case_each(session)
    freeze(session, "2026-10", ev.CITY, configured(evaluation_min_sample=4))
    later = reports.monthly_report(session, "2026-10", ev.CITY, configured(evaluation_min_sample=9))
    assert later.frozen and {reports.rank_label(r, "en") for r in later.rows} == {"not ranked (n < 4)"}


def test_the_latest_month_with_data_is_that_of_the_newest_counted_event(session):
    assert reports.latest_month_with_data(session) is None and reports.public_month(session) == (None, False)
    log = one_case_each(session)
    assert reports.latest_counted_month(session) == "2026-10"
    log.ticket("late", local(2026, 11, 30, 23, 30))  # 30 November in Shanghai, still November
    log.dispatch("late", "s-east-1", at=local(2026, 11, 30, 23, 30) + timedelta(minutes=5))
    log.event("late", "published", local(2027, 1, 2))  # not a counted event, no unit
    session.commit()
    assert reports.latest_month_with_data(session) == "2026-11"
    assert reports.latest_counted_month(session, "d-east") == "2026-11"  # s-east-1 is in the east district
    assert reports.latest_counted_month(session, "d-west") is None
    assert reports.public_month(session) == ("2026-11", False)  # nothing frozen yet: provisional


def test_public_pages_show_the_newest_frozen_month_once_there_is_one(session, settings):
    one_case_each(session)
    freeze(session, "2026-10", ev.CITY, settings)
    log = AuditLog(session)
    log.case("nov", "dept-market", 3, month=11)
    session.commit()
    assert reports.public_month(session) == ("2026-10", True)
    assert reports.latest_month_with_data(session) == "2026-11"  # staff pages open on the newer live month
