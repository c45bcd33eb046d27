"""Display of exact figures: half-up rounding of Fractions, percentages, scores, parameter text.

Pure; "—" stands for an undefined value (a zero denominator), never 0.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

UNDEFINED = "—"


def decimal(value: Fraction | None, places: int = 2) -> Decimal | None:
    """Exact rounding half up (away from zero) of a Fraction, for display and exports."""
    if value is None:
        return None
    scaled = abs(Fraction(value)) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    return Decimal(whole if value >= 0 else -whole).scaleb(-places)


def fraction_text(value: Fraction) -> str:
    """Exact text of a parameter: "0.3" when a finite decimal, else "1/3"; Fraction(text) gives it back."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return format(exact.normalize(), "f") if Fraction(exact) == value else f"{value.numerator}/{value.denominator}"


def percent(value: Fraction | None, places: int = 2) -> str:
    return UNDEFINED if value is None else f"{decimal(value * 100, places)}%"


def score_text(value: Fraction | None, places: int = 2) -> str:
    return UNDEFINED if value is None else str(decimal(value, places))
