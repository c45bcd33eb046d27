"""JSON case search: GET /api/v1/search, the console's search (services.search) for API clients.

Same visibility, masking, bounds and per-account rate limit as GET /search.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth import ApiUser
from http_common.deps import PlatformDep, SessionDep
from services import search

router = APIRouter(prefix="/api/v1", tags=["tickets"])


class SearchHitOut(BaseModel):
    ticket_id: str
    stage: str
    item_code: str | None
    item_name: str
    primary_unit_id: str | None
    received_at: datetime
    field: str  # ticket | phone | name | address | description
    before: str
    match: str
    after: str


class SearchOut(BaseModel):
    query: str
    page: int
    has_next: bool
    results: list[SearchHitOut]


@router.get("/search", response_model=SearchOut, summary="Find visible tickets by number, phone, address or text")
def search_tickets(session: SessionDep, platform: PlatformDep, user: ApiUser,
                   q: Annotated[str, Query(min_length=1, max_length=search.MAX_QUERY)],
                   page: Annotated[int, Query(ge=1, le=search.MAX_PAGE)] = 1) -> SearchOut:
    search.check_search_rate(platform.rate_limits, user)
    found = search.search(session, platform.settings, user, q, page)
    return SearchOut(query=found.query, page=found.number, has_next=found.has_next, results=[
        SearchHitOut(ticket_id=h.ticket.id, stage=h.ticket.stage, item_code=h.ticket.item_code,
                     item_name=h.ticket.item_name, primary_unit_id=h.ticket.primary_unit_id,
                     received_at=h.ticket.received_at, field=h.field, before=h.before, match=h.match, after=h.after)
        for h in found.hits])
