"""The units tree as evaluation reads it: names, kinds and parents, the units under a district, the districts.

Scopes are "city" (CITY) or a district's unit id. Reads the units table only (small: hundreds to a few
thousand rows), so callers load it once per computation.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from core.models.catalog import Unit
from core.vocabulary import UnitKind

CITY = "city"  # the whole city's scope; any other scope is a district's unit id

UnitRow = tuple[str, str, str | None]  # (Chinese name, kind, parent id)


def unit_table(session: Session) -> dict[str, UnitRow]:
    """unit id -> (Chinese name, kind, parent id)."""
    return {u.id: (u.name_zh, u.kind, u.parent_id) for u in session.exec(select(Unit))}


def units_under(units: dict[str, UnitRow], root: str) -> set[str]:
    """`root` and every unit below it."""
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
    """(id, Chinese name) of every district, by id."""
    stmt = select(Unit).where(Unit.kind == UnitKind.DISTRICT).order_by(Unit.id)
    return [(u.id, u.name_zh) for u in session.exec(stmt)]
