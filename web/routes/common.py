"""Helpers shared by the page routes: form fields, redirects, loading a ticket the user may see."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse
from temporalio.client import Client

from api.auth import CurrentUser, deny
from api.errors import PageError
from core.config import Settings
from core.i18n import _
from core.models.tickets import Ticket
from core.temporal import TemporalUnreachable
from web.queries import can_view


def text(form: FormData, name: str, max_length: int = 4000) -> str:
    value = form.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > max_length:
        raise PageError(400, _("A field is too long (at most %(max)s characters).", max=max_length))
    return value


def unit_list(form: FormData, name: str) -> list[str]:
    """Units from a multi-select or from one text field separated by commas or spaces."""
    values: list[str] = []
    for raw in form.getlist(name):
        if isinstance(raw, str):
            values.extend(part for part in raw.replace("，", ",").replace(",", " ").split() if part)
    return list(dict.fromkeys(values))[:20]


def safe_next(value: object, default: str) -> str:
    """Only a path on this site: never an absolute or protocol-relative address."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def temporal_client(request: Request) -> Client:
    try:
        return await request.app.state.temporal.get()
    except TemporalUnreachable as exc:
        raise PageError(503, _("The workflow service is not reachable. Try again in a minute."), str(exc)) from None


def ticket_or_404(session: Session, ticket_id: str) -> Ticket:
    ticket = session.get(Ticket, ticket_id[:32])
    if ticket is None:
        raise PageError(404, _("No such ticket. A ticket filed a moment ago appears within a few seconds."))
    return ticket


def visible_ticket(request: Request, session: Session, settings: Settings, user: CurrentUser, ticket_id: str
                   ) -> Ticket:
    ticket = ticket_or_404(session, ticket_id)
    if not can_view(user, ticket, settings):
        raise deny(request, user, f"ticket {ticket.id} outside the account's cases")
    return ticket
