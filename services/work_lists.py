"""The dispatch console's work table: each tab's count and oldest wait, and one page of new cases sorted and
filtered, each with its top proposal and near-duplicate count.

Reads only; the queues' WHERE clauses live in services.tickets. A page costs the same few queries whatever
its rows (nothing per row); no HTTP here: the route turns the query string into a `DispatchView`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import Settings
from core.duplicates import COUNT_CAP, count_duplicates
from core.messages import Channel
from core.models.catalog import Unit
from core.models.tickets import Ticket
from core.vocabulary import UnitKind
from services.accounts import CurrentUser
from services.tickets import Bounded, _bounces, _fetch, _reviews, bounded, dispatch_stmt

TABS = ("new", "bounces", "reviews")
SORTS = ("oldest", "newest", "surest", "least_sure")
BANDS = ("high", "medium", "low")
CHANNELS = tuple(c.value for c in Channel)
# the top proposal's confidence, read from the workflow's snapshot (JSON path: SQLite and PostgreSQL alike)
top_confidence = Ticket.state[("proposal", "candidates", 0, "confidence")].as_float()


@dataclass(frozen=True)
class DispatchView:
    """What the dispatcher asked to see: tab, sort, filters and page. Unknown values fall back to the defaults."""

    tab: str = "new"
    sort: str = "oldest"
    channel: str = ""
    street: str = ""
    district: str = ""
    band: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> DispatchView:
        def pick(name: str, allowed: tuple[str, ...], default: str = "") -> str:
            value = params.get(name, default)
            return value if value in allowed else default

        page = params.get("page", "1")
        return cls(tab=pick("tab", TABS, "new"), sort=pick("sort", SORTS, "oldest"),
                   channel=pick("channel", CHANNELS), street=params.get("street", "")[:32],
                   district=params.get("district", "")[:32], band=pick("band", BANDS),
                   page=max(1, min(int(page), 100_000)) if page.isdigit() else 1)

    @property
    def filtered(self) -> bool:
        return bool(self.channel or self.street or self.district or self.band)

    def query(self, **changes: Any) -> str:
        """This view's query string with `changes` (e.g. page=2), defaults left out: pager and tab links."""
        view = replace(self, **changes)
        pairs = {name: getattr(view, name) for name in ("tab", "sort", "channel", "street", "district", "band",
                                                         "page")}
        defaults = DispatchView()
        query = urlencode({k: v for k, v in pairs.items() if v != getattr(defaults, k)})
        return f"?{query}" if query else ""


@dataclass
class TabSummary:
    name: str
    count: int
    oldest: datetime | None  # when the longest-waiting case of the tab began to wait


@dataclass
class DispatchRow:
    ticket: Ticket
    candidates: list[dict]  # the routing proposal's top three, best first
    needs_check: bool  # no proposal, or the best one below settings.routing_check_below
    duplicates: int  # open near-duplicates (core.duplicates), counted up to COUNT_CAP

    @property
    def duplicates_shown(self) -> str:
        return f"{self.duplicates}+" if self.duplicates >= COUNT_CAP else str(self.duplicates)


@dataclass
class DispatchTable:
    view: DispatchView
    tabs: list[TabSummary]
    rows: list[DispatchRow] = field(default_factory=list)
    total: int = 0  # new cases matching the filters
    pages: int = 1
    requests: Bounded = field(default_factory=Bounded)  # the bounce or review tab's rows

    @property
    def counts(self) -> dict[str, int]:
        return {t.name: t.count for t in self.tabs}


def dispatch_table(session: Session, user: CurrentUser, settings: Settings, view: DispatchView) -> DispatchTable:
    table = DispatchTable(view, tab_summaries(session, user, settings))
    if view.tab == "bounces":
        table.requests = bounded(session, _bounces(user))
    elif view.tab == "reviews":
        table.requests = bounded(session, _reviews(user, settings))
    else:
        _new_cases_page(session, user, settings, table)
    return table


def tab_summaries(session: Session, user: CurrentUser, settings: Settings) -> list[TabSummary]:
    """Per tab, one aggregate query over the same WHERE as its list (read from the list's index)."""
    waits = (("new", dispatch_stmt(user), Ticket.received_at), ("bounces", _bounces(user), Ticket.updated_at),
             ("reviews", _reviews(user, settings), Ticket.submitted_at))
    summaries = []
    for name, stmt, since in waits:
        count, oldest = session.exec(select(func.count(), func.min(since)).where(stmt.whereclause)).one()
        summaries.append(TabSummary(name, count, oldest))
    return summaries


def _new_cases_page(session: Session, user: CurrentUser, settings: Settings, table: DispatchTable) -> None:
    view, size = table.view, settings.console_page_size
    stmt = _filtered(dispatch_stmt(user).order_by(None), view, settings)
    table.total = (session.exec(select(func.count()).select_from(Ticket).where(stmt.whereclause)).one() if view.filtered
                   else table.counts["new"])
    table.pages = max(1, math.ceil(table.total / size))
    page = min(view.page, table.pages)
    table.view = replace(view, page=page)
    tickets = _fetch(session, _sorted(stmt, view.sort).offset((page - 1) * size).limit(size))
    duplicates = count_duplicates(session, tickets)
    for ticket in tickets:
        candidates = ((ticket.state or {}).get("proposal") or {}).get("candidates") or []
        top = (candidates[0].get("confidence") or 0.0) if candidates else None
        table.rows.append(DispatchRow(ticket, candidates[:3], top is None or top < settings.routing_check_below,
                                      duplicates.get(ticket.id, 0)))


def _filtered(stmt, view: DispatchView, settings: Settings):
    if view.channel:
        stmt = stmt.where(Ticket.channel == view.channel)
    if view.street:
        stmt = stmt.where(Ticket.street_id == view.street)
    if view.district:
        stmt = stmt.where(Ticket.district_id == view.district)
    if view.band == "high":
        stmt = stmt.where(top_confidence >= settings.routing_sure_from)
    elif view.band == "medium":
        stmt = stmt.where(top_confidence >= settings.routing_check_below, top_confidence < settings.routing_sure_from)
    elif view.band == "low":  # below the threshold, or no proposal at all: both need the dispatcher's own look
        stmt = stmt.where((top_confidence < settings.routing_check_below) | top_confidence.is_(None))
    return stmt


def _sorted(stmt, sort: str):
    """Ties broken by ticket number, so that pages neither repeat nor skip a case."""
    if sort == "newest":
        return stmt.order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
    if sort == "surest":
        return stmt.order_by(top_confidence.desc().nulls_last(), Ticket.received_at, Ticket.id)
    if sort == "least_sure":
        return stmt.order_by(top_confidence.asc().nulls_first(), Ticket.received_at, Ticket.id)
    return stmt.order_by(Ticket.received_at, Ticket.id)


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The filters' options: channels, and the ids of the streets and districts (names: services.tickets)."""
    kinds = (UnitKind.STREET, UnitKind.TOWNSHIP, UnitKind.DISTRICT)
    units = session.exec(select(Unit.id, Unit.kind).where(col(Unit.kind).in_(kinds), Unit.active == True)  # noqa: E712
                         .order_by(Unit.id)).all()
    return {"channels": list(CHANNELS),
            "streets": [u.id for u in units if u.kind != UnitKind.DISTRICT],
            "districts": [u.id for u in units if u.kind == UnitKind.DISTRICT]}
