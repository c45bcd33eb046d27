"""Near-duplicate grievances: open tickets close in place and text to a given one, proposed for merging.

Read-side only: a dispatcher decides (the `reject` update with duplicate_of merges). The search is
bounded to recent open tickets in the same street or nearby, so it does not grow with history.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from core.models.tickets import Ticket

WINDOW = timedelta(days=14)
NEAR_METRES = 300.0
MIN_SIMILARITY = 0.25
MIN_SIMILARITY_NEAR = 0.12  # close in place needs less textual overlap
MAX_SCANNED = 500
FINAL = ("closed", "rejected", "merged")
_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")


@dataclass
class DuplicateCandidate:
    ticket_id: str
    similarity: float  # 0..1, character-bigram Jaccard of the descriptions
    distance_m: float | None
    stage: str
    description: str


def bigrams(text: str) -> set[str]:
    tokens = _HAN_OR_WORD.findall((text or "").lower())
    return {a + b for a, b in zip(tokens, tokens[1:], strict=False)} | {t for t in tokens if len(t) > 1}


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def find_duplicates(session: Session, ticket: Ticket, limit: int = 3) -> list[DuplicateCandidate]:
    since = ticket.received_at - WINDOW
    place = []
    if ticket.street_id:
        place.append(Ticket.street_id == ticket.street_id)
    if ticket.address:
        place.append(Ticket.address == ticket.address)
    if ticket.lat is not None and ticket.lng is not None:
        box = NEAR_METRES / 111_000  # degrees of latitude; longitude narrows towards the poles
        place.append((col(Ticket.lat).between(ticket.lat - box, ticket.lat + box))
                     & (col(Ticket.lng).between(ticket.lng - 2 * box, ticket.lng + 2 * box)))
    if not place:
        return []
    stmt = (select(Ticket).where(Ticket.id != ticket.id, Ticket.received_at >= since,
                                 Ticket.received_at <= ticket.received_at + WINDOW,
                                 col(Ticket.stage).not_in(FINAL), or_(*place))
            .order_by(col(Ticket.received_at).desc()).limit(MAX_SCANNED))
    found = [c for c in (_match(ticket, other) for other in session.exec(stmt)) if c is not None]
    found.sort(key=lambda c: (-c.similarity, c.distance_m if c.distance_m is not None else math.inf, c.ticket_id))
    return found[:limit]


def _match(ticket: Ticket, other: Ticket, grams: set[str] | None = None,
           other_grams: set[str] | None = None) -> DuplicateCandidate | None:
    """`other` as a duplicate of `ticket`, or None: similar text, or less similar text close in place."""
    metres = None
    if None not in (ticket.lat, ticket.lng, other.lat, other.lng):
        metres = distance_m(ticket.lat, ticket.lng, other.lat, other.lng)
    near = (metres is not None and metres <= NEAR_METRES) or (bool(ticket.address) and other.address == ticket.address)
    x = bigrams(ticket.description) if grams is None else grams
    y = bigrams(other.description) if other_grams is None else other_grams
    score = len(x & y) / len(x | y) if x and y else 0.0
    if score >= MIN_SIMILARITY or (near and score >= MIN_SIMILARITY_NEAR):
        return DuplicateCandidate(other.id, round(score, 3), None if metres is None else round(metres, 1),
                                  other.stage, other.description)
    return None


def _same_place(ticket: Ticket, other: Ticket) -> bool:
    """The place filter of `find_duplicates`, for one loaded pair."""
    box = NEAR_METRES / 111_000
    return ((bool(ticket.street_id) and other.street_id == ticket.street_id)
            or (bool(ticket.address) and other.address == ticket.address)
            or (None not in (ticket.lat, ticket.lng, other.lat, other.lng)
                and abs(other.lat - ticket.lat) <= box and abs(other.lng - ticket.lng) <= 2 * box))


COUNT_CAP = 9  # a badge says "9+" beyond: a page stops comparing a ticket once it has shown that many


def count_duplicates(session: Session, tickets: list[Ticket], scanned: int = 4 * MAX_SCANNED) -> dict[str, int]:
    """How many near-duplicates each of a page of tickets has (the rule of `find_duplicates`, counted up to
    COUNT_CAP), in one query: the open tickets of the page's streets and addresses in the page's time window,
    compared in memory (a neighbour known only by its coordinates, with neither street nor address, shows on the
    case page only). The text is compared first: most pairs end there, before the place and the distance."""
    streets = {t.street_id for t in tickets if t.street_id}
    addresses = {t.address for t in tickets if t.address}
    if not tickets or not (streets or addresses):
        return {}
    since = min(t.received_at for t in tickets) - WINDOW
    until = max(t.received_at for t in tickets) + WINDOW
    columns = (Ticket.id, Ticket.stage, Ticket.street_id, Ticket.address, Ticket.lat, Ticket.lng,
               Ticket.received_at, Ticket.description)  # not the whole rows: their state is large
    stmt = (select(*columns).where(Ticket.received_at >= since, Ticket.received_at <= until,
                                 col(Ticket.stage).not_in(FINAL),
                                 or_(col(Ticket.street_id).in_(streets), col(Ticket.address).in_(addresses)))
            .order_by(col(Ticket.received_at).desc()).limit(scanned))
    others = [(o, bigrams(o.description)) for o in session.exec(stmt)]
    return {ticket.id: _count_for(ticket, others) for ticket in tickets}


def _count_for(ticket: Ticket, others: list) -> int:
    grams, found = bigrams(ticket.description), 0
    for other, other_grams in others:
        shared = len(grams & other_grams)
        if not shared or other.id == ticket.id or abs(other.received_at - ticket.received_at) > WINDOW:
            continue
        score = shared / (len(grams) + len(other_grams) - shared)
        if score < MIN_SIMILARITY_NEAR or not _same_place(ticket, other):
            continue
        if score >= MIN_SIMILARITY or _match(ticket, other, grams, other_grams) is not None:
            found += 1
            if found == COUNT_CAP:
                break
    return found
