"""Ranking, flags, the platform score, the street scores and the year-end assessment (two-way evaluation)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from core import evaluation as ev
from tests.evaluation.conftest import configured

F = Fraction
WEIGHTS = ev.rate_weights()


def ranked(session, key: str = "2026-10", settings=None) -> list[ev.Ranked]:
    period = ev.parse_period(key)
    figures = ev.compute_unit_figures(session, period.start, period.end)
    return ev.rank_units(figures, weights=ev.rate_weights(settings), minimum=ev.min_sample(settings))


def table(rows: list[ev.Ranked]) -> list[tuple]:
    return [(r.group, r.rank, r.figures.unit_id, r.score, r.flags) for r in rows]


def test_units_rank_within_their_group_with_ties_broken_by_sample_then_id(october):
    assert table(ranked(october)) == [
        ("department", 1, "d-east-urban", 100, []),
        ("department", 2, "d-west-urban", 100, []),  # same score and sample: the unit id decides
        ("department", 3, "dept-housing", F(100, 3) * (1 + 1 + F(4, 5)), []),
        ("department", 4, "dept-ecology", F(100, 3) * (F(9, 11) + F(8, 9) + F(8, 9)), [ev.FIRST_RECEIVER]),
        ("department", 5, "dept-market", F(100, 2) * (0 + 1), []),  # satisfaction undefined: left out
        ("department", None, "dept-civil", F(100, 3), [ev.BELOW_MIN_SAMPLE]),  # sample 3 < 5
        ("department", None, "dept-traffic", None, [ev.NO_CASES]),
        ("street", 1, "s-east-1", 100, []),  # same score as s-west-1, larger sample (6)
        ("street", 2, "s-west-1", 100, []),
        ("street", None, "c-east-1", 100, [ev.BELOW_MIN_SAMPLE]),
    ]


def test_the_minimum_sample_and_the_weights_are_settings(october):
    rows = {r.figures.unit_id: r for r in ranked(october, settings=configured(
        evaluation_min_sample=2, evaluation_rate_weights="response=1,resolution=0,satisfaction=0,on_time=1"))}
    assert rows["c-east-1"].rank == 3 and rows["c-east-1"].flags == []  # sample 2 now counts
    assert rows["dept-civil"].rank is not None  # sample 3
    assert rows["dept-ecology"].score == F(100, 2) * (F(9, 11) + F(7, 9))
    assert rows["dept-market"].score == 0
    assert [r.figures.unit_id for r in ranked(october, settings=configured(evaluation_min_sample=2))
            if r.group == "department" and r.rank][-2:] == ["dept-market", "dept-civil"]


def test_equal_input_gives_equal_ranking_whatever_the_order(october):
    period = ev.parse_period("2026-10")
    figures = ev.compute_unit_figures(october, period.start, period.end)
    forward = table(ev.rank_units(figures, weights=WEIGHTS, minimum=5))
    backward = table(ev.rank_units(list(reversed(figures)), weights=WEIGHTS, minimum=5))
    assert forward == backward


@pytest.mark.parametrize("text", ["response=-1", "speed=1", "response=0,resolution=0,satisfaction=0,on_time=0"])
def test_bad_weights_are_refused_with_a_clear_message(text):
    with pytest.raises(ValueError, match="evaluation_rate_weights"):
        ev.rate_weights(configured(evaluation_rate_weights=text))


def test_platform_score_leaves_undefined_rates_out():
    rates = {"response": F(1, 2), "resolution": None, "satisfaction": F(1), "on_time": F(0)}
    assert ev.platform_score(rates, WEIGHTS) == 75
    assert ev.platform_score(dict.fromkeys(ev.RATES), WEIGHTS) is None


def test_year_end_assessment_weights_the_street_score_thirty_percent(october):
    assessed = {a.figures.unit_id: a for a in ev.year_end_assessment(october, 2026, configured())}
    housing = assessed["dept-housing"]
    assert housing.platform_score == F(280, 3)
    assert housing.street_score == F(305, 4)
    assert housing.weight == F(3, 10)
    assert housing.score == F(7, 10) * F(280, 3) + F(3, 10) * F(305, 4) == F(2117, 24)
    # no street scored dept-ecology: its platform score alone
    ecology = assessed["dept-ecology"]
    assert ecology.street_score is None and ecology.score == ecology.platform_score


def test_the_street_weight_is_configurable(october):
    assessed = {a.figures.unit_id: a for a in ev.year_end_assessment(october, 2026,
                                                                     configured(street_score_weight=0.5))}
    assert assessed["dept-housing"].score == F(1, 2) * F(280, 3) + F(1, 2) * F(305, 4)
    with pytest.raises(ValueError, match="street_score_weight"):
        ev.street_score_weight(configured(street_score_weight=1.5))


def test_combine_handles_missing_sides():
    w = F(3, 10)
    assert ev.combine(None, None, w) is None
    assert ev.combine(F(90), None, w) == 90
    assert ev.combine(None, F(80), w) == 80
    assert ev.combine(F(100), F(0), w) == 70
