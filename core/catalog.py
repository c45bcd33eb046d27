"""Reading the responsibility catalog at a version, and publishing a change as a new version.

Pure database functions over core.models.catalog; routing lives in core.routing, file import and
export in core.catalog_io.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, literal, or_
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
from core.vocabulary import AuditAction, Detail

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


MAX_DEPTH = 16  # a unit tree is a few levels deep; the bound also ends a cycle a bad import could make
DISTRICT_KINDS, STREET_KINDS = ("district",), ("street", "township")


def _chain_statement():
    """The unit and each unit above it, nearest first: a recursive CTE built once (building it took longer
    than running it)."""
    units, above = Unit.__table__, Unit.__table__.alias("above")
    chain = (select(units.c.id, units.c.parent_id, units.c.kind, literal(0).label("depth"))
             .where(units.c.id == bindparam("unit_id")).cte("chain", recursive=True))
    chain = chain.union_all(select(above.c.id, above.c.parent_id, above.c.kind, chain.c.depth + 1)
                            .where(above.c.id == chain.c.parent_id, chain.c.depth < MAX_DEPTH))
    return select(chain.c.id, chain.c.kind).order_by(chain.c.depth)


_CHAIN = _chain_statement()


def chain_of(session: Session, unit_id: str | None) -> list[tuple[str, str]]:
    """(id, kind) of the unit and of each unit above it, nearest first, in one query (every signed-in request
    reads its account's district and street)."""
    if not unit_id:
        return []
    return [(row.id, row.kind) for row in session.execute(_CHAIN, {"unit_id": unit_id})]


def nearest_of_kind(chain: list[tuple[str, str]], kinds: tuple[str, ...]) -> str | None:
    """The unit itself or its nearest ancestor whose kind is one of `kinds`."""
    return next((unit_id for unit_id, kind in chain if kind in kinds), None)


def district_of(session: Session, unit_id: str | None) -> str | None:
    return nearest_of_kind(chain_of(session, unit_id), DISTRICT_KINDS)


def street_of(session: Session, unit_id: str | None) -> str | None:
    return nearest_of_kind(chain_of(session, unit_id), STREET_KINDS)


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


def responsible_unit(
    session: Session, item: CatalogItem, street_id: str | None, version: int
) -> tuple[str, list[str]]:
    """Who answers for `item` in `street_id`: the street's own list, then the territorial rule, then the item.

    A street-level item whose primary unit is a street or township is territorial (属地): it goes to the
    street where the problem lies. An item taken back by a higher department never goes to a street.
    """
    primary, cooperating = item.primary_unit_id, list(item.cooperating_unit_ids or [])
    if not street_id:
        return primary, cooperating
    back = taken_back(session, item.code, version)
    override = street_override(session, street_id, item.code, version)
    if override is not None:
        target = session.get(Unit, override.primary_unit_id)
        if not (back and target is not None and target.kind in TERRITORIAL_KINDS):
            return override.primary_unit_id, list(override.cooperating_unit_ids or [])
    if item.level == "street" and back is None:
        listed = session.get(Unit, primary)
        street = session.get(Unit, street_id)
        if listed is not None and listed.kind in TERRITORIAL_KINDS and street is not None:
            return street_id, [u for u in cooperating if u != street_id]
    return primary, cooperating


# ---- dynamic adjustment (动态调整) ----

SATISFIED_RATINGS = ("satisfied", "basically_satisfied")


def adjustment_candidates(
    session: Session,
    *,
    since: datetime,
    min_bounces: int = 3,
    max_satisfaction: float = 0.8,
    min_consultations: int = 2,
    min_rated: int = 5,
) -> list[dict]:
    """Items that may need another primary unit: many bounce requests, low satisfaction, or disputes.

    Counts audit-log actions since `since`, per the ticket's current item. Satisfied share counts
    satisfied and basically satisfied ratings, and is only judged once `min_rated` ratings exist.
    """
    counts = _adjustment_tallies(session, since)
    names = {item.code: item.name_zh for item in items_at(session)}
    result = []
    for code, tally in counts.items():
        rated = tally["rated"]
        share = tally["satisfied"] / rated if rated else None
        reasons = []
        if tally["bounce_requested"] >= min_bounces:
            reasons.append("bounces")
        if rated >= min_rated and share is not None and share <= max_satisfaction:
            reasons.append("satisfaction")
        if tally["consultation_opened"] >= min_consultations:
            reasons.append("consultations")
        if not reasons:
            continue
        result.append(
            {
                "item_code": code,
                "item_name": names.get(code) or _any_item_name(session, code),
                "bounce_requests": tally["bounce_requested"],
                "consultations": tally["consultation_opened"],
                "rated": rated,
                "satisfied_share": round(share, 4) if share is not None else None,
                "reasons": reasons,
            }
        )
    result.sort(key=lambda r: (-len(r["reasons"]), -r["bounce_requests"], -r["consultations"], r["item_code"]))
    return result


def _adjustment_tallies(session: Session, since: datetime) -> dict[str, Counter]:
    """Per current item: bounce requests, consultations, ratings and satisfied ratings since `since`."""
    counted = (AuditAction.BOUNCE_REQUESTED, AuditAction.CONSULTATION_OPENED)
    counts: dict[str, Counter] = {}
    stmt = (
        select(Ticket.item_code, TicketEvent.action, func.count(TicketEvent.id))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.at >= since, col(TicketEvent.action).in_(counted), col(Ticket.item_code).is_not(None))
        .group_by(Ticket.item_code, TicketEvent.action)
    )
    for code, action, n in session.exec(stmt):
        counts.setdefault(code, Counter())[action] += n
    # Ratings sit in JSON details, read the same way on SQLite and PostgreSQL: tally them here.
    ratings = session.exec(
        select(Ticket.item_code, TicketEvent.details)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.at >= since, col(TicketEvent.action).in_((AuditAction.RATED, AuditAction.RATING_TIMEOUT)),
               col(Ticket.item_code).is_not(None))
    )
    for code, details in ratings:
        tally = counts.setdefault(code, Counter())
        tally["rated"] += 1
        tally["satisfied"] += (details or {}).get(Detail.RATING, "") in SATISFIED_RATINGS
    return counts


def _any_item_name(session: Session, code: str) -> str:
    stmt = select(CatalogItem.name_zh).where(CatalogItem.code == code).order_by(col(CatalogItem.id).desc())
    return session.exec(stmt).first() or ""


def accept_proposal(session: Session, proposal_id: int, *, admin: str) -> CatalogVersion:
    """Publish the proposal's new primary unit for its item as a new version, and mark it accepted.

    Only a proposal naming both an item and a unit can be applied; other changes go through an import.
    """
    proposal = _open_proposal(session, proposal_id)
    if not proposal.item_code or not proposal.proposed_primary_unit_id:
        raise CatalogError(
            f"proposal {proposal_id} names no item and unit to change: edit the catalog by import instead"
        )
    item = get_item(session, proposal.item_code)
    if item is None:
        raise CatalogError(f"no current catalog item {proposal.item_code!r}")
    unit_id = proposal.proposed_primary_unit_id
    if session.get(Unit, unit_id) is None:
        raise CatalogError(f"unknown unit {unit_id!r}")
    version = new_version(
        session, author=admin, reason=f"proposal #{proposal.id}: {proposal.reason}".strip()
    )
    fields = item.model_dump(exclude={"id", "version_from", "version_to"})
    fields["primary_unit_id"] = unit_id
    fields["cooperating_unit_ids"] = [u for u in item.cooperating_unit_ids or [] if u != unit_id]
    replace_item(session, version, fields)
    _decide(session, proposal, "accepted", admin)
    return version


def reject_proposal(session: Session, proposal_id: int, *, admin: str) -> CatalogChangeProposal:
    proposal = _open_proposal(session, proposal_id)
    _decide(session, proposal, "rejected", admin)
    return proposal


def _open_proposal(session: Session, proposal_id: int) -> CatalogChangeProposal:
    proposal = session.get(CatalogChangeProposal, proposal_id)
    if proposal is None:
        raise CatalogError(f"no catalog change proposal {proposal_id}")
    if proposal.status != "open":
        raise CatalogError(f"proposal {proposal_id} is already {proposal.status}")
    return proposal


def _decide(session: Session, proposal: CatalogChangeProposal, status: str, admin: str) -> None:
    proposal.status = status
    proposal.decided_by = admin
    proposal.decided_at = datetime.now(UTC)
    session.add(proposal)
    session.flush()
