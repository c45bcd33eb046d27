"""Evaluation (评): every unit's figures for a period, computed from the audit log only, with exact definitions.

Reads ticket_events (and units for names); never the tickets' latest snapshot, never typed-in numbers.
Every query is bounded by the period's `at` range. Pure reads: freezing a month is activities/evaluation.py.
Rates are exact Fractions; a rate whose denominator is zero is None ("—"), never 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.models.catalog import Unit
from core.models.tickets import TicketEvent

DEFINITIONS_VERSION = "2026.1"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_RATE_WEIGHTS = "response=1,resolution=1,satisfaction=1,on_time=0"
DEFAULT_MIN_SAMPLE = 5
DEFAULT_STREET_SCORE_WEIGHT = "0.3"
SATISFIED = ("satisfied", "basically_satisfied")
RATES = ("response", "resolution", "satisfaction", "on_time")
CITY = "city"

# Events that hand a case to a unit other than by the first dispatch; the new unit is in these details.
MOVES = {"bounce_approved": "primary", "reassigned": "primary", "consultation_ruled": "ruled_unit"}
COUNTED = ("dispatched", "accepted", "acceptance_overdue", "closed", "bounce_requested", "bounce_denied",
           "bounce_approved", "escalated", "extension_requested", "extension_approved", "extension_denied")
JUDGED = ("accepted", "acceptance_overdue", "closed")
IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


# ---- the definitions, as shown on the definitions page, in the reports and in the README ----


@dataclass(frozen=True)
class Definition:
    key: str
    name_zh: str
    name_en: str
    zh: str
    en: str

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en

    def text(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "period", "统计周期", "Period",
        "按 Asia/Shanghai（北京时间）划分的自然月、季度、年，含起点不含终点；事件按其发生时刻归入周期，"
        "例如北京时间 2026-10-31 23:30（UTC 15:30）的事件属于 10 月。",
        "Calendar month, quarter or year in Asia/Shanghai time, start included, end excluded; an event belongs to "
        "the period that contains its time, e.g. 2026-10-31 23:30 Beijing time (15:30 UTC) is October.",
    ),
    Definition(
        "dispatched", "派单数", "Dispatched",
        "本期交给该单位办理的工单数：该单位的“派单”（dispatched）事件，加上经退单批准、改派或会商裁定"
        "从其他单位转给该单位、等待其签收的工单。",
        "Cases handed to the unit in the period: its `dispatched` events, plus cases moved to it from another "
        "unit by an approved bounce, a reassignment or a consultation ruling and left waiting for its acceptance.",
    ),
    Definition(
        "response_rate", "响应率", "Response rate",
        "按时签收数 ÷ 应响应数。按时签收：本期该单位的签收（accepted）事件中在签收时限内完成的；响应超时："
        "每个签收超时（acceptance_overdue）事件，以及超过时限才签收、且此前未记过签收超时的签收事件。"
        "应响应数 = 按时签收 + 响应超时。每次签收时限只评判一次，计入签收或超时发生的月份；时限届满前"
        "已退单批准或改派的不评判。",
        "On-time acceptances ÷ responses due. On-time acceptance: an `accepted` event of the unit in the period "
        "made before the acceptance deadline. Response failure: each `acceptance_overdue` event, and each late "
        "`accepted` event not already preceded by an overdue for the same hand-over. Responses due = on-time "
        "acceptances + response failures. Each acceptance clock is judged once, in the month the acceptance or "
        "the overdue happens; a case moved away before its limit passed is not judged.",
    ),
    Definition(
        "resolution_rate", "解决率", "Resolution rate",
        "办结结果为“已解决”的办结数 ÷ 办结数。办结数：本期该单位（办结时的主办单位）的办结（closed）事件；"
        "“已解释说明”的算办结但不算解决。重办件只在最终办结时计一次。",
        "Closes with outcome resolved ÷ closes. Closes: `closed` events in the period of the unit that was the "
        "primary unit at closure; a case closed as explained counts as closed, not resolved. A reopened case "
        "counts once, at its final close.",
    ),
    Definition(
        "satisfaction_rate", "满意率", "Satisfaction rate",
        "（满意 + 基本满意）÷ 已评价的办结数，按办结事件上记录的最终评价：市民或吹哨街道的评价；评价期满"
        "未评价的按系统设定的默认评价计入；默认评价为空的视为未评价，不计入分子分母。重办件只计最终评价。",
        "(Satisfied + basically satisfied) ÷ rated closes, using the final rating on the `closed` event: the "
        "citizen's or the whistling street's rating; when the rating window ran out, the configured default "
        "counts as the rating; a default of \"\" leaves the case unrated and out of both. A reopened case counts "
        "its final rating only.",
    ),
    Definition(
        "on_time_rate", "按时办结率", "On-time closure rate",
        "按时办结数 ÷ 办结数。按时：最终办理结果在当时有效的办结期限（含批准的延期；重办件为重办后的期限）"
        "之前提交。",
        "On-time closes ÷ closes. On time: the final result was submitted by the closure deadline in force "
        "(approved extensions included; for a reopened case, its fresh deadline).",
    ),
    Definition(
        "bounces", "退单申请 / 驳回 / 批准", "Bounce requests / denied / approved",
        "本期该单位的退单申请（bounce_requested）、被驳回（bounce_denied）、被批准（bounce_approved）事件数。",
        "The unit's `bounce_requested`, `bounce_denied` and `bounce_approved` events in the period.",
    ),
    Definition(
        "first_receiver", "首接负责失职", "First-receiver failure",
        "退单被驳回即该单位推诿了本属其职责的工单。本期有一次及以上的单位被标记，列入月报并公开通报。",
        "A denied bounce means the unit refused a case that was on its remit. A unit with one or more in the "
        "period is flagged, listed in the monthly report and publicly named.",
    ),
    Definition(
        "escalations", "督办升级", "Escalations",
        "本期该单位的督办升级（escalated）事件数：督查员手动升级，以及到办结期限仍滞后的自动升级。",
        "The unit's `escalated` events in the period: by a supervisor, or automatically when the case lags at "
        "its closure deadline.",
    ),
    Definition(
        "extensions", "延期申请 / 批准 / 驳回", "Extensions requested / approved / denied",
        "本期该单位的延期申请、批准、驳回事件数。",
        "The unit's `extension_requested`, `extension_approved` and `extension_denied` events in the period.",
    ),
    Definition(
        "street_score", "街道评分", "Street score",
        "吹哨街道对部门的打分（0–100）的平均值：本期办结的吹哨件中，办结前最后一次评价所带的街道评分；"
        "重办的吹哨件只计最终评分；评价期满未评的不计。",
        "Average of the 0-100 scores whistling streets gave the department: for each whistle closed in the "
        "period, the score on the rating that closed it; a reopened whistle counts its final score only; a "
        "whistle whose rating window ran out has no score.",
    ),
    Definition(
        "sample", "样本量", "Sample",
        "本期有评判事件（签收、签收超时、办结）的不同工单数。",
        "Distinct cases with a judged event in the period (an acceptance, an acceptance overdue or a close).",
    ),
    Definition(
        "platform_score", "平台综合得分", "Platform score",
        "100 × Σ(权重 × 比率) ÷ Σ权重，只计该单位本期有定义的比率（分母为零的不计）；默认权重：响应率 1、"
        "解决率 1、满意率 1、按时办结率 0，可配置。",
        "100 × Σ(weight × rate) ÷ Σ weight over the rates defined for the unit in the period (a rate with a "
        "zero denominator is left out); default weights response 1, resolution 1, satisfaction 1, on-time 0, "
        "configurable.",
    ),
    Definition(
        "ranking", "排名", "Ranking",
        "在同类单位内（部门；街道乡镇；区；其他）按平台综合得分从高到低排名；得分相同时样本量大者在前，"
        "再按单位编号。样本量低于最低样本量（默认 5）或无得分的单位列出但不排名。",
        "Within each group of units (departments; streets and townships; districts; others) by platform score, "
        "highest first; ties go to the larger sample, then to the unit id. A unit below the minimum sample "
        "(default 5) or without a score is listed but not ranked.",
    ),
    Definition(
        "year_end", "年度考核得分", "Year-end assessment",
        "(1 − w) × 全年平台综合得分 + w × 全年街道评分，w 默认 0.30（齐齐哈尔做法：街道评分占部门年度考核 "
        "30%）；全年无街道评分的，取平台综合得分。",
        "(1 − w) × the year's platform score + w × the year's street score, w = 0.30 by default (the Qiqihar "
        "practice: street scores are 30% of a department's year-end assessment); with no street score in the "
        "year, the platform score alone.",
    ),
    Definition(
        "no_cases", "无数据", "No data",
        "分母为零的比率显示为“—”，不是 0，也不参与综合得分。",
        "A rate whose denominator is zero is shown as \"—\", never as 0, and is left out of the platform score.",
    ),
)
DEFINITION_BY_KEY = {d.key: d for d in DEFINITIONS}


def definitions_markdown() -> str:
    """The definitions as the README's table (one source for the page, the reports and the README)."""
    lines = ["| 指标 Figure | 口径 | Definition |", "|---|---|---|"]
    for d in DEFINITIONS:
        lines.append(f"| {d.name_zh} {d.name_en} | {d.zh} | {d.en.replace('|', '/')} |")
    return "\n".join(lines)


# ---- settings (core.config.Settings; the defaults keep these functions usable without one) ----


def tz_of(settings: object | None) -> ZoneInfo:
    return ZoneInfo(getattr(settings, "timezone", None) or DEFAULT_TIMEZONE)


def rate_weights(settings: object | None = None) -> dict[str, Fraction]:
    """`evaluation_rate_weights`, e.g. "response=1,resolution=1,satisfaction=1,on_time=0"."""
    text = getattr(settings, "evaluation_rate_weights", None) or DEFAULT_RATE_WEIGHTS
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


def min_sample(settings: object | None = None) -> int:
    return int(getattr(settings, "evaluation_min_sample", DEFAULT_MIN_SAMPLE))


def street_score_weight(settings: object | None = None) -> Fraction:
    weight = Fraction(str(getattr(settings, "street_score_weight", DEFAULT_STREET_SCORE_WEIGHT)))
    if not 0 <= weight <= 1:
        raise ValueError("street_score_weight must be between 0 and 1")
    return weight


# ---- periods (Asia/Shanghai calendar months, quarters, years; [start, end) in UTC) ----


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    key: str  # "2026-10" | "2026-Q4" | "2026"
    start: datetime  # aware UTC, included: local midnight of the first day
    end: datetime  # aware UTC, excluded

    def months(self) -> list[str]:
        year, month = int(self.key[:4]), _first_month(self)
        count = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [f"{year}-{m:02d}" for m in range(month, month + count)]


def _first_month(period: Period) -> int:
    if period.kind == "month":
        return int(period.key[5:7])
    if period.kind == "quarter":
        return (int(period.key[-1]) - 1) * 3 + 1
    return 1


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _span(kind: str, key: str, first: date, after: date, tz: ZoneInfo) -> Period:
    return Period(kind, key, _local_midnight(first, tz), _local_midnight(after, tz))


def month_period(year: int, month: int, tz: ZoneInfo | None = None) -> Period:
    tz = tz or ZoneInfo(DEFAULT_TIMEZONE)
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return _span("month", f"{year}-{month:02d}", date(year, month, 1), after, tz)


def quarter_period(year: int, quarter: int, tz: ZoneInfo | None = None) -> Period:
    tz = tz or ZoneInfo(DEFAULT_TIMEZONE)
    first = date(year, (quarter - 1) * 3 + 1, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, quarter * 3 + 1, 1)
    return _span("quarter", f"{year}-Q{quarter}", first, after, tz)


def year_period(year: int, tz: ZoneInfo | None = None) -> Period:
    tz = tz or ZoneInfo(DEFAULT_TIMEZONE)
    return _span("year", f"{year}", date(year, 1, 1), date(year + 1, 1, 1), tz)


def parse_period(key: str, tz: ZoneInfo | None = None) -> Period:
    """"2026-10" (month), "2026-Q4" (quarter) or "2026" (year); ValueError otherwise."""
    key = (key or "").strip().upper()
    try:
        if len(key) == 4 and key.isdigit():
            return year_period(int(key), tz)
        if len(key) == 7 and key[4:6] == "-Q" and key[6] in "1234":
            return quarter_period(int(key[:4]), int(key[6]), tz)
        if len(key) == 7 and key[4] == "-" and 1 <= int(key[5:]) <= 12:
            return month_period(int(key[:4]), int(key[5:]), tz)
    except ValueError:
        pass
    raise ValueError(f"not a period: {key!r} (use 2026-10, 2026-Q4 or 2026)")


def _zone(tz: ZoneInfo | str | None) -> ZoneInfo:
    # A zone name is resolved here, outside any workflow sandbox (which proxies ZoneInfo objects).
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz or DEFAULT_TIMEZONE)


def month_key(moment: datetime, tz: ZoneInfo | str | None = None) -> str:
    local = moment.astimezone(_zone(tz))
    return f"{local.year}-{local.month:02d}"


def previous_month_key(moment: datetime, tz: ZoneInfo | str | None = None) -> str:
    """The month before the one `moment` falls in, locally: 2026-11-01 02:00 Shanghai -> "2026-10"."""
    local = moment.astimezone(_zone(tz))
    first = date(local.year, local.month, 1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def shift_month(key: str, months: int) -> str:
    year, month = int(key[:4]), int(key[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def months_ending(key: str, count: int) -> list[str]:
    """`count` month keys ending with `key`, oldest first."""
    return [shift_month(key, -i) for i in range(count - 1, -1, -1)]


# ---- the figures ----


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


COUNT_FIELDS = ("dispatched", "accepted_on_time", "response_failures", "closed", "resolved", "rated", "satisfied",
                "closed_on_time", "bounce_requests", "bounces_denied", "bounces_approved", "escalations",
                "extension_requests", "extensions_approved", "extensions_denied", "street_scores",
                "street_score_total", "sample")
ACTION_FIELD = {"bounce_requested": "bounce_requests", "bounce_denied": "bounces_denied",
                "bounce_approved": "bounces_approved", "escalated": "escalations",
                "extension_requested": "extension_requests", "extension_approved": "extensions_approved",
                "extension_denied": "extensions_denied", "dispatched": "dispatched"}


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


def compute_unit_figures(session: Session, period_start: datetime, period_end: datetime, *,
                         district_id: str | None = None) -> list[UnitFigures]:
    """Every unit with a counted event in [period_start, period_end), sorted by unit id.

    `district_id` limits the units to that district and the units under it (its streets, communities and
    district departments); city departments appear only in the city scope.
    """
    units = unit_table(session)
    scope = units_under(units, district_id) if district_id else None
    figures: dict[str, UnitFigures] = {}

    def unit(unit_id: str) -> UnitFigures:
        if unit_id not in figures:
            name, kind = units.get(unit_id, (unit_id, "", None))[:2]
            figures[unit_id] = UnitFigures(unit_id=unit_id, unit_name=name, unit_kind=kind)
        return figures[unit_id]

    def in_scope(unit_id: str | None) -> bool:
        return unit_id is not None and (scope is None or unit_id in scope)

    within = _within(TicketEvent, period_start, period_end, scope)
    _count_actions(session, within, unit)
    for unit_id, n in session.exec(
        select(TicketEvent.unit_id, func.count(distinct(TicketEvent.ticket_id)))
        .where(within, col(TicketEvent.action).in_(JUDGED)).group_by(TicketEvent.unit_id)
    ):
        unit(unit_id).sample = n
    for unit_id in _already_judged_late_accepts(session, within):
        unit(unit_id).response_failures -= 1
    for new_unit in _moves_in(session, period_start, period_end):
        if in_scope(new_unit):
            unit(new_unit).dispatched += 1
    for unit_id, ticket_id in session.exec(
        select(TicketEvent.unit_id, TicketEvent.ticket_id)
        .where(within, TicketEvent.action == "bounce_denied").order_by(TicketEvent.at, TicketEvent.ticket_id)
    ):
        unit(unit_id).first_receiver_cases.append(ticket_id)
    for unit_id, n, total in _street_scores(session, period_start, period_end, scope):
        unit(unit_id).street_scores, unit(unit_id).street_score_total = n, int(total or 0)
    return [figures[k] for k in sorted(figures)]


def _within(event, start: datetime, end: datetime, scope: set[str] | None):
    """Events of `event` (the table or an alias) in [start, end) counted for a unit in scope."""
    clause = and_(event.at >= start, event.at < end, col(event.unit_id).is_not(None))
    if scope is not None:
        clause = and_(clause, col(event.unit_id).in_(sorted(scope)))
    return clause


def _flag(expr):
    return case((expr, 1), else_=0)


def _on_time():
    return TicketEvent.details["on_time"].as_boolean() == true()


def _count_actions(session: Session, within, unit) -> None:
    """One grouped query: counts per unit and action, and the JSON-derived counts of accepts and closes."""
    rating = func.coalesce(TicketEvent.details["rating"].as_string(), "")
    stmt = (
        select(TicketEvent.unit_id, TicketEvent.action, func.count(),
               func.sum(_flag(_on_time())),
               func.sum(_flag(TicketEvent.details["outcome"].as_string() == "resolved")),
               func.sum(_flag(rating != "")),
               func.sum(_flag(rating.in_(SATISFIED))))
        .where(within, col(TicketEvent.action).in_(COUNTED))
        .group_by(TicketEvent.unit_id, TicketEvent.action)
    )
    for unit_id, action, n, on_time, resolved, rated, satisfied in session.exec(stmt):
        f = unit(unit_id)
        on_time, resolved, rated, satisfied = (int(v or 0) for v in (on_time, resolved, rated, satisfied))
        if action == "accepted":
            f.accepted_on_time += on_time
            f.response_failures += n - on_time  # late accepts; those already judged overdue are taken back
        elif action == "acceptance_overdue":
            f.response_failures += n
        elif action == "closed":
            f.closed, f.resolved, f.rated, f.satisfied, f.closed_on_time = n, resolved, rated, satisfied, on_time
        else:
            setattr(f, ACTION_FIELD[action], getattr(f, ACTION_FIELD[action]) + n)


def _already_judged_late_accepts(session: Session, within) -> list[str]:
    """Units of late accepts whose acceptance clock was already judged by an `acceptance_overdue`.

    Walks back from each late accept through its ticket's earlier events: the clock was already judged
    when an overdue of the same unit comes before any hand-over or earlier acceptance.
    """
    late = list(session.exec(
        select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.unit_id)
        .where(within, TicketEvent.action == "accepted", _flag(_on_time()) == 0)
    ))
    if not late:
        return []
    earlier: dict[str, list[tuple[int, str, str | None, dict]]] = defaultdict(list)
    boundary = ("acceptance_overdue", "accepted", "dispatched", *MOVES)
    tickets = sorted({t for t, _, _ in late})
    for chunk in _chunks(tickets):
        for ticket_id, seq, action, unit_id, details in session.exec(
            select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.action, TicketEvent.unit_id,
                   TicketEvent.details)
            .where(col(TicketEvent.ticket_id).in_(chunk), col(TicketEvent.action).in_(boundary))
        ):
            earlier[ticket_id].append((seq, action, unit_id, details or {}))
    judged = []
    for ticket_id, seq, unit_id in late:
        for before, action, event_unit, details in sorted(earlier[ticket_id], key=lambda e: -e[0]):
            if before >= seq:
                continue
            if action == "acceptance_overdue" and event_unit == unit_id:
                judged.append(unit_id)
                break
            if action in ("accepted", "dispatched") or _moved_to(action, event_unit, details):
                break
    return judged


def _moved_to(action: str, unit_id: str | None, details: dict) -> str | None:
    """The unit a bounce approval, reassignment or consultation ruling handed the case to, if any."""
    key = MOVES.get(action)
    new_unit = (details or {}).get(key) if key else None
    return new_unit if new_unit and new_unit != unit_id else None


def _moves_in(session: Session, start: datetime, end: datetime) -> list[str]:
    """Units that received a case in [start, end) by a move that left it waiting for their acceptance."""
    stmt = (select(TicketEvent.action, TicketEvent.unit_id, TicketEvent.details)
            .where(TicketEvent.at >= start, TicketEvent.at < end, col(TicketEvent.action).in_(tuple(MOVES)),
                   TicketEvent.stage_after == "dispatched"))
    return [u for action, unit_id, details in session.exec(stmt) if (u := _moved_to(action, unit_id, details))]


def _street_scores(session: Session, start: datetime, end: datetime, scope: set[str] | None):
    """Per unit: count and sum of the street scores on the ratings that closed whistles in the period."""
    closed, rating = aliased(TicketEvent), aliased(TicketEvent)
    last_rating = (
        select(func.max(TicketEvent.seq))
        .where(TicketEvent.ticket_id == closed.ticket_id, TicketEvent.seq < closed.seq,
               col(TicketEvent.action).in_(("rated", "rating_timeout")))
        .correlate(closed).scalar_subquery()
    )
    score = rating.details["score"].as_integer()
    stmt = (
        select(closed.unit_id, func.count(score), func.sum(score))
        .select_from(closed)
        .join(rating, and_(rating.ticket_id == closed.ticket_id, rating.seq == last_rating))
        .where(_within(closed, start, end, scope), closed.action == "closed",
               rating.action == "rated", rating.details["source"].as_string() == "street",
               score.is_not(None))
        .group_by(closed.unit_id)
    )
    return list(session.exec(stmt))


def _chunks(values: Sequence[str], size: int = IN_CHUNK):
    for i in range(0, len(values), size):
        yield list(values[i:i + size])


# ---- units ----


def unit_table(session: Session) -> dict[str, tuple[str, str, str | None]]:
    """unit id -> (Chinese name, kind, parent id); the units table is small (hundreds to a few thousand rows)."""
    return {u.id: (u.name_zh, u.kind, u.parent_id) for u in session.exec(select(Unit))}


def units_under(units: dict[str, tuple[str, str, str | None]], root: str) -> set[str]:
    children: dict[str | None, list[str]] = defaultdict(list)
    for unit_id, (_, _, parent) in units.items():
        children[parent].append(unit_id)
    found, stack = set(), [root]
    while stack:
        unit_id = stack.pop()
        if unit_id not in found:
            found.add(unit_id)
            stack.extend(children.get(unit_id, []))
    return found


def districts(session: Session) -> list[tuple[str, str]]:
    return [(u.id, u.name_zh) for u in session.exec(select(Unit).where(Unit.kind == "district").order_by(Unit.id))]


# ---- ranking and flags ----

GROUPS = {"department": "department", "street": "street", "township": "street", "community": "street",
          "district": "district"}
GROUP_ORDER = ("department", "street", "district", "other")
FIRST_RECEIVER = "first_receiver_failure"
BELOW_MIN_SAMPLE = "below_min_sample"
NO_CASES = "no_cases"


@dataclass
class Ranked:
    figures: UnitFigures
    group: str
    score: Fraction | None
    rank: int | None = None  # 1-based within the group; None: listed, not ranked
    flags: list[str] = field(default_factory=list)


def rank_units(figures: Iterable[UnitFigures], *, weights: dict[str, Fraction], minimum: int) -> list[Ranked]:
    """Ranked within groups, then the unranked; the order is total, so equal inputs give equal output."""
    rows = []
    for f in figures:
        flags = []
        if f.bounces_denied:
            flags.append(FIRST_RECEIVER)
        if f.sample == 0:
            flags.append(NO_CASES)
        elif f.sample < minimum:
            flags.append(BELOW_MIN_SAMPLE)
        rows.append(Ranked(f, GROUPS.get(f.unit_kind, "other"), f.platform_score(weights), flags=flags))
    by_group: dict[str, list[Ranked]] = defaultdict(list)
    for row in rows:
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


# ---- two-way evaluation: the year-end assessment ----


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


def assess(figures: Iterable[UnitFigures], settings: object | None = None) -> list[Assessment]:
    """The two-way assessment of each unit over the figures' period (the year for the year-end assessment)."""
    weights, weight = rate_weights(settings), street_score_weight(settings)
    result = []
    for f in figures:
        platform = f.platform_score(weights)
        result.append(Assessment(f, platform, f.street_score, weight, combine(platform, f.street_score, weight)))
    return result


def year_end_assessment(session: Session, year: int, settings: object | None = None, *,
                        district_id: str | None = None) -> list[Assessment]:
    period = year_period(year, tz_of(settings))
    return assess(compute_unit_figures(session, period.start, period.end, district_id=district_id), settings)


# ---- display ----


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
    return "—" if value is None else f"{decimal(value * 100, places)}%"


def score_text(value: Fraction | None, places: int = 2) -> str:
    return "—" if value is None else str(decimal(value, places))
