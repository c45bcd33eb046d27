"""Catalog items to and from the spreadsheet a 编办 office keeps: one row per item, Excel (.xlsx) or CSV.

An import checks every row before it writes anything and publishes the whole file as one new
version, or raises CatalogImportError listing each problem by spreadsheet row and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from core.catalog import (
    CATEGORY_LABELS,
    LEVELS,
    TIERS,
    items_at,
    new_version,
    remove_item,
    replace_item,
)
from core.clock_plans import DEFAULT_TIERS, resolve
from core.durations import parse_duration, parse_plan
from core.models.catalog import CatalogItem, CatalogVersion, Unit

Format = Literal["xlsx", "csv"]

# (field, header): Chinese for the office, the field name so a machine and a newcomer can read it too.
COLUMNS: list[tuple[str, str]] = [
    ("code", "事项编码 code"),
    ("name_zh", "事项名称 name_zh"),
    ("name_en", "英文名称 name_en"),
    ("category", "类别 category"),
    ("keywords", "关键词 keywords"),
    ("examples", "示例 examples"),
    ("primary_unit_id", "主体责任单位 primary_unit_id"),
    ("cooperating_unit_ids", "配合单位 cooperating_unit_ids"),
    ("level", "层级 level"),
    ("tier", "复杂度 tier"),
    ("acceptance_limit", "受理时限 acceptance_limit"),
    ("closure_limit", "办结时限 closure_limit"),
    ("checkpoint_plan", "督办节点 checkpoint_plan"),
    ("process", "办理流程 process"),
    ("contact", "联系方式 contact"),
]
HEADERS = dict(COLUMNS)
REQUIRED = ("code", "name_zh", "category", "primary_unit_id")
LIST_FIELDS = ("keywords", "examples", "cooperating_unit_ids")
SHEET_TITLE = "事项清单 items"

_KEYWORD_SEP = re.compile(r"[;；、\n]")
_EXAMPLE_SEP = re.compile(r"[|｜\n]")
_UNIT_SEP = re.compile(r"[;；,，、\s]+")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


@dataclass
class Problem:
    row: int  # as the spreadsheet shows it: the header is row 1; 0 means the file as a whole
    column: str  # the column header, "" for a whole row or file
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class CatalogImportError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"catalog file rejected, nothing imported: {shown}{more}")


# ---- export ----


def export_items(session: Session, fmt: Format, version: int | None = None) -> bytes:
    """The catalog at `version` (the current one by default) as .xlsx or as CSV in UTF-8 with BOM."""
    rows = [[_cell(item, field) for field, _ in COLUMNS] for item in items_at(session, version)]
    headers = [header for _, header in COLUMNS]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read it as UTF-8
    if fmt == "xlsx":
        return _xlsx(session, headers, rows)
    raise ValueError(f"unknown format {fmt!r}: use xlsx or csv")


def _cell(item: CatalogItem, field: str) -> str:
    value = getattr(item, field)
    if field == "examples":
        return "｜".join(value or [])
    if field in LIST_FIELDS:
        return "；".join(value or [])
    return value or ""


def _xlsx(session: Session, headers: list[str], rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "B2"
    widths = {"name_zh": 24, "name_en": 32, "keywords": 40, "examples": 60, "process": 60, "contact": 36}
    for i, (field, _) in enumerate(COLUMNS):
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = widths.get(field, 16)
    # A reference sheet, so the office can fill the coded columns without asking.
    ref = book.create_sheet("代码说明 codes")
    ref.append(["类型 type", "代码 code", "中文 zh", "English"])
    for slug, (zh, en) in CATEGORY_LABELS.items():
        ref.append(["category", slug, zh, en])
    for level in LEVELS:
        ref.append(["level", level, {"city": "市级", "district": "区级", "street": "街道（乡镇）级"}[level], level])
    for tier in TIERS:
        ref.append(["tier", tier, {"urgent": "紧急", "standard": "一般", "complex": "复杂"}.get(tier, tier), tier])
    for unit in session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(Unit.id)):
        ref.append(["unit", unit.id, unit.name_zh, unit.name_en])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- import ----


def import_items(
    session: Session,
    data: bytes,
    fmt: Format,
    *,
    author: str,
    reason: str,
    effective_at: datetime | None = None,
    replace_all: bool = True,
    tiers: dict[str, dict[str, str]] | None = None,
) -> CatalogVersion:
    """Check every row, then publish the file as one new version (items missing from it are removed
    when replace_all). Unchanged items keep their rows; a file that changes nothing publishes nothing
    and returns the latest version. Flushes; the caller commits.

    `tiers` are the complexity tiers the rows are checked against, as the admin form checks them:
    pass the configured ones (core.clock_plans.load_tiers(settings.clock_plans)); None means the
    built-in DEFAULT_TIERS.
    """
    tiers = tiers or DEFAULT_TIERS
    problems: list[Problem] = []
    if not (reason or "").strip():
        problems.append(Problem(0, "", "a catalog change needs a reason"))
    table = _read(data, fmt, problems)
    items = _parse(session, table, tiers, problems) if table is not None else []
    if table is not None and not items and not problems:
        problems.append(Problem(0, "", "the file has no items"))
    if problems:
        raise CatalogImportError(problems)

    current = {
        item.code: item for item in session.exec(select(CatalogItem).where(col(CatalogItem.version_to).is_(None)))
    }
    changed = [fields for fields in items if _differs(current.get(fields["code"]), fields)]
    incoming = {fields["code"] for fields in items}
    removed = sorted(code for code in current if code not in incoming) if replace_all else []
    if not changed and not removed:
        latest = session.exec(select(CatalogVersion).order_by(col(CatalogVersion.id).desc())).first()
        if latest is not None:
            return latest
    version = new_version(session, author=author, reason=reason, effective_at=effective_at)
    for fields in changed:
        replace_item(session, version, fields)
    for code in removed:
        remove_item(session, version, code)
    session.flush()
    return version


def _differs(item: CatalogItem | None, fields: dict) -> bool:
    return item is None or any(getattr(item, k) != v for k, v in fields.items())


def _read(data: bytes, fmt: Format, problems: list[Problem]) -> list[tuple[int, list[str]]] | None:
    """Rows of cell text, each with its spreadsheet row number; None when the file cannot be read."""
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:  # Excel on a Chinese Windows saves "CSV" in GBK
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                problems.append(Problem(0, "", "the CSV file is neither UTF-8 nor GBK text"))
                return None
        reader = csv.reader(io.StringIO(text, newline=""))
        return [(i, [c.strip() for c in row]) for i, row in enumerate(reader, start=1)]
    if fmt == "xlsx":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises several kinds for a file that is not a workbook
            problems.append(Problem(0, "", "not a readable .xlsx workbook"))
            return None
        sheet = book.worksheets[0]
        rows = [(i, [_text(v) for v in row]) for i, row in enumerate(sheet.iter_rows(values_only=True), 1)]
        book.close()
        return rows
    problems.append(Problem(0, "", f"unknown format {fmt!r}: use xlsx or csv"))
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_field(header: str) -> str | None:
    header = header.strip()
    for field, full in COLUMNS:
        zh = full.split(" ")[0]
        if header in (full, field, zh) or header.split()[-1:] == [field]:
            return field
    return None


def _parse(
    session: Session, table: list[tuple[int, list[str]]], tiers: dict[str, dict[str, str]], problems: list[Problem]
) -> list[dict]:
    if not table:
        problems.append(Problem(0, "", "the file is empty"))
        return []
    header_row, headers = table[0]
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        field = _header_field(header)
        if field and field not in positions:
            positions[field] = i
    missing = [HEADERS[f] for f in REQUIRED if f not in positions]
    for header in missing:
        problems.append(Problem(header_row, header, "required column is missing"))
    if missing:
        return []

    unit_ids = set(session.exec(select(Unit.id)).all())
    seen: dict[str, int] = {}
    items = []
    for row_no, cells in table[1:]:
        if not any(cells):
            continue  # blank rows in a spreadsheet are not items
        raw = {f: (cells[i] if i < len(cells) else "") for f, i in positions.items()}
        fields = _check_row(row_no, raw, unit_ids, seen, tiers, problems)
        if fields is not None:
            items.append(fields)
    return items


def _check_row(
    row: int,
    raw: dict[str, str],
    unit_ids: set[str],
    seen: dict[str, int],
    tiers: dict[str, dict[str, str]],
    problems: list[Problem],
) -> dict | None:
    before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(Problem(row, HEADERS[field], message))

    for field in REQUIRED:
        if not raw.get(field):
            bad(field, "required, but empty")
    code = raw.get("code", "")
    if code and not _CODE.match(code):
        bad("code", f"{code!r} is not a valid code (letters, digits, - _ . ; at most 32)")
    elif code in seen:
        bad("code", f"{code!r} already appears in row {seen[code]}")
    elif code:
        seen[code] = row
    category = raw.get("category", "")
    if category and category not in CATEGORY_LABELS:
        bad("category", f"unknown category {category!r} (use one of {', '.join(CATEGORY_LABELS)})")
    primary = raw.get("primary_unit_id", "")
    if primary and primary not in unit_ids:
        bad("primary_unit_id", f"unknown unit {primary!r}")
    cooperating = [u for u in _UNIT_SEP.split(raw.get("cooperating_unit_ids", "")) if u]
    unknown = [u for u in cooperating if u not in unit_ids]
    if unknown:
        bad("cooperating_unit_ids", f"unknown unit(s) {', '.join(unknown)}")
    level = raw.get("level", "") or "district"
    if level not in LEVELS:
        bad("level", f"unknown level {level!r} (use one of {', '.join(LEVELS)})")
    tier = raw.get("tier", "") or "standard"
    if tier not in tiers:
        bad("tier", f"unknown tier {tier!r} (use one of {', '.join(tiers)})")
    limits = {f: raw.get(f, "") or None for f in ("acceptance_limit", "closure_limit", "checkpoint_plan")}
    _check_clock(tier if tier in tiers else "standard", limits, tiers, bad)
    if len(problems) > before:
        return None
    return {
        "code": code,
        "name_zh": raw["name_zh"],
        "name_en": raw.get("name_en", ""),
        "category": category,
        "keywords": [k.strip() for k in _KEYWORD_SEP.split(raw.get("keywords", "")) if k.strip()],
        "examples": [e.strip() for e in _EXAMPLE_SEP.split(raw.get("examples", "")) if e.strip()],
        "primary_unit_id": primary,
        "cooperating_unit_ids": [u for u in cooperating if u != primary],
        "level": level,
        "tier": tier,
        **limits,
        "process": raw.get("process", ""),
        "contact": raw.get("contact", ""),
    }


def _check_clock(tier: str, limits: dict[str, str | None], tiers: dict[str, dict[str, str]], bad) -> None:
    """Each duration on its own, then the plan the workflow would resolve from them together, against
    the same tiers the workflow and the admin form (web.catalog_forms) resolve with."""
    parsers = {"acceptance_limit": parse_duration, "closure_limit": parse_duration, "checkpoint_plan": parse_plan}
    failed = False
    for field, parse in parsers.items():
        if limits[field]:
            try:
                parse(limits[field])
            except ValueError as exc:
                bad(field, str(exc))
                failed = True
    if failed or not any(limits.values()):
        return
    try:
        resolve(
            tier,
            acceptance=limits["acceptance_limit"],
            closure=limits["closure_limit"],
            checkpoints=limits["checkpoint_plan"],
            tiers=tiers,
        )
    except ValueError as exc:
        bad("checkpoint_plan" if limits["checkpoint_plan"] else "closure_limit", str(exc))
