"""One unit's figures for one period (UnitFigures) and the arithmetic on them: rates, platform score, totals.

Pure: no database here (counting.py fills UnitFigures from the audit log). Rates are exact Fractions;
a rate whose denominator is zero is None ("—"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from core.evaluation.units import CITY

RATES = ("response", "resolution", "satisfaction", "on_time")  # the rates a platform score weighs
COUNT_FIELDS = ("dispatched", "accepted_on_time", "response_failures", "closed", "resolved", "rated", "satisfied",
                "closed_on_time", "bounce_requests", "bounces_denied", "bounces_approved", "escalations",
                "extension_requests", "extensions_approved", "extensions_denied", "street_scores",
                "street_score_total", "sample")


def ratio(numerator: int | Fraction, denominator: int | Fraction) -> Fraction | None:
    return Fraction(numerator) / Fraction(denominator) if denominator else None


@dataclass
class UnitFigures:
    """One unit's counts in one period; every rate is derived from these integers."""

    unit_id: str
    unit_name: str = ""
    unit_kind: str = ""
    dispatched: int = 0
    accepted_on_time: int = 0
    response_failures: int = 0
    closed: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0  # satisfied or basically satisfied
    closed_on_time: int = 0
    bounce_requests: int = 0
    bounces_denied: int = 0
    bounces_approved: int = 0
    escalations: int = 0
    extension_requests: int = 0
    extensions_approved: int = 0
    extensions_denied: int = 0
    street_scores: int = 0
    street_score_total: int = 0
    sample: int = 0
    first_receiver_cases: list[str] = field(default_factory=list)  # tickets of the denied bounces

    @property
    def responses_due(self) -> int:
        return self.accepted_on_time + self.response_failures

    @property
    def response_rate(self) -> Fraction | None:
        return ratio(self.accepted_on_time, self.responses_due)

    @property
    def resolution_rate(self) -> Fraction | None:
        return ratio(self.resolved, self.closed)

    @property
    def closure_rate(self) -> Fraction | None:
        """办结率: closes in the period ÷ cases handed to the unit in the period (above 1 when a backlog clears)."""
        return ratio(self.closed, self.dispatched)

    @property
    def satisfaction_rate(self) -> Fraction | None:
        return ratio(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> Fraction | None:
        return ratio(self.closed_on_time, self.closed)

    @property
    def street_score(self) -> Fraction | None:
        return ratio(self.street_score_total, self.street_scores)

    def rates(self) -> dict[str, Fraction | None]:
        return {"response": self.response_rate, "resolution": self.resolution_rate,
                "satisfaction": self.satisfaction_rate, "on_time": self.on_time_rate}

    def platform_score(self, weights: dict[str, Fraction]) -> Fraction | None:
        return platform_score(self.rates(), weights)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}


def platform_score(rates: dict[str, Fraction | None], weights: dict[str, Fraction]) -> Fraction | None:
    """100 × Σ w·rate / Σ w over the defined rates with a positive weight; None when none is defined."""
    used = [(weights.get(k, Fraction(0)), r) for k, r in rates.items() if r is not None and weights.get(k)]
    total = sum((w for w, _ in used), Fraction(0))
    if not total:
        return None
    return 100 * sum((w * r for w, r in used), Fraction(0)) / total


def add_up(figures: Iterable[UnitFigures], unit_id: str = CITY) -> UnitFigures:
    """The scope's totals. `sample` is a sum of the units' samples (a case may count for two units)."""
    total = UnitFigures(unit_id=unit_id)
    for f in figures:
        for name in COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(f, name))
        total.first_receiver_cases.extend(f.first_receiver_cases)
    return total
