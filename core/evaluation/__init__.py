"""Evaluation (评): every unit's figures for a period, computed from the audit log only, with exact definitions.

One job per module: definitions (the 口径, data in definitions.toml), periods, units, figures (UnitFigures
and its arithmetic), counting (the audit-log queries), ranking (groups, flags, the board), assessment
(two-way), formatting. Callers keep `from core import evaluation as ev` and `ev.<name>`.
"""

from core.evaluation.assessment import Assessment, assess, combine, street_score_weight, year_end_assessment
from core.evaluation.counting import (
    ACTION_FIELD,
    COUNTED,
    IN_CHUNK,
    JUDGED,
    MOVES,
    SATISFIED,
    compute_unit_figures,
)
from core.evaluation.definitions import (
    DEFINITION_BY_KEY,
    DEFINITIONS,
    DEFINITIONS_VERSION,
    Definition,
    definitions_markdown,
    load_definitions,
)
from core.evaluation.figures import COUNT_FIELDS, RATES, UnitFigures, add_up, platform_score, ratio
from core.evaluation.formatting import UNDEFINED, decimal, fraction_text, percent, score_text
from core.evaluation.periods import (
    Period,
    month_key,
    month_period,
    months_ending,
    parse_period,
    previous_month_key,
    quarter_period,
    shift_month,
    tz_of,
    year_period,
)
from core.evaluation.ranking import (
    BELOW_MIN_SAMPLE,
    BOARD_WINDOW,
    FIRST_RECEIVER,
    GROUP_ORDER,
    GROUPS,
    NO_CASES,
    OTHER,
    Ranked,
    board_figures,
    board_ranking,
    min_sample,
    rank_units,
    rate_weights,
)
from core.evaluation.units import CITY, districts, unit_table, units_under

__all__ = [
    "ACTION_FIELD", "BELOW_MIN_SAMPLE", "BOARD_WINDOW", "CITY", "COUNTED", "COUNT_FIELDS", "DEFINITIONS",
    "DEFINITIONS_VERSION", "DEFINITION_BY_KEY", "FIRST_RECEIVER", "GROUPS", "GROUP_ORDER", "IN_CHUNK", "JUDGED",
    "MOVES", "NO_CASES", "OTHER", "RATES", "SATISFIED", "UNDEFINED", "Assessment", "Definition", "Period",
    "Ranked", "UnitFigures", "add_up", "assess", "board_figures", "board_ranking", "combine", "compute_unit_figures",
    "decimal", "definitions_markdown", "districts", "fraction_text", "load_definitions", "min_sample", "month_key",
    "month_period", "months_ending", "parse_period", "percent", "platform_score", "previous_month_key",
    "quarter_period", "rank_units", "rate_weights", "ratio", "score_text", "shift_month", "street_score_weight",
    "tz_of", "unit_table", "units_under", "year_end_assessment", "year_period",
]
