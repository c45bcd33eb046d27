"""Case search for staff (ticket number, phone, name, address, text) and a caller's earlier tickets for the hotline.

Every query stays within what the account may open (services.tickets.visible), needs MIN_QUERY characters, escapes
LIKE's wildcards and reads one bounded page, newest first. Phones and names are searched only for the roles that
see them unmasked; others match only what their masked view shows. No HTTP here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from core.config import Settings
from core.i18n import N_, _
from core.masking import mask_text
from core.messages import Role
from core.models.tickets import Ticket
from core.phones import national_number
from core.vocabulary import ErrorKind
from services.accounts import UNMASKED_ROLES, CurrentUser, denied, may_see_personal_data
from services.errors import ServiceError
from services.rate_limits import RateLimits
from services.tickets import visible

MIN_QUERY = 2
MAX_QUERY = 100
PAGE_SIZE = 20
MAX_PAGE = 25  # deeper than 500 results: narrow the query instead
HISTORY_SIZE = 10
SNIPPET_CONTEXT = 24  # characters either side of the match

TICKET_PREFIX = re.compile(r"\d{4}(?:-\d{0,4}(?:-\d{0,6})?)?")  # a prefix of 2026-1122-000123
TICKET_DIGITS = re.compile(r"20\d{2}(?:[01]\d{0,9})?")  # the same typed without dashes: 20261122000123
PHONE_TYPED = re.compile(r"\+?[\d\s()-]+")
_PHONE_PUNCTUATION = (" ", "-", "(", ")", "+")

# What matched, as the result list names it.
FIELD_LABELS = {"ticket": N_("Ticket number"), "phone": N_("Phone"), "name": N_("Name"),
                "address": N_("Address"), "description": N_("Description")}


@dataclass
class Hit:
    """One case found, with the part that matched (masked as this viewer sees the case)."""

    ticket: Ticket
    field: str
    before: str
    match: str
    after: str


@dataclass
class Results:
    query: str
    hits: list[Hit]
    number: int
    has_next: bool
    by_phone: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def normalized_query(raw: str) -> str:
    """The query as matched: NFKC (full-width digits and letters typed in a Chinese IME), trimmed."""
    return unicodedata.normalize("NFKC", raw or "").strip()[:MAX_QUERY]


def ticket_prefix(query: str) -> str | None:
    """The ticket number (or its beginning) the query spells, with its dashes; None when it spells none."""
    if TICKET_PREFIX.fullmatch(query):
        return query
    if TICKET_DIGITS.fullmatch(query):
        return "-".join(part for part in (query[:4], query[4:8], query[8:]) if part)
    return None


def phone_digits(text: str) -> str | None:
    """The national number of a typed phone ("+86 138-1234-5678" -> "13812345678"); None when it is not one."""
    text = normalized_query(text)
    if not PHONE_TYPED.fullmatch(text) or ticket_prefix(text) is not None:
        return None
    return national_number(text)


def may_search_phones(user: CurrentUser) -> bool:
    """Finding cases by phone or name is for those who see every complainant's contact unmasked."""
    return user.role in UNMASKED_ROLES


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column, text: str):
    return col(column).ilike(f"%{escape_like(text)}%", escape="\\")


def _phone_is(digits: str):
    """Through the index of the stored national numbers and received times (core.phones, migration 0013): a
    caller's cases newest first, not a scan of every case."""
    return col(Ticket.complainant_phone_number) == digits


def check_search_rate(limits: RateLimits, user: CurrentUser) -> None:
    """Searches per account (settings.rate_limit_search): a bound on scans and on walking through phones."""
    limits.check("search", str(user.id))


def search(session: Session, settings: Settings, user: CurrentUser, raw: str, page: int = 1) -> Results:
    """Cases `user` may open that match `raw`: ticket number (exact or prefix), phone (exact), name, address or
    description (substring, wildcards escaped), newest first, PAGE_SIZE at a time."""
    query = normalized_query(raw)
    if len(query) < MIN_QUERY:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Type at least %(n)s characters.", n=MIN_QUERY),
                           "search query too short")
    digits = phone_digits(query)
    personal = may_search_phones(user)
    if digits and not personal:
        raise denied(user, "search", "phone search by a role that sees phones masked",
                     _("Your role may not search by phone number."))
    page = min(max(1, page), MAX_PAGE)
    prefix = ticket_prefix(query)
    if digits:  # a phone number finds its complainant's cases through the index, not by reading every text
        matches = [_phone_is(digits)]
    else:
        matches = [_contains(Ticket.address, query), _contains(Ticket.description, query)]
        if prefix:
            matches += [Ticket.id == prefix, col(Ticket.id).like(f"{escape_like(prefix)}%", escape="\\")]
        if personal:
            matches.append(_contains(Ticket.complainant_name, query))
    stmt = (select(Ticket).where(visible(user, settings), or_(*matches)).options(defer(Ticket.state))
            .order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    rows = list(session.exec(stmt).all())
    hits = [hit for ticket in rows[:PAGE_SIZE] if (hit := _hit(user, ticket, query, prefix, digits)) is not None]
    return Results(query, hits, page, len(rows) > PAGE_SIZE, digits is not None)


def _hit(user: CurrentUser, ticket: Ticket, query: str, prefix: str | None, digits: str | None) -> Hit | None:
    """Where `ticket` matched, as this viewer sees it; None when it matched only in what is masked for them
    (a handler learns nothing from a name or phone hidden in the text)."""
    if prefix and ticket.id.startswith(prefix):
        return Hit(ticket, "ticket", "", prefix, ticket.id[len(prefix):])
    unmasked = may_see_personal_data(user, ticket.primary_unit_id)
    if digits and may_search_phones(user) and re.sub(r"\D", "", ticket.complainant_phone).endswith(digits):
        return Hit(ticket, "phone", "", ticket.complainant_phone, "")
    known = [ticket.complainant_name, ticket.complainant_phone]
    fields = [("name", ticket.complainant_name)] if may_search_phones(user) else []
    fields += [("address", ticket.address), ("description", ticket.description)]
    for field, text in fields:
        shown = text if unmasked else mask_text(text, known)
        found = _snippet(shown, query)
        if found:
            return Hit(ticket, field, *found)
    return None


def _snippet(text: str, query: str) -> tuple[str, str, str] | None:
    """The text as typed around the first match of `query` (case-insensitive, NFKC), SNIPPET_CONTEXT either side."""
    text = text or ""
    start = _comparable(text).find(_comparable(query))
    if start < 0:
        return None
    end = start + len(query)
    before, after = text[max(0, start - SNIPPET_CONTEXT):start], text[end:end + SNIPPET_CONTEXT]
    return ("…" if start > SNIPPET_CONTEXT else "") + before, text[start:end], after + (
        "…" if end + SNIPPET_CONTEXT < len(text) else "")


def _comparable(text: str) -> str:
    """NFKC and lower case character by character, so that positions in it are positions in `text`."""
    return "".join(_one(unicodedata.normalize("NFKC", c).lower(), c) for c in text)


def _one(changed: str, original: str) -> str:
    return changed if len(changed) == 1 else original


# ---- the hotline: the caller's earlier tickets ----


@dataclass
class HistoryRow:
    id: str
    received_at: datetime
    stage: str
    item_code: str | None
    item_name: str


@dataclass
class CallerHistory:
    phone: str  # the national number searched, "" when the field does not hold a phone yet
    rows: list[HistoryRow]
    more: bool


def caller_history(session: Session, settings: Settings, user: CurrentUser, phone: str) -> CallerHistory:
    """The newest HISTORY_SIZE cases filed with this exact phone, for the operator taking the call."""
    if user.role != Role.OPERATOR:
        raise denied(user, "caller history", f"role {user.role.value} is not the hotline's")
    digits = phone_digits(phone)
    if digits is None:
        return CallerHistory("", [], False)
    stmt = (select(Ticket.id, Ticket.received_at, Ticket.stage, Ticket.item_code, Ticket.item_name)
            .where(visible(user, settings), _phone_is(digits))
            .order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc()).limit(HISTORY_SIZE + 1))
    rows = [HistoryRow(*row) for row in session.exec(stmt).all()]
    return CallerHistory(digits, rows[:HISTORY_SIZE], len(rows) > HISTORY_SIZE)
