"""报: the monthly report of a scope (the city or one district) and its CSV, XLSX and PDF exports.

Unit figures come from the frozen evaluation run when the month is frozen (otherwise computed live and
marked provisional); hot spots and map points count the tickets received in the month; trends read the
frozen runs of earlier months. Only catalog data and masked public summaries reach public pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

from sqlalchemy import Numeric, cast, func, or_
from sqlmodel import Session, col, select

from core import evaluation as ev
from core.catalog import CATEGORY_LABELS
from core.models.catalog import Unit
from core.models.evaluation import EvaluationRun, UnitResult
from core.models.tickets import Ticket, TicketEvent

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TREND_MONTHS = 6
HOT_SPOTS = 15  # rows per hot-spot list
MAP_CELLS = 400  # map cells kept, the busiest first
MAP_PLACES = 2  # lat/lng rounded to 0.01° (about 1 km)
TYPICAL_CASES = 10


class ReportError(ValueError):
    """A wrong month or scope, shown to the user as a 400/404."""


class ReportFontMissing(RuntimeError):
    """The CJK font for PDF reports is not installed."""


# ---- the report ----


@dataclass
class Failure:
    """One denied bounce: the unit refused a case on its remit (首接负责失职)."""

    unit_id: str
    unit_name: str
    ticket_id: str
    item_name: str


@dataclass
class TrendPoint:
    month: str
    frozen: bool
    totals: ev.UnitFigures | None  # None: month neither frozen nor computed


@dataclass
class MonthlyReport:
    period: ev.Period
    scope: str
    scope_name: str
    frozen: bool
    frozen_at: datetime | None
    definitions_version: str
    parameters: dict
    rows: list[ev.Ranked]
    totals: ev.UnitFigures
    received: int
    hot_categories: list[tuple[str, int]]
    hot_streets: list[tuple[str, str, int]]
    map_points: list[tuple[float, float, int]]
    failures: list[Failure]
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def ranked(self) -> list[ev.Ranked]:
        return [r for r in self.rows if r.rank is not None]

    @property
    def unranked(self) -> list[ev.Ranked]:
        return [r for r in self.rows if r.rank is None]


def parameters_of(settings: object | None) -> dict:
    return {
        "rate_weights": {k: ev.fraction_text(v) for k, v in ev.rate_weights(settings).items()},
        "min_sample": ev.min_sample(settings),
        "street_score_weight": ev.fraction_text(ev.street_score_weight(settings)),
        "timezone": str(ev.tz_of(settings)),
    }


def weights_of(parameters: dict) -> dict[str, Fraction]:
    return {k: Fraction(v) for k, v in parameters["rate_weights"].items()}


def check_scope(session: Session, scope: str) -> str:
    """The scope's display name; ReportError for anything but "city" or a district's id."""
    if scope == ev.CITY:
        city = session.exec(select(Unit).where(Unit.kind == "city").order_by(Unit.id)).first()
        return city.name_zh if city else "全市"
    unit = session.get(Unit, scope)
    if unit is None or unit.kind != "district":
        raise ReportError(f"unknown scope {scope!r}: use 'city' or a district's id")
    return unit.name_zh


def check_month(month: str, settings: object | None = None) -> ev.Period:
    try:
        period = ev.parse_period(month, ev.tz_of(settings))
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    if period.kind != "month":
        raise ReportError(f"a monthly report needs a month such as 2026-10, not {month!r}")
    return period


def live_rows(session: Session, period: ev.Period, scope: str, settings: object | None) -> list[ev.Ranked]:
    figures = ev.compute_unit_figures(session, period.start, period.end,
                                      district_id=None if scope == ev.CITY else scope)
    return ev.rank_units(figures, weights=ev.rate_weights(settings), minimum=ev.min_sample(settings))


def snapshot(session: Session, period: ev.Period, scope: str) -> dict:
    """What a frozen run keeps besides the unit rows: received count, hot spots, map cells, failures."""
    tickets = _tickets_in_scope(session, scope)
    received = (Ticket.received_at >= period.start, Ticket.received_at < period.end, *tickets)
    count = session.exec(select(func.count()).select_from(Ticket).where(*received)).one()
    category = func.coalesce(Ticket.category, "")
    categories = session.exec(
        select(category, func.count()).where(*received).group_by(category)
        .order_by(func.count().desc(), category).limit(HOT_SPOTS)
    ).all()
    street = func.coalesce(Ticket.street_id, "")
    streets = session.exec(
        select(street, func.count()).where(*received).group_by(street)
        .order_by(func.count().desc(), street).limit(HOT_SPOTS)
    ).all()
    names = _unit_names(session, [s for s, _ in streets if s])
    lat, lng = (func.round(cast(c, Numeric(12, 6)), MAP_PLACES) for c in (Ticket.lat, Ticket.lng))
    cells = session.exec(
        select(lat, lng, func.count()).where(*received, col(Ticket.lat).is_not(None), col(Ticket.lng).is_not(None))
        .group_by(lat, lng).order_by(func.count().desc(), lat, lng).limit(MAP_CELLS)
    ).all()
    return {
        "received": count,
        "hot_categories": [[c, n] for c, n in categories],
        "hot_streets": [[s, names.get(s, s), n] for s, n in streets],
        "map": [[float(a), float(b), n] for a, b, n in cells],
        "failures": [vars(f) for f in failures(session, period, scope)],
    }


def _tickets_in_scope(session: Session, scope: str) -> tuple:
    if scope == ev.CITY:
        return ()
    streets = [u for u in ev.units_under(ev.unit_table(session), scope) if u != scope]
    return (or_(Ticket.district_id == scope, col(Ticket.street_id).in_(streets)),)


def failures(session: Session, period: ev.Period, scope: str) -> list[Failure]:
    """Every denied bounce in the month for a unit in scope, in time order."""
    stmt = (
        select(TicketEvent.unit_id, TicketEvent.ticket_id, Ticket.item_name)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action == "bounce_denied", TicketEvent.at >= period.start, TicketEvent.at < period.end,
               col(TicketEvent.unit_id).is_not(None))
        .order_by(TicketEvent.at, TicketEvent.ticket_id)
    )
    if scope != ev.CITY:
        stmt = stmt.where(col(TicketEvent.unit_id).in_(sorted(ev.units_under(ev.unit_table(session), scope))))
    rows = session.exec(stmt).all()
    names = _unit_names(session, [u for u, _, _ in rows])
    return [Failure(u, names.get(u, u), t, item or "") for u, t, item in rows]


def _unit_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(session.exec(select(Unit.id, Unit.name_zh).where(col(Unit.id).in_(ids))).all())


def find_run(session: Session, month: str, scope: str) -> EvaluationRun | None:
    return session.exec(select(EvaluationRun).where(EvaluationRun.period == month,
                                                    EvaluationRun.scope == scope)).first()


def frozen_rows(session: Session, run: EvaluationRun) -> list[ev.Ranked]:
    weights = weights_of(run.parameters)
    ranked = []
    for r in session.exec(select(UnitResult).where(UnitResult.run_id == run.id)):
        figures = figures_of(r)
        ranked.append(ev.Ranked(figures, r.group, figures.platform_score(weights), r.rank, list(r.flags)))
    return _in_report_order(ranked)


def _in_report_order(rows: list[ev.Ranked]) -> list[ev.Ranked]:
    order = {g: i for i, g in enumerate(ev.GROUP_ORDER)}
    return sorted(rows, key=lambda r: (order.get(r.group, len(order)), r.rank is None, r.rank or 0,
                                       r.figures.unit_id))


def figures_of(result: UnitResult) -> ev.UnitFigures:
    counts = {name: getattr(result, name) for name in ev.COUNT_FIELDS}
    return ev.UnitFigures(unit_id=result.unit_id, unit_name=result.unit_name, unit_kind=result.unit_kind,
                          first_receiver_cases=list(result.first_receiver_cases), **counts)


def monthly_report(session: Session, month: str, scope: str = ev.CITY, settings: object | None = None, *,
                   trend_months: int = TREND_MONTHS, live_trend: bool = True) -> MonthlyReport:
    """The frozen report when the month is frozen, else the live (provisional) one."""
    period = check_month(month, settings)
    scope_name = check_scope(session, scope)
    run = find_run(session, period.key, scope)
    if run is not None:
        rows, data, parameters = frozen_rows(session, run), run.totals, run.parameters
    else:
        rows, data, parameters = live_rows(session, period, scope, settings), snapshot(session, period, scope), \
            parameters_of(settings)
    report = MonthlyReport(
        period=period, scope=scope, scope_name=scope_name, frozen=run is not None,
        frozen_at=run.frozen_at if run else None,
        definitions_version=run.definitions_version if run else ev.DEFINITIONS_VERSION,
        parameters=parameters, rows=rows, totals=ev.add_up(r.figures for r in rows), received=data["received"],
        hot_categories=[(c, n) for c, n in data["hot_categories"]],
        hot_streets=[(s, name, n) for s, name, n in data["hot_streets"]],
        map_points=[(a, b, n) for a, b, n in data["map"]],
        failures=[Failure(**f) for f in data["failures"]],
    )
    report.trend = trend(session, period.key, scope, settings, months=trend_months, live=live_trend,
                         current=report.totals)
    return report


def trend(session: Session, month: str, scope: str, settings: object | None, *, months: int = TREND_MONTHS,
          live: bool = True, current: ev.UnitFigures | None = None) -> list[TrendPoint]:
    """Scope totals for `months` months ending with `month`: frozen runs, else live figures if `live`."""
    keys = ev.months_ending(month, months)
    runs = {r.period: r for r in session.exec(
        select(EvaluationRun).where(col(EvaluationRun.period).in_(keys), EvaluationRun.scope == scope))}
    totals: dict[int, ev.UnitFigures] = {}
    if runs:
        results = session.exec(select(UnitResult).where(col(UnitResult.run_id).in_([r.id for r in runs.values()])))
        by_run: dict[int, list[ev.UnitFigures]] = {}
        for r in results:
            by_run.setdefault(r.run_id, []).append(figures_of(r))
        totals = {run_id: ev.add_up(figs) for run_id, figs in by_run.items()}
    points = []
    tz = ev.tz_of(settings)
    for key in keys:
        run = runs.get(key)
        if run is not None:
            points.append(TrendPoint(key, True, totals.get(run.id, ev.UnitFigures(unit_id=scope))))
        elif key == month and current is not None:
            points.append(TrendPoint(key, False, current))
        elif live:
            period = ev.parse_period(key, tz)
            figures = ev.compute_unit_figures(session, period.start, period.end,
                                              district_id=None if scope == ev.CITY else scope)
            points.append(TrendPoint(key, False, ev.add_up(figures)))
        else:
            points.append(TrendPoint(key, False, None))
    return points


def frozen_months(session: Session, scope: str | None = None, limit: int = 36) -> list[str]:
    stmt = select(EvaluationRun.period).distinct().order_by(col(EvaluationRun.period).desc()).limit(limit)
    if scope is not None:
        stmt = stmt.where(EvaluationRun.scope == scope)
    return list(session.exec(stmt).all())


def latest_frozen_month(session: Session, scope: str = ev.CITY) -> str | None:
    months = frozen_months(session, scope, limit=1)
    return months[0] if months else None


def typical_cases(session: Session, period: ev.Period, scope: str = ev.CITY, limit: int = TYPICAL_CASES
                  ) -> list[Ticket]:
    """Published cases closed in the month: whistles first, then reopened ones, then the latest closed.

    Callers show only id, item, unit, dates, rating and the masked `public_summary`.
    """
    stmt = (
        select(Ticket)
        .where(Ticket.stage == "closed", Ticket.published == True,  # noqa: E712
               Ticket.closed_at >= period.start, Ticket.closed_at < period.end, *_tickets_in_scope(session, scope))
        .order_by((Ticket.channel == "whistle").desc(), col(Ticket.reopen_count).desc(),
                  col(Ticket.closed_at).desc(), Ticket.id)
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def category_label(slug: str, locale: str = "zh_Hans") -> str:
    labels = CATEGORY_LABELS.get(slug)
    if labels is None:
        return slug or ("未分类" if locale.startswith("zh") else "Uncategorised")
    return labels[0] if locale.startswith("zh") else labels[1]


# ---- exports ----

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
RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
GROUP_LABELS = {"department": ("部门", "Departments"), "street": ("街道乡镇", "Streets and townships"),
                "district": ("区", "Districts"), "other": ("其他", "Other units")}
FLAG_LABELS = {ev.FIRST_RECEIVER: ("首接负责失职", "first-receiver failure"),
               ev.BELOW_MIN_SAMPLE: ("样本不足", "below minimum sample"), ev.NO_CASES: ("无案件", "no cases")}


def _zh(locale: str) -> bool:
    return locale.startswith("zh")


def group_label(group: str, locale: str = "zh_Hans") -> str:
    zh, en = GROUP_LABELS.get(group, (group, group))
    return zh if _zh(locale) else en


def flag_label(flag: str, locale: str = "zh_Hans") -> str:
    zh, en = FLAG_LABELS.get(flag, (flag, flag))
    return zh if _zh(locale) else en


def headings(locale: str = "zh_Hans") -> list[str]:
    return [zh if _zh(locale) else en for _, zh, en in COLUMNS]


def cell(row: ev.Ranked, key: str, locale: str = "zh_Hans", *, numeric: bool = False):
    """One value of the unit table: exact counts; rates as percent with two decimals (a number if `numeric`)."""
    f = row.figures
    if key == "group":
        return group_label(row.group, locale)
    if key == "rank":
        return row.rank if row.rank is not None else ("" if numeric else "—")
    if key == "flags":
        return "、".join(flag_label(x, locale) for x in row.flags) if _zh(locale) else \
            ", ".join(flag_label(x, locale) for x in row.flags)
    if key in RATE_KEYS:
        value = getattr(f, key)
        return (float(ev.decimal(value * 100, 2)) if value is not None else None) if numeric else ev.percent(value)
    if key in ("street_score", "platform_score"):
        value = f.street_score if key == "street_score" else row.score
        return (float(ev.decimal(value, 2)) if value is not None else None) if numeric else ev.score_text(value)
    return getattr(f, key)


def _meta(report: MonthlyReport, locale: str) -> list[list[str]]:
    zh = _zh(locale)
    state = ("已冻结" if zh else "frozen") if report.frozen else ("未冻结（临时数据）" if zh else "provisional")
    frozen_at = report.frozen_at.isoformat() if report.frozen_at else ""
    return [
        ["月度考评报告" if zh else "Monthly evaluation report", report.scope_name, report.period.key],
        ["状态" if zh else "Status", state, frozen_at],
        ["口径版本" if zh else "Definitions version", report.definitions_version, ""],
        ["受理量" if zh else "Received", str(report.received), ""],
    ]


def report_csv(report: MonthlyReport, locale: str = "zh_Hans") -> bytes:
    """UTF-8 with BOM (Excel opens it as Chinese): meta lines, the unit table, hot spots and failures."""
    zh = _zh(locale)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_meta(report, locale))
    writer.writerow([])
    writer.writerow(headings(locale))
    for row in report.rows:
        writer.writerow(["" if (v := cell(row, key, locale)) is None else v for key, _, _ in COLUMNS])
    writer.writerow([])
    writer.writerow(["热点类别" if zh else "Hot category", "件数" if zh else "Cases"])
    writer.writerows([category_label(c, locale), n] for c, n in report.hot_categories)
    writer.writerow([])
    writer.writerow(["热点街道" if zh else "Hot street", "件数" if zh else "Cases"])
    writer.writerows([name or ("未知" if zh else "unknown"), n] for _, name, n in report.hot_streets)
    writer.writerow([])
    writer.writerow(["首接负责失职单位" if zh else "First-receiver failures", "工单" if zh else "Ticket",
                     "事项" if zh else "Item"])
    writer.writerows([f.unit_name, f.ticket_id, f.item_name] for f in report.failures)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: MonthlyReport, locale: str = "zh_Hans") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    zh = _zh(locale)
    book = Workbook()
    sheet = book.active
    sheet.title = "单位考评" if zh else "Units"
    for line in _meta(report, locale):
        sheet.append(line)
    sheet.append([])
    sheet.append(headings(locale))
    for c in sheet[sheet.max_row]:
        c.font = Font(bold=True)
    for row in report.rows:
        sheet.append([cell(row, key, locale, numeric=True) for key, _, _ in COLUMNS])
    sheet.freeze_panes = sheet.cell(row=sheet.max_row - len(report.rows) + 1, column=5)

    hot = book.create_sheet("热点" if zh else "Hot spots")
    hot.append(["热点类别" if zh else "Hot category", "件数" if zh else "Cases"])
    for c, n in report.hot_categories:
        hot.append([category_label(c, locale), n])
    hot.append([])
    hot.append(["热点街道" if zh else "Hot street", "件数" if zh else "Cases"])
    for _, name, n in report.hot_streets:
        hot.append([name or ("未知" if zh else "unknown"), n])

    points = book.create_sheet("地图" if zh else "Map")
    points.append(["纬度" if zh else "Latitude", "经度" if zh else "Longitude", "件数" if zh else "Cases"])
    for lat, lng, n in report.map_points:
        points.append([lat, lng, n])

    fails = book.create_sheet("首接负责" if zh else "First receiver")
    fails.append(["单位" if zh else "Unit", "工单" if zh else "Ticket", "事项" if zh else "Item"])
    for f in report.failures:
        fails.append([f.unit_name, f.ticket_id, f.item_name])

    trends = book.create_sheet("趋势" if zh else "Trend")
    titles = {key: (zh_title if zh else en_title) for key, zh_title, en_title in COLUMNS}
    trends.append(["月份" if zh else "Month", *(titles[k] for k in RATE_KEYS)])
    for p in report.trend:
        rates = [p.totals.response_rate, p.totals.resolution_rate, p.totals.satisfaction_rate,
                 p.totals.on_time_rate] if p.totals else [None] * 4
        trends.append([p.month, *[float(ev.decimal(r * 100, 2)) if r is not None else None for r in rates]])

    terms = book.create_sheet("口径" if zh else "Definitions")
    for d in ev.DEFINITIONS:
        terms.append([d.name(locale), d.text(locale)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def font_path(settings: object | None = None) -> Path:
    path = Path(getattr(settings, "report_font_path", None) or DEFAULT_FONT)
    if not path.is_file():
        raise ReportFontMissing(
            f"PDF reports need a CJK font at {path}: install the Debian package fonts-wqy-microhei "
            "(make system-deps) or set REPORT_FONT_PATH to a .ttf/.ttc font with Chinese glyphs"
        )
    return path


def report_pdf(report: MonthlyReport, locale: str = "zh_Hans", settings: object | None = None) -> bytes:
    """A4 landscape with the CJK font embedded (subset): meta, ranked units, hot spots, failures, definitions."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path = font_path(settings)
    zh = _zh(locale)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creator("whistle-report")
    pdf.set_title(f"{report.scope_name} {report.period.key}")
    for style in ("", "B"):
        pdf.add_font("cjk", style=style, fname=str(path))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    title = "月度考评报告" if zh else "Monthly evaluation report"
    pdf.cell(0, 10, f"{report.scope_name} · {report.period.key} · {title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for line in _meta(report, locale)[1:]:
        pdf.cell(0, 5, " ".join(x for x in line if x), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    keys = ("rank", "unit_name", "dispatched", "response_rate", "closed", "resolution_rate", "satisfaction_rate",
            "on_time_rate", "bounce_requests", "bounces_denied", "escalations", "street_score", "sample",
            "platform_score", "flags")
    titles = {key: (zh_title if zh else en_title) for key, zh_title, en_title in COLUMNS}
    widths = (10, 46, 14, 16, 14, 16, 16, 18, 14, 14, 14, 16, 14, 18, 30)
    plain = FontFace(emphasis=None)
    for group in ev.GROUP_ORDER:
        members = [r for r in report.rows if r.group == group]
        if not members:
            continue
        pdf.set_font("cjk", size=11)
        pdf.cell(0, 7, group_label(group, locale), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=7.5)
        with pdf.table(col_widths=widths, text_align="CENTER", line_height=4.5, headings_style=plain) as table:
            table.row([titles[k] for k in keys])
            for r in members:
                table.row([str(cell(r, k, locale)) for k in keys])
        pdf.ln(2)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, "热点" if zh else "Hot spots", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    with pdf.table(col_widths=(60, 20, 60, 20), text_align="LEFT", line_height=4.5, headings_style=plain,
                   width=160, align="LEFT") as table:
        table.row(["类别" if zh else "Category", "件数" if zh else "Cases", "街道" if zh else "Street",
                   "件数" if zh else "Cases"])
        for i in range(max(len(report.hot_categories), len(report.hot_streets))):
            c = report.hot_categories[i] if i < len(report.hot_categories) else None
            s = report.hot_streets[i] if i < len(report.hot_streets) else None
            table.row([category_label(c[0], locale) if c else "", str(c[1]) if c else "",
                       (s[1] or "—") if s else "", str(s[2]) if s else ""])
    pdf.ln(2)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, "首接负责失职" if zh else "First-receiver failures", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    if report.failures:
        with pdf.table(col_widths=(60, 40, 80), text_align="LEFT", line_height=4.5, headings_style=plain,
                       width=180, align="LEFT") as table:
            table.row(["单位" if zh else "Unit", "工单" if zh else "Ticket", "事项" if zh else "Item"])
            for f in report.failures:
                table.row([f.unit_name, f.ticket_id, f.item_name])
    else:
        pdf.cell(0, 5, "无" if zh else "None", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, "指标口径" if zh else "Definitions", new_x="LMARGIN", new_y="NEXT")
    for d in ev.DEFINITIONS:
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(0, 5, f"{d.name(locale)}：{d.text(locale)}" if zh else f"{d.name(locale)}: {d.text(locale)}",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())


# ---- the live dashboard ----

OPEN_WORK = ("in_progress", "review", "rating")
OPEN_STAGES = ("received", "dispatched", *OPEN_WORK)


@dataclass
class LiveCounts:
    received_today: int
    waiting_dispatch: int
    dispatched: int  # waiting for the unit's acceptance
    in_progress: int  # accepted, under review or waiting for a rating
    overdue: int
    closed_today: int


def live_counts(session: Session, *, district_id: str | None = None, now: datetime | None = None,
                settings: object | None = None) -> LiveCounts:
    """Counts of the tickets table on indexed columns only (stage, received_at, closed_at, overdue)."""
    tz = ev.tz_of(settings)
    now = now or datetime.now(tz)
    local = now.astimezone(tz)
    today = datetime(local.year, local.month, local.day, tzinfo=tz)
    scope = (Ticket.district_id == district_id,) if district_id else ()

    def count(*where) -> int:
        return session.exec(select(func.count()).select_from(Ticket).where(*where, *scope)).one()

    by_stage = dict(session.exec(
        select(Ticket.stage, func.count()).where(col(Ticket.stage).in_(OPEN_STAGES), *scope).group_by(Ticket.stage)
    ).all())
    return LiveCounts(
        received_today=count(Ticket.received_at >= today),
        waiting_dispatch=by_stage.get("received", 0),
        dispatched=by_stage.get("dispatched", 0),
        in_progress=sum(by_stage.get(s, 0) for s in OPEN_WORK),
        overdue=count(Ticket.overdue == True, col(Ticket.stage).in_(OPEN_STAGES)),  # noqa: E712
        closed_today=count(Ticket.closed_at >= today, Ticket.stage == "closed"),
    )
