"""The figures of the generated October 2026 (tests/evaluation/month.py), worked out by hand in advance."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from core import evaluation as ev
from core.models.tickets import Ticket
from tests.evaluation.month import AuditLog, Close, local

F = Fraction
OCTOBER = ev.parse_period("2026-10")


def figures(session, key: str = "2026-10", **kwargs) -> dict[str, ev.UnitFigures]:
    period = ev.parse_period(key)
    return {f.unit_id: f for f in ev.compute_unit_figures(session, period.start, period.end, **kwargs)}


def test_a_normal_department_in_detail(october):
    f = figures(october)["dept-ecology"]

    # c1-c10 dispatched, x1 moved in by an approved bounce
    assert f.dispatched == 11
    # on time: c1-c7, c9, x1; failures: c8 (overdue, its late accept not judged again), c10 (late, no overdue)
    assert (f.accepted_on_time, f.response_failures, f.responses_due) == (9, 2, 11)
    assert f.response_rate == F(9, 11)
    # closed c1-c9; c8 explained; c9 reopened once and counted once
    assert (f.closed, f.resolved) == (9, 8)
    assert f.resolution_rate == F(8, 9)
    # rated: all nine, c8 by the default "satisfied"; content: c1-c6, c7 (basically), c8; c9 dissatisfied
    assert (f.rated, f.satisfied) == (9, 8)
    assert f.satisfaction_rate == F(8, 9)
    assert f.closed_on_time == 7 and f.on_time_rate == F(7, 9)
    assert (f.bounce_requests, f.bounces_denied, f.bounces_approved) == (1, 1, 0)
    assert f.first_receiver_cases == ["c9"]
    assert f.escalations == 2
    assert (f.extension_requests, f.extensions_approved, f.extensions_denied) == (1, 1, 0)
    assert f.sample == 11
    assert (f.street_scores, f.street_score) == (0, None)


def test_all_late_gives_zero_not_none_and_an_empty_default_rating_leaves_cases_unrated(october):
    f = figures(october)["dept-market"]

    # m1-m6 overdue then accepted late; x2 overdue then reassigned away: seven failures, none on time
    assert (f.dispatched, f.accepted_on_time, f.response_failures) == (7, 0, 7)
    assert f.response_rate == 0 and f.response_rate is not None
    assert (f.closed, f.resolved, f.closed_on_time) == (6, 6, 0)
    assert f.on_time_rate == 0
    assert f.rated == 0 and f.satisfaction_rate is None


def test_a_late_accept_after_a_hand_over_is_judged_but_not_after_its_own_overdue(october):
    f = figures(october)["dept-civil"]

    # x2 moved in and accepted late (judged), x3 overdue then late (judged once), x4 on time
    assert (f.dispatched, f.accepted_on_time, f.response_failures) == (3, 1, 2)
    assert f.response_rate == F(1, 3)
    assert f.closed == 0 and f.resolution_rate is None and f.satisfaction_rate is None and f.on_time_rate is None


def test_reopened_whistles_count_once_with_their_final_rating_and_street_score(october):
    f = figures(october)["dept-housing"]

    assert (f.dispatched, f.accepted_on_time, f.response_failures) == (6, 5, 0)
    assert (f.bounce_requests, f.bounces_approved, f.bounces_denied) == (1, 1, 0)
    assert (f.closed, f.resolved, f.rated, f.satisfied, f.closed_on_time) == (5, 5, 5, 4, 4)
    # final scores 90, 80, 85 (h3, not its first 40), 50 (h4, not 30); h5 rated without a score
    assert (f.street_scores, f.street_score_total) == (4, 305)
    assert f.street_score == F(305, 4) == F("76.25")
    assert f.first_receiver_cases == []


def test_a_unit_with_events_but_no_judged_case_has_no_rates(october):
    f = figures(october)["dept-traffic"]

    # e2 dispatched 2026-10-31 23:30 Shanghai (15:30 UTC); e1's escalation; e1's dispatch was in September
    assert (f.dispatched, f.escalations, f.sample) == (1, 1, 0)
    assert f.rates() == {"response": None, "resolution": None, "satisfaction": None, "on_time": None}
    assert f.platform_score(ev.rate_weights()) is None


def test_period_boundaries_are_local_midnights_in_shanghai(october):
    assert figures(october, "2026-09")["dept-traffic"].dispatched == 1  # 2026-09-30 23:59:59 local
    november = figures(october, "2026-11")
    assert set(november) == {"dept-traffic"}
    # e2 accepted at 2026-11-01 00:00 local = 2026-10-31 16:00 UTC: November's response
    assert (november["dept-traffic"].accepted_on_time, november["dept-traffic"].dispatched) == (1, 0)
    assert november["dept-traffic"].response_rate == 1


def test_an_event_at_2330_on_the_last_evening_belongs_to_that_month(session):
    from tests.utils.catalog import seed_small_catalog

    seed_small_catalog(session)
    log = AuditLog(session)
    log.ticket("late", local(2026, 10, 31, 22, 0))
    log.dispatch("late", "dept-market", datetime(2026, 10, 31, 15, 30, tzinfo=UTC))
    log.accept("late", "dept-market", "on_time", datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC))
    log.close("late", "dept-market", Close())  # one minute after the accept: 00:00:59 on 1 November
    session.commit()
    closed_at = session.get(Ticket, "late").closed_at
    assert closed_at > datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # the close itself lands in November

    october, november = figures(session)["dept-market"], figures(session, "2026-11")["dept-market"]
    assert (october.dispatched, october.accepted_on_time, october.closed) == (1, 1, 0)
    assert (november.dispatched, november.accepted_on_time, november.closed, november.resolved) == (0, 0, 1, 1)


def test_every_unit_in_the_city_and_the_scope_totals(october):
    city = figures(october)
    assert sorted(city) == ["c-east-1", "d-east-urban", "d-west-urban", "dept-civil", "dept-ecology", "dept-housing",
                            "dept-market", "dept-traffic", "s-east-1", "s-west-1"]
    for unit in ("d-east-urban", "d-west-urban", "s-west-1"):
        perfect = {**dict.fromkeys(ev.COUNT_FIELDS, 0), **dict.fromkeys(
            ("dispatched", "accepted_on_time", "closed", "resolved", "rated", "satisfied", "closed_on_time", "sample"),
            5)}
        assert city[unit].counts() == perfect
    total = ev.add_up(city.values())
    assert total.dispatched == 11 + 7 + 3 + 6 + 5 + 5 + 6 + 5 + 2 + 1
    assert (total.accepted_on_time, total.response_failures) == (9 + 1 + 5 + 5 + 5 + 6 + 5 + 2, 2 + 7 + 2)
    assert total.response_rate == F(38, 49)
    assert (total.closed, total.resolved, total.rated, total.satisfied, total.closed_on_time) == \
        (9 + 6 + 5 + 5 + 5 + 6 + 5 + 2, 8 + 6 + 5 + 5 + 5 + 6 + 5 + 2, 9 + 0 + 5 + 5 + 5 + 6 + 5 + 2,
         8 + 4 + 5 + 5 + 6 + 5 + 2, 7 + 0 + 4 + 5 + 5 + 6 + 5 + 2)
    assert total.first_receiver_cases == ["c9"]


def test_a_district_scope_holds_the_units_under_that_district_only(october):
    east = figures(october, district_id="d-east")
    assert sorted(east) == ["c-east-1", "d-east-urban", "s-east-1"]
    assert east["s-east-1"].counts() == figures(october)["s-east-1"].counts()
    assert figures(october, district_id="d-west").keys() == {"d-west-urban", "s-west-1"}


def test_a_month_without_cases_has_no_figures_and_no_rates(october):
    assert figures(october, "2026-12") == {}
    empty = ev.add_up([])
    assert empty.rates() == {"response": None, "resolution": None, "satisfaction": None, "on_time": None}
    assert ev.percent(empty.response_rate) == "—" and ev.score_text(empty.street_score) == "—"


def test_quarter_and_year_add_up_the_months(october):
    months = [figures(october, m) for m in ("2026-10", "2026-11", "2026-12")]
    quarter = figures(october, "2026-Q4")
    for unit, f in quarter.items():
        for name in ev.COUNT_FIELDS:
            if name != "sample":  # distinct cases: a case judged in two months counts once in the quarter
                assert getattr(f, name) == sum(getattr(m[unit], name) for m in months if unit in m), (unit, name)
    assert quarter["dept-traffic"].sample == 1 and quarter["dept-traffic"].response_rate == 1
    year = figures(october, "2026")
    assert year["dept-traffic"].dispatched == 2  # September's e1 and October's e2
    assert year["dept-ecology"].counts() == quarter["dept-ecology"].counts()


def test_rates_are_exact_and_displayed_rounded_half_up(october):
    f = figures(october)["dept-ecology"]
    assert ev.percent(f.response_rate) == "81.82%"  # 9/11 = 81.8181...
    assert ev.percent(F(1, 8)) == "12.50%" and ev.percent(F(1, 800)) == "0.13%"  # 0.125 rounds up
    assert ev.decimal(F(305, 4)) == Decimal("76.25")
    assert ev.percent(F(0)) == "0.00%"
