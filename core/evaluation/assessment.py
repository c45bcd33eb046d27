"""The two-way (双向) assessment: a unit's platform score combined with the whistling streets' scores.

The year-end assessment is this over a year; the streets' weight is a setting (Settings.street_score_weight,
Qiqihar: 30%).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from sqlmodel import Session

from core.config import Settings, defaults
from core.evaluation.counting import compute_unit_figures
from core.evaluation.figures import UnitFigures
from core.evaluation.periods import tz_of, year_period
from core.evaluation.ranking import rate_weights


def street_score_weight(settings: Settings | None = None) -> Fraction:
    weight = Fraction(str((settings or defaults()).street_score_weight))
    if not 0 <= weight <= 1:
        raise ValueError("street_score_weight must be between 0 and 1")
    return weight


@dataclass
class Assessment:
    figures: UnitFigures
    platform_score: Fraction | None
    street_score: Fraction | None
    weight: Fraction
    score: Fraction | None


def combine(platform: Fraction | None, street: Fraction | None, weight: Fraction) -> Fraction | None:
    """(1 − w) × platform + w × street; the platform score alone when no street scored the unit."""
    if street is None:
        return platform
    if platform is None:
        return street
    return (1 - weight) * platform + weight * street


def assess(figures: Iterable[UnitFigures], settings: Settings | None = None) -> list[Assessment]:
    """The two-way assessment of each unit over the figures' period (the year for the year-end assessment)."""
    weights, weight = rate_weights(settings), street_score_weight(settings)
    result = []
    for f in figures:
        platform = f.platform_score(weights)
        result.append(Assessment(f, platform, f.street_score, weight, combine(platform, f.street_score, weight)))
    return result


def year_end_assessment(session: Session, year: int, settings: Settings | None = None, *,
                        district_id: str | None = None) -> list[Assessment]:
    period = year_period(year, tz_of(settings))
    return assess(compute_unit_figures(session, period.start, period.end, district_id=district_id), settings)
