"""报: the monthly report of a scope (the city or one district), its exports and the live dashboard.

One job per module: assembly (MonthlyReport, trend, checks), snapshot (hot spots, map, failures, typical
cases), frozen (reading frozen runs), months (which month a page opens on), labels, exports (CSV, XLSX), pdf,
dashboard (live counts), stored (live figures
kept between page views).
Callers keep `from core import reports` and `reports.<name>`.
"""

from core.reports.assembly import (
    TREND_MONTHS,
    MonthlyReport,
    ReportError,
    TrendPoint,
    check_month,
    check_scope,
    live_rows,
    monthly_report,
    parameters_of,
    trend,
)
from core.reports.dashboard import LiveCounts, live_counts
from core.reports.exports import COLUMNS, RATE_KEYS, cell, headings, meta, report_csv, report_xlsx, titles
from core.reports.frozen import (
    figures_of,
    find_run,
    frozen_months,
    frozen_rows,
    latest_frozen_month,
    weights_of,
)
from core.reports.labels import FLAG_LABELS, GROUP_LABELS, category_label, flag_label, group_label, rank_label
from core.reports.months import latest_counted_month, latest_month_with_data, public_month
from core.reports.pdf import ReportFontMissing, font_path, report_pdf
from core.reports.snapshot import (
    HOT_SPOTS,
    MAP_CELLS,
    MAP_PLACES,
    TYPICAL_CASES,
    Failure,
    failures,
    snapshot,
    typical_cases,
)
from core.reports.stored import board_ranking, month_figures, month_snapshot

__all__ = [
    "COLUMNS", "FLAG_LABELS", "GROUP_LABELS", "HOT_SPOTS", "MAP_CELLS", "MAP_PLACES", "RATE_KEYS", "TREND_MONTHS",
    "TYPICAL_CASES", "Failure", "LiveCounts", "MonthlyReport", "ReportError", "ReportFontMissing", "TrendPoint",
    "category_label", "cell", "check_month", "check_scope", "failures", "figures_of", "find_run", "flag_label",
    "font_path", "frozen_months", "frozen_rows", "group_label", "headings", "latest_counted_month",
    "latest_frozen_month", "latest_month_with_data", "live_counts", "live_rows", "meta", "monthly_report",
    "parameters_of", "public_month", "rank_label", "report_csv", "report_pdf", "report_xlsx", "snapshot", "titles",
    "trend", "typical_cases", "weights_of", "board_ranking", "month_figures", "month_snapshot",
]
