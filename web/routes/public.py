"""Pages for everyone: home, the citizen's tracking page and rating form, the public board."""

from __future__ import annotations

from fastapi import APIRouter, Request
from limits import parse
from sqlmodel import col, select

from api.actions import citizen_actor, send
from api.auth import OptionalUser, allow, deny
from api.deps import SessionDep, SettingsDep
from api.errors import PageError
from api.intake import check_secret
from core.i18n import _
from core.messages import RateInput, Rating
from core.models.tickets import Ticket, TicketEvent
from web.queries import published_cases, unit_names
from web.ranking import unit_ranking
from web.routes.common import see_other, temporal_client, text
from web.templating import flash, render
from workflows.grievance import GrievanceWorkflow

router = APIRouter()
TRACK_LIMIT = parse("30/minute")
# What a complainant sees of the audit log: outward steps, without the staff's names.
CITIZEN_ACTIONS = ("received", "dispatched", "handed_to_district", "accepted", "progress", "extension_approved",
                   "reassigned", "result_submitted", "review_approved", "review_returned", "rated", "reopened",
                   "closed", "published", "rejected", "merged", "rating_timeout")
CITIZEN_REASONS = ("progress", "result_submitted", "rejected", "merged", "extension_approved")


@router.get("/")
def home(request: Request, user: OptionalUser):
    return render(request, "index.html")


def _tracked(request: Request, session, settings, ticket_id: str, secret: str) -> Ticket | None:
    """The ticket, when the secret matches; a logged 403 otherwise; None while it is being registered."""
    address = request.client.host if request.client else "unknown"
    if not allow(TRACK_LIMIT, "track", address):
        raise PageError(429, _("Too many attempts. Wait a minute and try again."))
    if not check_secret(settings, ticket_id, secret):
        raise deny(request, None, f"wrong tracking secret for {ticket_id}",
                   _("The ticket number or the secret is wrong."))
    return session.get(Ticket, ticket_id)


@router.get("/track")
def track(request: Request, session: SessionDep, settings: SettingsDep, ticket: str = "", secret: str = ""):
    ticket_id, secret = ticket.strip()[:32], secret.strip()[:32]
    if not ticket_id or not secret:
        return render(request, "track_form.html", {"ticket_id": ticket_id})
    row = _tracked(request, session, settings, ticket_id, secret)
    events = []
    if row is not None:
        stmt = (select(TicketEvent).where(TicketEvent.ticket_id == row.id, col(TicketEvent.action).in_(CITIZEN_ACTIONS))
                .order_by(col(TicketEvent.seq)))
        events = list(session.exec(stmt).all())
    return render(request, "track.html", {
        "ticket_id": ticket_id, "secret": secret, "ticket": row, "events": events, "names": unit_names(session),
        "citizen_reasons": CITIZEN_REASONS, "ratings": [r.value for r in Rating],
        "can_rate": row is not None and row.stage == "rating" and row.channel != "whistle",
    })


@router.post("/track/{ticket_id}/rate")
async def rate(request: Request, ticket_id: str, session: SessionDep, settings: SettingsDep):
    form = await request.form()
    secret = text(form, "secret", 32)
    row = _tracked(request, session, settings, ticket_id[:32], secret)
    if row is None:
        raise PageError(404, _("No such ticket. A ticket filed a moment ago appears within a few seconds."))
    try:
        rating = Rating(text(form, "rating", 32))
    except ValueError:
        raise PageError(400, _("Choose a rating.")) from None
    client = await temporal_client(request)
    await send(client, row.id, GrievanceWorkflow.rate,
               RateInput(actor=citizen_actor(row.id), rating=rating, comment=text(form, "comment")),
               path=request.url.path)
    flash(request, _("Thank you: your rating has been recorded."))
    return see_other(f"/track?ticket={row.id}&secret={secret}")


@router.get("/board")
def board(request: Request, session: SessionDep, page: int = 1):
    return render(request, "board.html", {
        "cases": published_cases(session, page),
        "ranking": unit_ranking(session),
        "names": unit_names(session),
    })
