"""The responsibility catalog (职责清单): units, versioned items, per-street overrides and side lists.

Versioning is row-based: a row is valid from `version_from` until `version_to` (exclusive, NULL while
current). A change closes the old row and inserts a new one under a new CatalogVersion, so every case
can be re-read against the exact version it was routed with.
"""

from datetime import datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


# An organisation in the grid: city, dispatch centre, district, street / township, community, department.
class Unit(SQLModel, table=True):
    __tablename__ = "units"

    id: str = Field(primary_key=True, max_length=64)
    name_zh: str
    name_en: str = ""
    kind: str = Field(index=True)
    parent_id: str | None = Field(default=None, foreign_key="units.id", index=True)
    contact: str = ""
    phone: str = ""
    active: bool = True


# One published change of the catalog: who, when it takes effect and why.
class CatalogVersion(SQLModel, table=True):
    __tablename__ = "catalog_versions"

    id: int | None = Field(default=None, primary_key=True)
    effective_at: datetime = Field(sa_type=UTCDateTime)
    author: str
    reason: str
    created_at: datetime = Field(sa_type=UTCDateTime)


# One catalog item (事项): what it covers and who answers for it, at one range of versions.
class CatalogItem(SQLModel, table=True):
    __tablename__ = "catalog_items"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, max_length=32)
    version_from: int = Field(foreign_key="catalog_versions.id", index=True)
    version_to: int | None = Field(default=None, index=True)
    name_zh: str
    name_en: str = ""
    category: str = Field(index=True)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    examples: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    primary_unit_id: str = Field(foreign_key="units.id", index=True)
    cooperating_unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    level: str = "district"  # city | district | street
    tier: str = "standard"  # urgent | standard | complex (see core.clock_plans)
    acceptance_limit: str | None = None  # overrides the tier, e.g. "2wh", "1wd"
    closure_limit: str | None = None  # e.g. "7d", "15wd"
    checkpoint_plan: str | None = None  # e.g. "1d,3d,5d,7d"
    process: str = Field(default="", sa_column=Column(Text))
    contact: str = ""


# "One list per street" (一街一单): a street's own answer to who handles an item in its area.
class StreetOverride(SQLModel, table=True):
    __tablename__ = "street_overrides"

    id: int | None = Field(default=None, primary_key=True)
    street_id: str = Field(foreign_key="units.id", index=True)
    item_code: str = Field(index=True)
    version_from: int = Field(foreign_key="catalog_versions.id")
    version_to: int | None = None
    primary_unit_id: str = Field(foreign_key="units.id")
    cooperating_unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    note: str = ""


# The community access list (社区准入清单): work a department may push into a community.
class CommunityAccessItem(SQLModel, table=True):
    __tablename__ = "community_access_items"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True)
    version_from: int = Field(foreign_key="catalog_versions.id")
    version_to: int | None = None
    name_zh: str
    name_en: str = ""
    item_code: str | None = None  # the catalog item it allows, if any


# Items taken back by higher departments (上收事项): never to be dispatched to streets.
class TakenBackItem(SQLModel, table=True):
    __tablename__ = "taken_back_items"

    id: int | None = Field(default=None, primary_key=True)
    item_code: str = Field(index=True)
    version_from: int = Field(foreign_key="catalog_versions.id")
    version_to: int | None = None
    taken_by_unit_id: str = Field(foreign_key="units.id")
    note: str = ""


# A proposal to change the catalog, e.g. from a consultation ruling; an admin accepts or rejects it.
class CatalogChangeProposal(SQLModel, table=True):
    __tablename__ = "catalog_change_proposals"

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(unique=True)  # idempotency key, e.g. "<ticket>:<seq>"
    ticket_id: str | None = Field(default=None, index=True)
    item_code: str | None = None
    proposed_primary_unit_id: str | None = None
    reason: str
    proposed_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    status: str = "open"  # open | accepted | rejected
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
