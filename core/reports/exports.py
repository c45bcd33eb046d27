"""The monthly report as files: the unit table's columns and cells, CSV and XLSX (PDF is pdf.py).

Exact counts; rates as percent with two decimals rounded half up; "—" when undefined. Pure: takes a
MonthlyReport, returns bytes.
"""

from __future__ import annotations

import csv
import io

from core import evaluation as ev
from core.i18n import translations
from core.reports.assembly import MonthlyReport
from core.reports.corrections import TITLE as CORRECTIONS_TITLE
from core.reports.corrections import correction_table
from core.reports.labels import category_label, flag_label, group_label, rank_label, zh

COLUMNS: tuple[tuple[str, str, str], ...] = (
    # key, Chinese heading, English heading
    ("group", "类别", "Group"),
    ("rank", "排名", "Rank"),
    ("unit_id", "单位编号", "Unit id"),
    ("unit_name", "单位", "Unit"),
    ("dispatched", "派单数", "Dispatched"),
    ("accepted_on_time", "按时签收", "Accepted on time"),
    ("responses_due", "应响应", "Responses due"),
    ("response_rate", "响应率", "Response rate"),
    ("closed", "办结数", "Closed"),
    ("resolved", "解决数", "Resolved"),
    ("resolution_rate", "解决率", "Resolution rate"),
    ("closure_rate", "办结率", "Closure rate"),
    ("rated", "已评价", "Rated"),
    ("satisfied", "满意及基本满意", "Satisfied"),
    ("satisfaction_rate", "满意率", "Satisfaction rate"),
    ("closed_on_time", "按时办结", "Closed on time"),
    ("on_time_rate", "按时办结率", "On-time closure rate"),
    ("bounce_requests", "退单申请", "Bounce requests"),
    ("bounces_denied", "退单驳回", "Bounces denied"),
    ("bounces_approved", "退单批准", "Bounces approved"),
    ("escalations", "督办升级", "Escalations"),
    ("extension_requests", "延期申请", "Extension requests"),
    ("extensions_approved", "延期批准", "Extensions approved"),
    ("extensions_denied", "延期驳回", "Extensions denied"),
    ("street_scores", "街道评分数", "Street scores"),
    ("street_score", "街道评分", "Street score"),
    ("sample", "样本量", "Sample"),
    ("platform_score", "平台综合得分", "Platform score"),
    ("flags", "标记", "Flags"),
)
RATE_KEYS = ("response_rate", "resolution_rate", "closure_rate", "satisfaction_rate", "on_time_rate")


def headings(locale: str = "zh_Hans") -> list[str]:
    return [zh_title if zh(locale) else en_title for _, zh_title, en_title in COLUMNS]


def titles(locale: str = "zh_Hans") -> dict[str, str]:
    """Column key -> heading in the locale."""
    return {key: zh_title if zh(locale) else en_title for key, zh_title, en_title in COLUMNS}


def cell(row: ev.Ranked, key: str, locale: str = "zh_Hans", *, numeric: bool = False):
    """One value of the unit table: exact counts; rates as percent with two decimals (a number if `numeric`)."""
    f = row.figures
    if key == "group":
        return group_label(row.group, locale)
    if key == "rank":  # the same label as the pages: a number in a workbook, else why there is none
        return row.rank if numeric and row.rank is not None else rank_label(row, locale)
    if key == "flags":
        return ("、" if zh(locale) else ", ").join(flag_label(x, locale) for x in row.flags)
    if key in RATE_KEYS:
        value = getattr(f, key)
        return _number(value * 100 if value is not None else None) if numeric else ev.percent(value)
    if key in ("street_score", "platform_score"):
        value = f.street_score if key == "street_score" else row.score
        return _number(value) if numeric else ev.score_text(value)
    return getattr(f, key)


def _number(value) -> float | None:
    return float(ev.decimal(value, 2)) if value is not None else None


def meta(report: MonthlyReport, locale: str) -> list[list[str]]:
    """The lines above the table: title, frozen or provisional, definitions version, received."""
    is_zh = zh(locale)
    state = ("已冻结" if is_zh else "frozen") if report.frozen else ("未冻结（临时数据）" if is_zh else "provisional")
    frozen_at = report.frozen_at.isoformat() if report.frozen_at else ""
    return [
        ["月度考评报告" if is_zh else "Monthly evaluation report", report.scope_name, report.period.key],
        ["状态" if is_zh else "Status", state, frozen_at],
        ["口径版本" if is_zh else "Definitions version", report.definitions_version, ""],
        ["受理量" if is_zh else "Received", str(report.received), ""],
    ]


def report_csv(report: MonthlyReport, locale: str = "zh_Hans") -> bytes:
    """UTF-8 with BOM (Excel opens it as Chinese): meta lines, the unit table, hot spots and failures."""
    is_zh = zh(locale)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(meta(report, locale))
    writer.writerow([])
    writer.writerow(headings(locale))
    for row in report.rows:
        writer.writerow(["" if (v := cell(row, key, locale)) is None else v for key, _, _ in COLUMNS])
    writer.writerow([])
    writer.writerow(["热点类别" if is_zh else "Hot category", "件数" if is_zh else "Cases"])
    writer.writerows([category_label(c, locale), n] for c, n in report.hot_categories)
    writer.writerow([])
    writer.writerow(["热点街道" if is_zh else "Hot street", "件数" if is_zh else "Cases"])
    writer.writerows([name or ("未知" if is_zh else "unknown"), n] for _, name, n in report.hot_streets)
    writer.writerow([])
    writer.writerow(["首接负责失职单位" if is_zh else "First-receiver failures", "工单" if is_zh else "Ticket",
                     "事项" if is_zh else "Item"])
    writer.writerows([f.unit_name, f.ticket_id, f.item_name] for f in report.failures)
    writer.writerow([])
    writer.writerows(corrections_block(report, locale))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: MonthlyReport, locale: str = "zh_Hans") -> bytes:
    """One workbook: units, hot spots, map cells, first-receiver failures, trend, definitions."""
    from openpyxl import Workbook

    book = Workbook()
    _units_sheet(book.active, report, locale)
    _hot_spots_sheet(book, report, locale)
    _map_sheet(book, report, locale)
    _failures_sheet(book, report, locale)
    _corrections_sheet(book, report, locale)
    _trend_sheet(book, report, locale)
    _definitions_sheet(book, locale)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _units_sheet(sheet, report: MonthlyReport, locale: str) -> None:
    from openpyxl.styles import Font

    sheet.title = "单位考评" if zh(locale) else "Units"
    for line in meta(report, locale):
        sheet.append(line)
    sheet.append([])
    sheet.append(headings(locale))
    for c in sheet[sheet.max_row]:
        c.font = Font(bold=True)
    for row in report.rows:
        sheet.append([cell(row, key, locale, numeric=True) for key, _, _ in COLUMNS])
    sheet.freeze_panes = sheet.cell(row=sheet.max_row - len(report.rows) + 1, column=5)


def _hot_spots_sheet(book, report: MonthlyReport, locale: str) -> None:
    is_zh = zh(locale)
    hot = book.create_sheet("热点" if is_zh else "Hot spots")
    hot.append(["热点类别" if is_zh else "Hot category", "件数" if is_zh else "Cases"])
    for c, n in report.hot_categories:
        hot.append([category_label(c, locale), n])
    hot.append([])
    hot.append(["热点街道" if is_zh else "Hot street", "件数" if is_zh else "Cases"])
    for _, name, n in report.hot_streets:
        hot.append([name or ("未知" if is_zh else "unknown"), n])


def _map_sheet(book, report: MonthlyReport, locale: str) -> None:
    is_zh = zh(locale)
    points = book.create_sheet("地图" if is_zh else "Map")
    points.append(["纬度" if is_zh else "Latitude", "经度" if is_zh else "Longitude", "件数" if is_zh else "Cases"])
    for lat, lng, n in report.map_points:
        points.append([lat, lng, n])


def _failures_sheet(book, report: MonthlyReport, locale: str) -> None:
    is_zh = zh(locale)
    fails = book.create_sheet("首接负责" if is_zh else "First receiver")
    fails.append(["单位" if is_zh else "Unit", "工单" if is_zh else "Ticket", "事项" if is_zh else "Item"])
    for f in report.failures:
        fails.append([f.unit_name, f.ticket_id, f.item_name])


def corrections_block(report: MonthlyReport, locale: str) -> list[list[str]]:
    """The corrections of the month (exclusions, appeals) as lines: a title, headings, one row each."""
    headings, rows = correction_table(report.corrections, locale)
    return [[translations(locale).gettext(CORRECTIONS_TITLE)], headings, *rows]


def _corrections_sheet(book, report: MonthlyReport, locale: str) -> None:
    sheet = book.create_sheet("指标修正" if zh(locale) else "Corrections")
    for line in corrections_block(report, locale)[1:]:
        sheet.append(line)


def _trend_sheet(book, report: MonthlyReport, locale: str) -> None:
    trends = book.create_sheet("趋势" if zh(locale) else "Trend")
    names = titles(locale)
    trends.append(["月份" if zh(locale) else "Month", *(names[k] for k in RATE_KEYS)])
    for p in report.trend:
        rates = [getattr(p.totals, k) for k in RATE_KEYS] if p.totals else [None] * len(RATE_KEYS)
        trends.append([p.month, *[_number(r * 100 if r is not None else None) for r in rates]])


def _definitions_sheet(book, locale: str) -> None:
    terms = book.create_sheet("口径" if zh(locale) else "Definitions")
    for d in ev.DEFINITIONS:
        terms.append([d.name(locale), d.text(locale)])
