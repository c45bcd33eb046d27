"""Ranking units within their groups by platform score, with flags; the one ranking of the platform.

Every page and file shows `Ranked.rank` from rank_units (never a loop index): the monthly report ranks a
frozen or live month, the public board a rolling window (board_ranking). A unit under the minimum sample
is listed, not ranked. Weights and the minimum sample are settings (core.config.Settings), parsed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlmodel import Session

from core.config import Settings, defaults
from core.evaluation.counting import compute_unit_figures
from core.evaluation.figures import RATES, UnitFigures
from core.vocabulary import UnitKind

GROUPS = {UnitKind.DEPARTMENT: "department", UnitKind.STREET: "street", UnitKind.TOWNSHIP: "street",
          UnitKind.COMMUNITY: "street", UnitKind.DISTRICT: "district"}
OTHER = "other"  # the group of every other kind of unit
GROUP_ORDER = ("department", "street", "district", OTHER)
FIRST_RECEIVER = "first_receiver_failure"
BELOW_MIN_SAMPLE = "below_min_sample"
NO_CASES = "no_cases"
BOARD_WINDOW = timedelta(days=30)


def rate_weights(settings: Settings | None = None) -> dict[str, Fraction]:
    """`evaluation_rate_weights`, e.g. "response=1,resolution=1,satisfaction=1,on_time=0"."""
    text = (settings or defaults()).evaluation_rate_weights
    weights = dict.fromkeys(RATES, Fraction(0))
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in weights:
            raise ValueError(f"evaluation_rate_weights: unknown rate {key!r} (use {', '.join(RATES)})")
        weight = Fraction(value.strip())
        if weight < 0:
            raise ValueError(f"evaluation_rate_weights: {key} must not be negative")
        weights[key] = weight
    if not any(weights.values()):
        raise ValueError("evaluation_rate_weights: at least one weight must be positive")
    return weights


def min_sample(settings: Settings | None = None) -> int:
    return int((settings or defaults()).evaluation_min_sample)


@dataclass
class Ranked:
    figures: UnitFigures
    group: str
    score: Fraction | None
    rank: int | None = None  # 1-based within the group; None: listed, not ranked
    flags: list[str] = field(default_factory=list)
    minimum: int = 0  # the minimum sample this ranking used, for the "not ranked (n < minimum)" label

    @property
    def below_minimum(self) -> bool:
        """Unranked for want of cases (rather than for want of a score)."""
        return self.rank is None and self.figures.sample < self.minimum


def _flags(f: UnitFigures, minimum: int) -> list[str]:
    flags = [FIRST_RECEIVER] if f.bounces_denied else []
    if f.sample == 0:
        flags.append(NO_CASES)
    elif f.sample < minimum:
        flags.append(BELOW_MIN_SAMPLE)
    return flags


def rank_units(figures: Iterable[UnitFigures], *, weights: dict[str, Fraction], minimum: int) -> list[Ranked]:
    """Ranked within groups, then the unranked; the order is total, so equal inputs give equal output."""
    by_group: dict[str, list[Ranked]] = defaultdict(list)
    for f in figures:
        row = Ranked(f, GROUPS.get(f.unit_kind, OTHER), f.platform_score(weights), flags=_flags(f, minimum),
                     minimum=minimum)
        by_group[row.group].append(row)
    ordered: list[Ranked] = []
    for group in GROUP_ORDER:
        members = by_group.get(group, [])
        rankable = [r for r in members if r.score is not None and r.figures.sample >= minimum]
        rankable.sort(key=lambda r: (-r.score, -r.figures.sample, r.figures.unit_id))
        for position, row in enumerate(rankable, start=1):
            row.rank = position
        rest = sorted((r for r in members if r.rank is None), key=lambda r: r.figures.unit_id)
        ordered.extend(rankable + rest)
    return ordered


def board_ranking(session: Session, settings: Settings | None = None, now: datetime | None = None
                  ) -> list[Ranked]:
    """The public board's ranking: every unit with a counted event in the last 30 days, [now − 30 days, now).

    A rolling window rather than the current month, so the board does not empty on the 1st. Same figures,
    weights, minimum sample, groups and flags as the monthly ranking; live (not frozen), city-wide.
    """
    figures = board_figures(session, now)
    return rank_units(figures, weights=rate_weights(settings), minimum=min_sample(settings))


def board_figures(session: Session, now: datetime | None = None) -> list[UnitFigures]:
    """The board's figures: every unit with a counted event in [now − 30 days, now)."""
    end = now or datetime.now(UTC)
    return compute_unit_figures(session, end - BOARD_WINDOW, end)
