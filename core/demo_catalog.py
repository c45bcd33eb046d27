"""The demo city's responsibility catalog (青川市 Qingchuan), loaded from the CSV files in core/demo_catalog/.

Loads once, into an empty catalog only: a city that has its own catalog never sees the demo. The files
are plain UTF-8 CSV so an office can read them; lists inside a cell are separated by ";" (examples "|").
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.catalog import new_version, replace_item
from core.models.catalog import CatalogVersion, CommunityAccessItem, StreetOverride, TakenBackItem, Unit

DATA_DIR = Path(__file__).resolve().with_suffix("")
EFFECTIVE_AT = datetime(2026, 1, 1, tzinfo=UTC)


def load_demo_catalog(session: Session) -> bool:
    """Load the demo units and catalog version 1 if no catalog version exists; True if it loaded.

    Its own transaction (commits), so two processes starting together load it once: the loser of
    the race rolls back and returns False.
    """
    if session.exec(select(CatalogVersion.id)).first() is not None:
        return False
    try:
        _load(session)
        session.commit()
    except IntegrityError:
        session.rollback()
        if session.exec(select(CatalogVersion.id)).first() is not None:
            return False
        raise
    return True


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def split_list(text: str, sep: str = ";") -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def _load(session: Session) -> None:
    units = _load_units(session)
    version = new_version(session, author="system", reason="demo catalog", effective_at=EFFECTIVE_AT)
    _load_items(session, version, units)
    _load_lists(session, version)
    session.flush()


def _load_units(session: Session) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for row in read_rows("units.csv"):
        unit = session.get(Unit, row["id"])
        if unit is None:  # a unit set up before the demo keeps its own details
            unit = Unit(id=row["id"], kind=row["kind"], parent_id=row["parent_id"] or None, name_zh=row["name_zh"],
                        name_en=row["name_en"], contact=row["contact"], phone=row["phone"])
            session.add(unit)
            session.flush()  # parents before children: SQLite enforces the foreign key
        units[unit.id] = unit
    return units


def _load_items(session: Session, version, units: dict[str, Unit]) -> None:
    for row in read_rows("items.csv"):
        unit = units[row["primary_unit_id"]]
        replace_item(session, version, {
            "code": row["code"], "name_zh": row["name_zh"], "name_en": row["name_en"], "category": row["category"],
            "keywords": split_list(row["keywords"]), "examples": split_list(row["examples"], "|"),
            "primary_unit_id": row["primary_unit_id"],
            "cooperating_unit_ids": split_list(row["cooperating_unit_ids"]),
            "level": row["level"], "tier": row["tier"],
            "acceptance_limit": row["acceptance_limit"] or None, "closure_limit": row["closure_limit"] or None,
            "checkpoint_plan": row["checkpoint_plan"] or None, "process": row["process"],
            "contact": row["contact"] or f"{unit.name_zh} {unit.contact} {unit.phone}",
        })


def _load_lists(session: Session, version) -> None:
    """The community access list, streets' own lists and the items higher departments took back."""
    for row in read_rows("community_access.csv"):
        session.add(
            CommunityAccessItem(
                code=row["code"],
                version_from=version.id,
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                item_code=row["item_code"] or None,
            )
        )
    for row in read_rows("street_overrides.csv"):
        session.add(
            StreetOverride(
                street_id=row["street_id"],
                item_code=row["item_code"],
                version_from=version.id,
                primary_unit_id=row["primary_unit_id"],
                cooperating_unit_ids=split_list(row["cooperating_unit_ids"]),
                note=row["note"],
            )
        )
    for row in read_rows("taken_back.csv"):
        session.add(
            TakenBackItem(
                item_code=row["item_code"],
                version_from=version.id,
                taken_by_unit_id=row["taken_by_unit_id"],
                note=row["note"],
            )
        )
    session.flush()
