"""Reading the responsibility catalog at a version, and publishing a change as a new version.

Pure database functions over core.models.catalog; routing lives in core.routing, file import and
export in core.catalog_io.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.clock_plans import DEFAULT_TIERS
from core.models.catalog import (
    CatalogChangeProposal,
    CatalogItem,
    CatalogVersion,
    CommunityAccessItem,
    StreetOverride,
    TakenBackItem,
    Unit,
)
from core.models.tickets import Ticket, TicketEvent


# Main categories of the catalog: stable slug -> (Chinese label, English label).
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "market": ("市场监管", "Market supervision"),
    "urban": ("城市管理", "Urban management"),
    "housing": ("住房建设", "Housing and construction"),
    "ecology": ("生态环境", "Ecology and environment"),
    "traffic": ("交通出行", "Traffic and transport"),
    "utilities": ("公共服务（水电气暖）", "Public utilities (water, power, gas, heating)"),
    "social": ("社会治理", "Social governance"),
    "welfare": ("民生保障", "Welfare and public services"),
}
LEVELS = ("city", "district", "street")
TIERS = tuple(DEFAULT_TIERS)
TERRITORIAL_KINDS = ("street", "township")


class CatalogError(ValueError):
    pass


def current_version(session: Session, at: datetime | None = None) -> int | None:
    """The newest version already in effect at `at` (now by default)."""
    at = at or datetime.now(UTC)
    stmt = select(func.max(CatalogVersion.id)).where(CatalogVersion.effective_at <= at)
    return session.exec(stmt).one()


def _valid_at(model, version: int):
    return (model.version_from <= version) & (
        or_(col(model.version_to).is_(None), model.version_to > version)
    )


def items_at(session: Session, version: int | None = None) -> Sequence[CatalogItem]:
    version = version or current_version(session)
    if version is None:
        return []
    return session.exec(select(CatalogItem).where(_valid_at(CatalogItem, version)).order_by(CatalogItem.code)).all()


def get_item(session: Session, code: str, version: int | None = None) -> CatalogItem | None:
    version = version or current_version(session)
    if version is None:
        return None
    stmt = select(CatalogItem).where(CatalogItem.code == code, _valid_at(CatalogItem, version))
    return session.exec(stmt).first()


def get_unit(session: Session, unit_id: str) -> Unit | None:
    return session.get(Unit, unit_id)


def ancestor_of_kind(session: Session, unit_id: str | None, kinds: tuple[str, ...]) -> Unit | None:
    """The unit itself or its nearest ancestor whose kind is one of `kinds`."""
    seen: set[str] = set()
    while unit_id and unit_id not in seen:
        seen.add(unit_id)
        unit = session.get(Unit, unit_id)
        if unit is None:
            return None
        if unit.kind in kinds:
            return unit
        unit_id = unit.parent_id
    return None


def district_of(session: Session, unit_id: str | None) -> str | None:
    unit = ancestor_of_kind(session, unit_id, ("district",))
    return unit.id if unit else None


def street_of(session: Session, unit_id: str | None) -> str | None:
    unit = ancestor_of_kind(session, unit_id, ("street", "township"))
    return unit.id if unit else None


def street_override(session: Session, street_id: str, item_code: str, version: int) -> StreetOverride | None:
    stmt = select(StreetOverride).where(
        StreetOverride.street_id == street_id,
        StreetOverride.item_code == item_code,
        _valid_at(StreetOverride, version),
    )
    return session.exec(stmt).first()


def community_allowed(session: Session, item_code: str, version: int) -> bool:
    stmt = select(CommunityAccessItem).where(
        CommunityAccessItem.item_code == item_code, _valid_at(CommunityAccessItem, version)
    )
    return session.exec(stmt).first() is not None


def taken_back(session: Session, item_code: str, version: int) -> TakenBackItem | None:
    stmt = select(TakenBackItem).where(TakenBackItem.item_code == item_code, _valid_at(TakenBackItem, version))
    return session.exec(stmt).first()


def new_version(
    session: Session, *, author: str, reason: str, effective_at: datetime | None = None
) -> CatalogVersion:
    if not reason.strip():
        raise CatalogError("a catalog change needs a reason")
    now = datetime.now(UTC)
    version = CatalogVersion(effective_at=effective_at or now, author=author, reason=reason, created_at=now)
    session.add(version)
    session.flush()
    return version


def replace_item(session: Session, version: CatalogVersion, fields: dict) -> CatalogItem:
    """Close the current row of fields['code'] (if any) and insert the new one under `version`."""
    code = fields["code"]
    for row in session.exec(
        select(CatalogItem).where(CatalogItem.code == code, col(CatalogItem.version_to).is_(None))
    ):
        row.version_to = version.id
        session.add(row)
    item = CatalogItem(**{**fields, "version_from": version.id, "version_to": None})
    session.add(item)
    session.flush()
    return item


def remove_item(session: Session, version: CatalogVersion, code: str) -> None:
    rows = session.exec(
        select(CatalogItem).where(CatalogItem.code == code, col(CatalogItem.version_to).is_(None))
    ).all()
    if not rows:
        raise CatalogError(f"no current catalog item {code!r}")
    for row in rows:
        row.version_to = version.id
        session.add(row)
