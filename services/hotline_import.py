"""Bulk intake of hotline records (12345 call logs) from a CSV file: validated whole, then filed.

Each row's `call_id` is its idempotency key, so importing the same file twice files nothing twice.
A file with any bad row is refused whole, with the row and column of every problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.characters import refused_character
from core.models.catalog import Unit

COLUMNS = {
    # header (Chinese + English, as the hotline system exports it) -> field
    "来电编号 call_id": "call_id",
    "来电时间 received_at": "received_at",
    "诉求内容 description": "description",
    "地址 address": "address",
    "所属街道 street_id": "street_id",
    "类别 category": "category",
    "联系人 name": "name",
    "联系电话 phone": "phone",
    "保密 confidential": "confidential",
}
REQUIRED = ("call_id", "received_at", "description")
MAX_ROWS = 20_000  # the default of Settings.hotline_import_max_rows
MAX_DESCRIPTION = 4000


@dataclass
class HotlineRecord:
    call_id: str
    received_at: datetime
    description: str
    address: str = ""
    street_id: str | None = None
    category: str = ""
    name: str = ""
    phone: str = ""
    confidential: bool = False
    row: int = 0  # its row in the file, as Problem counts


@dataclass
class Problem:
    row: int  # as a person counts rows in a spreadsheet: the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    records: list[HotlineRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is neither UTF-8 nor GBK text")


def parse(session: Session, data: bytes, tz: str = "Asia/Shanghai", max_rows: int = MAX_ROWS) -> ImportReport:
    report = ImportReport()
    try:
        text = decode(data)
    except ValueError as exc:
        report.problems.append(Problem(0, "", str(exc)))
        return report
    reader = csv.DictReader(io.StringIO(text))
    headers = {(h or "").strip(): h for h in reader.fieldnames or []}
    by_field = {}
    for header, name in COLUMNS.items():
        for candidate in (header, header.split(" ")[-1], header.split(" ")[0]):
            if candidate in headers:
                by_field[name] = (headers[candidate], header)
                break
    for name in REQUIRED:
        if name not in by_field:
            report.problems.append(Problem(1, _header(name), "required column is missing"))
    if report.problems:
        return report
    streets = {u.id for u in session.exec(select(Unit).where(col(Unit.kind).in_(("street", "township"))))}
    seen: dict[str, int] = {}
    for index, row in enumerate(reader, start=2):
        if index - 1 > max_rows:
            report.problems.append(Problem(index, "", f"at most {max_rows} records per file"))
            break
        values = {name: (row.get(source) or "").strip() for name, (source, _h) in by_field.items()}
        problems = _check(values, index, streets, seen, tz)
        report.problems.extend(problems)
        if not problems:
            report.records.append(HotlineRecord(
                call_id=values["call_id"], received_at=_when(values["received_at"], tz),
                description=values["description"], address=values.get("address", ""),
                street_id=values.get("street_id") or None, category=values.get("category", ""),
                name=values.get("name", ""), phone=values.get("phone", ""),
                confidential=values.get("confidential", "").lower() in ("1", "true", "是", "yes"), row=index,
            ))
    if not report.records and not report.problems:
        report.problems.append(Problem(2, "", "the file has no records"))
    return report


def _check(values: dict, index: int, streets: set[str], seen: dict[str, int], tz: str) -> list[Problem]:
    problems = []
    for name in REQUIRED:
        if not values.get(name):
            problems.append(Problem(index, _header(name), "required"))
    call_id = values.get("call_id", "")
    if len(call_id) > 100:
        problems.append(Problem(index, _header("call_id"), "longer than 100 characters"))
    if call_id in seen:
        problems.append(Problem(index, _header("call_id"), f"repeats row {seen[call_id]}"))
    elif call_id:
        seen[call_id] = index
    if values.get("received_at"):
        try:
            when = _when(values["received_at"], tz)
            if when > datetime.now(UTC):
                problems.append(Problem(index, _header("received_at"), "is in the future"))
        except ValueError:
            problems.append(Problem(index, _header("received_at"), "not a time like 2026-11-20 09:30"))
    if len(values.get("description", "")) > MAX_DESCRIPTION:
        problems.append(Problem(index, _header("description"), f"longer than {MAX_DESCRIPTION} characters"))
    street = values.get("street_id")
    if street and street not in streets:
        problems.append(Problem(index, _header("street_id"), f"unknown street {street!r}"))
    phone = values.get("phone", "")
    if phone and not phone.replace("-", "").replace(" ", "").isdigit():
        problems.append(Problem(index, _header("phone"), "not a phone number"))
    for name, value in values.items():  # a control character stored would break every XML feed
        if isinstance(value, str) and (code := refused_character(value)):
            problems.append(Problem(index, _header(name), f"a character that is not allowed ({code})"))
    return problems


def _when(text: str, tz: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("/", "-"))
    return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))).astimezone(UTC)


def _header(name: str) -> str:
    return next(h for h, f in COLUMNS.items() if f == name)
