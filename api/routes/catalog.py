"""JSON API for the responsibility catalog (public, read-only), routing proposals and the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.auth import ApiUser
from api.routes.tickets import CandidateOut
from core import catalog, routing
from core.i18n import _
from core.models.catalog import CatalogItem, Unit
from core.vocabulary import ErrorKind
from http_common.deps import SessionDep
from services.errors import ServiceError

router = APIRouter(prefix="/api/v1", tags=["catalog"])


class ItemOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    category: str
    keywords: list[str]
    primary_unit_id: str
    cooperating_unit_ids: list[str]
    level: str
    tier: str
    acceptance_limit: str | None
    closure_limit: str | None
    checkpoint_plan: str | None
    process: str
    contact: str
    version_from: int


class UnitOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    kind: str
    parent_id: str | None
    contact: str
    phone: str


class ProposalIn(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    street_id: Annotated[str | None, Field(max_length=64)] = None
    category_hint: Annotated[str, Field(max_length=32)] = ""


class ProposalOut(BaseModel):
    catalog_version: int | None
    candidates: list[CandidateOut]


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str
    unit_id: str | None
    district_id: str | None
    street_id: str | None


def _item(item: CatalogItem) -> ItemOut:
    return ItemOut(**item.model_dump(include=set(ItemOut.model_fields)))


@router.get("/catalog/items", response_model=list[ItemOut], summary="Catalog items in effect now")
def list_items(session: SessionDep, category: Annotated[str | None, Query(max_length=32)] = None,
               unit_id: Annotated[str | None, Query(max_length=64)] = None,
               q: Annotated[str | None, Query(max_length=100)] = None) -> list[ItemOut]:
    items = catalog.items_at(session)
    if category:
        items = [i for i in items if i.category == category]
    if unit_id:
        items = [i for i in items if unit_id in (i.primary_unit_id, *i.cooperating_unit_ids)]
    if q:
        needle = q.strip().lower()
        items = [i for i in items if needle in f"{i.code} {i.name_zh} {i.name_en} {' '.join(i.keywords)}".lower()]
    return [_item(i) for i in items]


@router.get("/catalog/items/{code}", response_model=ItemOut, summary="One catalog item")
def get_item(code: str, session: SessionDep, version: Annotated[int | None, Query(ge=1)] = None) -> ItemOut:
    item = catalog.get_item(session, code[:32], version)
    if item is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("Catalog item %(code)s does not exist.", code=code[:32]))
    return _item(item)


@router.get("/units", response_model=list[UnitOut], summary="Units (city, districts, streets, departments)")
def list_units(session: SessionDep, kind: Annotated[str | None, Query(max_length=32)] = None) -> list[UnitOut]:
    stmt = select(Unit).where(Unit.active == True)  # noqa: E712
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    return [UnitOut(**u.model_dump(include=set(UnitOut.model_fields))) for u in session.exec(stmt.order_by(
        col(Unit.kind), col(Unit.id)))]


@router.post("/routing/proposals", response_model=ProposalOut, summary="Propose catalog items for a text")
def propose(body: ProposalIn, session: SessionDep, user: ApiUser) -> ProposalOut:
    version, candidates = routing.propose(session, body.text, street_id=body.street_id,
                                          category_hint=body.category_hint)
    return ProposalOut(catalog_version=version, candidates=[CandidateOut(**vars(c)) for c in candidates])


@router.get("/me", response_model=MeOut, summary="The account behind the token")
def me(user: ApiUser) -> MeOut:
    return MeOut(username=user.username, display_name=user.display_name, role=user.role.value,
                 unit_id=user.unit_id, district_id=user.district_id, street_id=user.street_id)
