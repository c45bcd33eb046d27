"""What the catalog pages show: labels, time limits in words, the browse filter and a street's own list.

Reads the catalog through core.catalog only (the same responsible-unit rule dispatch uses); writes nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from core import catalog
from core.clock_plans import resolve
from core.durations import parse_duration
from core.i18n import N_, _
from core.models.catalog import CatalogItem, StreetOverride, Unit

PAGE_SIZE = 30
LEVELS = {"city": N_("City level"), "district": N_("District level"), "street": N_("Street / township level")}
TIERS = {"urgent": N_("Urgent"), "standard": N_("Standard"), "complex": N_("Complex")}
KINDS = {
    "city": N_("City"), "centre": N_("Command centre"), "district": N_("District"), "street": N_("Street"),
    "township": N_("Township"), "community": N_("Community"), "department": N_("Department"),
}
ADJUSTMENT_REASONS = {
    "bounces": N_("many bounce requests"),
    "satisfaction": N_("low satisfaction"),
    "consultations": N_("frequent consultations"),
}
# unit of a duration -> (one, many); both carry %(num)s so the Chinese catalog needs no plural forms.
DURATION_WORDS = {
    "minutes": (N_("%(num)s minute"), N_("%(num)s minutes")),
    "hours": (N_("%(num)s hour"), N_("%(num)s hours")),
    "days": (N_("%(num)s day"), N_("%(num)s days")),
    "working_hours": (N_("%(num)s working hour"), N_("%(num)s working hours")),
    "working_days": (N_("%(num)s working day"), N_("%(num)s working days")),
}


def _label(table: dict[str, str], value: str | None) -> str:
    return _(table[value]) if value in table else (value or "")


def level_label(value: str | None) -> str:
    return _label(LEVELS, value)


def tier_label(value: str | None) -> str:
    return _label(TIERS, value)


def kind_label(value: str | None) -> str:
    return _label(KINDS, value)


def reason_label(value: str | None) -> str:
    return _label(ADJUSTMENT_REASONS, value)


def duration_words(text: str | None) -> str:
    """"2wh" -> "2 working hours" (两个工作小时 in Chinese); text that is no duration comes back as is."""
    try:
        duration = parse_duration(text or "")
    except ValueError:
        return text or ""
    one, many = DURATION_WORDS[duration.unit]
    return _(one if duration.amount == 1 else many, num=duration.amount)


@dataclass
class ClockWords:
    acceptance: str
    closure: str
    checkpoints: list[str]
    overridden: bool  # the item sets its own limits instead of its tier's


def clock_words(item: CatalogItem, tiers: dict[str, dict[str, str]] | None) -> ClockWords | None:
    """The item's resolved clock (tier plus the item's overrides) in words; None if it does not resolve."""
    try:
        plan = resolve(item.tier, acceptance=item.acceptance_limit, closure=item.closure_limit,
                       checkpoints=item.checkpoint_plan, tiers=tiers)
    except ValueError:
        return None
    return ClockWords(
        acceptance=duration_words(plan.acceptance),
        closure=duration_words(plan.closure),
        checkpoints=[duration_words(c) for c in plan.checkpoints],
        overridden=any((item.acceptance_limit, item.closure_limit, item.checkpoint_plan)),
    )


# ---- browsing ----


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def filter_items(items: Sequence[CatalogItem], *, q: str = "", category: str = "", unit: str = ""
                 ) -> list[CatalogItem]:
    """The plain filter: category, primary or cooperating unit, and `q` within code, names and keywords."""
    needle = _fold(q).strip()
    found = []
    for item in items:
        if category and item.category != category:
            continue
        if unit and unit != item.primary_unit_id and unit not in (item.cooperating_unit_ids or []):
            continue
        if needle:
            haystack = " ".join([item.code, item.name_zh, item.name_en, *(item.keywords or [])])
            if needle not in _fold(haystack):
                continue
        found.append(item)
    return found


@dataclass
class Slice:
    """One page of an in-memory list, with links that keep the page's other filters."""

    rows: list[Any]
    number: int
    total: int
    base: str
    params: dict[str, str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url(self, number: int) -> str:
        query = {k: v for k, v in self.params.items() if v}
        if number > 1:
            query["page"] = str(number)
        return self.base + ("?" + urlencode(query) if query else "")


def page_of(rows: Sequence[Any], number: int, base: str, params: dict[str, str] | None = None) -> Slice:
    total = len(rows)
    number = min(max(1, number), max(1, -(-total // PAGE_SIZE)))
    start = (number - 1) * PAGE_SIZE
    return Slice(list(rows[start:start + PAGE_SIZE]), number, total, base, dict(params or {}))


def units_by_id(session: Session) -> dict[str, Unit]:
    return {u.id: u for u in session.exec(select(Unit))}


def primary_units(session: Session, items: Sequence[CatalogItem]) -> list[Unit]:
    """Units that answer for at least one item, for the browse filter."""
    ids = {i.primary_unit_id for i in items} | {u for i in items for u in i.cooperating_unit_ids or []}
    if not ids:
        return []
    stmt = select(Unit).where(col(Unit.id).in_(ids)).order_by(Unit.kind, Unit.id)
    return list(session.exec(stmt).all())


# ---- one unit's list ----


@dataclass
class ListedItem:
    item: CatalogItem
    primary_unit_id: str
    cooperating_unit_ids: list[str]
    role: str  # "primary" | "cooperating"
    override: StreetOverride | None = None


def unit_list(session: Session, unit: Unit, version: int | None) -> list[ListedItem]:
    """The items `unit` answers for at `version`. A street or township gets its own list (一街一单):
    the item as the responsible-unit rule resolves it in that street, its overrides included."""
    if version is None:
        return []
    items = catalog.items_at(session, version)
    listed: list[ListedItem] = []
    territorial = unit.kind in catalog.TERRITORIAL_KINDS
    overrides = {o.item_code: o for o in street_overrides_of(session, unit.id, version)} if territorial else {}
    for item in items:
        if territorial:
            primary, cooperating = catalog.responsible_unit(session, item, unit.id, version)
        else:
            primary, cooperating = item.primary_unit_id, list(item.cooperating_unit_ids or [])
        if unit.id == primary:
            role = "primary"
        elif unit.id in cooperating:
            role = "cooperating"
        else:
            continue
        listed.append(ListedItem(item, primary, cooperating, role, overrides.get(item.code)))
    return listed


def street_overrides_of(session: Session, street_id: str, version: int | None) -> list[StreetOverride]:
    """A street's own answers (一街一单) at `version`, whoever they name."""
    if version is None:
        return []
    stmt = (select(StreetOverride)
            .where(StreetOverride.street_id == street_id, StreetOverride.version_from <= version)
            .order_by(StreetOverride.item_code))
    return [o for o in session.exec(stmt) if o.version_to is None or o.version_to > version]


def overrides_for_item(session: Session, code: str, version: int | None) -> list[StreetOverride]:
    """Streets whose own list answers differently for item `code`."""
    if version is None:
        return []
    stmt = (select(StreetOverride)
            .where(StreetOverride.item_code == code, StreetOverride.version_from <= version)
            .order_by(StreetOverride.street_id))
    return [o for o in session.exec(stmt) if o.version_to is None or o.version_to > version]


def overrides_naming(session: Session, unit_id: str, version: int | None) -> list[StreetOverride]:
    """Streets whose own list hands an item to `unit_id` (for a department's page)."""
    if version is None:
        return []
    stmt = (select(StreetOverride)
            .where(StreetOverride.primary_unit_id == unit_id, StreetOverride.version_from <= version)
            .order_by(StreetOverride.street_id, StreetOverride.item_code))
    return [o for o in session.exec(stmt) if o.version_to is None or o.version_to > version]


def changes_in(session: Session, version: int) -> tuple[list[CatalogItem], list[CatalogItem]]:
    """(rows this version added or replaced, rows it closed): what a version changed."""
    added = session.exec(select(CatalogItem).where(CatalogItem.version_from == version)
                         .order_by(CatalogItem.code)).all()
    closed = session.exec(select(CatalogItem).where(CatalogItem.version_to == version)
                          .order_by(CatalogItem.code)).all()
    return list(added), list(closed)
