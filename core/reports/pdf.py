"""The monthly report as a PDF: A4 landscape with a CJK font embedded (subset).

The font is a setting (Settings.report_font_path); without it the export refuses with ReportFontMissing
rather than drawing empty boxes. Pure apart from reading the font file.
"""

from __future__ import annotations

from pathlib import Path

from core import evaluation as ev
from core.config import Settings, defaults
from core.reports.assembly import MonthlyReport
from core.reports.exports import cell, corrections_block, meta, titles
from core.reports.labels import category_label, group_label, zh

UNIT_KEYS = ("rank", "unit_name", "dispatched", "response_rate", "closed", "resolution_rate", "satisfaction_rate",
             "on_time_rate", "bounce_requests", "bounces_denied", "escalations", "street_score", "sample",
             "platform_score", "flags")
UNIT_WIDTHS = (20, 40, 14, 16, 14, 16, 16, 18, 14, 14, 14, 16, 14, 18, 26)  # mm, to fill A4 landscape


class ReportFontMissing(RuntimeError):
    """The CJK font for PDF reports is not installed."""


def font_path(settings: Settings | None = None) -> Path:
    path = Path((settings or defaults()).report_font_path)
    if not path.is_file():
        raise ReportFontMissing(
            f"PDF reports need a CJK font at {path}: install the Debian package fonts-wqy-microhei "
            "(make system-deps) or set REPORT_FONT_PATH to a .ttf/.ttc font with Chinese glyphs"
        )
    return path


def report_pdf(report: MonthlyReport, locale: str = "zh_Hans", settings: Settings | None = None) -> bytes:
    """Meta, ranked units per group, hot spots, failures, then the definitions on their own page."""
    from fpdf import FPDF

    path = font_path(settings)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creator("whistle-report")
    pdf.set_title(f"{report.scope_name} {report.period.key}")
    for style in ("", "B"):
        pdf.add_font("cjk", style=style, fname=str(path))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    _title(pdf, report, locale)
    _units(pdf, report, locale)
    _hot_spots(pdf, report, locale)
    _failures(pdf, report, locale)
    _corrections(pdf, report, locale)
    _definitions(pdf, locale)
    return bytes(pdf.output())


def _line(pdf, height: float, text: str) -> None:
    pdf.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf, text: str) -> None:
    pdf.set_font("cjk", size=11)
    _line(pdf, 7, text)


def _plain():
    from fpdf.fonts import FontFace

    return FontFace(emphasis=None)


def _title(pdf, report: MonthlyReport, locale: str) -> None:
    pdf.set_font("cjk", size=16)
    title = "月度考评报告" if zh(locale) else "Monthly evaluation report"
    _line(pdf, 10, f"{report.scope_name} · {report.period.key} · {title}")
    pdf.set_font("cjk", size=9)
    for line in meta(report, locale)[1:]:
        _line(pdf, 5, " ".join(x for x in line if x))
    pdf.ln(2)


def _units(pdf, report: MonthlyReport, locale: str) -> None:
    names = titles(locale)
    for group in ev.GROUP_ORDER:
        members = [r for r in report.rows if r.group == group]
        if not members:
            continue
        _heading(pdf, group_label(group, locale))
        pdf.set_font("cjk", size=7.5)
        with pdf.table(col_widths=UNIT_WIDTHS, text_align="CENTER", line_height=4.5,
                       headings_style=_plain()) as table:
            table.row([names[k] for k in UNIT_KEYS])
            for r in members:
                table.row([str(cell(r, k, locale)) for k in UNIT_KEYS])
        pdf.ln(2)


def _hot_spots(pdf, report: MonthlyReport, locale: str) -> None:
    is_zh = zh(locale)
    _heading(pdf, "热点" if is_zh else "Hot spots")
    pdf.set_font("cjk", size=8)
    categories, streets = report.hot_categories, report.hot_streets
    with pdf.table(col_widths=(60, 20, 60, 20), text_align="LEFT", line_height=4.5, headings_style=_plain(),
                   width=160, align="LEFT") as table:
        table.row(["类别" if is_zh else "Category", "件数" if is_zh else "Cases", "街道" if is_zh else "Street",
                   "件数" if is_zh else "Cases"])
        for i in range(max(len(categories), len(streets))):
            c = categories[i] if i < len(categories) else None
            s = streets[i] if i < len(streets) else None
            table.row([category_label(c[0], locale) if c else "", str(c[1]) if c else "",
                       (s[1] or ev.UNDEFINED) if s else "", str(s[2]) if s else ""])
    pdf.ln(2)


def _failures(pdf, report: MonthlyReport, locale: str) -> None:
    is_zh = zh(locale)
    _heading(pdf, "首接负责失职" if is_zh else "First-receiver failures")
    pdf.set_font("cjk", size=8)
    if not report.failures:
        _line(pdf, 5, "无" if is_zh else "None")
        return
    with pdf.table(col_widths=(60, 40, 80), text_align="LEFT", line_height=4.5, headings_style=_plain(),
                   width=180, align="LEFT") as table:
        table.row(["单位" if is_zh else "Unit", "工单" if is_zh else "Ticket", "事项" if is_zh else "Item"])
        for f in report.failures:
            table.row([f.unit_name, f.ticket_id, f.item_name])


def _corrections(pdf, report: MonthlyReport, locale: str) -> None:
    """Exclusions (rule, proposer, approver) and appeals with their outcomes."""
    title, headings, *rows = corrections_block(report, locale)
    pdf.ln(2)
    _heading(pdf, title[0])
    pdf.set_font("cjk", size=8)
    if not rows:
        _line(pdf, 5, "无" if zh(locale) else "None")
        return
    with pdf.table(col_widths=(34, 30, 30, 60, 24, 16, 24, 50), text_align="LEFT", line_height=4.5,
                   headings_style=_plain()) as table:
        for line in (headings, *rows):
            table.row([str(v) for v in line])


def _definitions(pdf, locale: str) -> None:
    pdf.add_page()
    _heading(pdf, "指标口径" if zh(locale) else "Definitions")
    separator = "：" if zh(locale) else ": "
    for d in ev.DEFINITIONS:
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(0, 5, f"{d.name(locale)}{separator}{d.text(locale)}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
