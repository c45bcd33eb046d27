"""Citizens follow and rate their own case with its number and tracking secret, no account needed.

The tracking page and the JSON API call the same functions: the same throttle, the same secret check,
the same timeline (services.tickets.citizen_timeline) and the same rating update.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import Session

from core.guards import Action
from core.i18n import _
from core.messages import ActionResult, RateInput, Rating
from core.models.tickets import Ticket
from core.vocabulary import ErrorKind
from services.accounts import check_tracking_rate, citizen_actor, denied
from services.actions import ACTIONS
from services.errors import ServiceError
from services.intake import check_secret
from services.platform import Platform
from services.tickets import CitizenStep, citizen_timeline
from services.updates import send


@dataclass
class Tracked:
    ticket_id: str
    ticket: Ticket | None  # None while the case is being registered
    steps: list[CitizenStep]


def track(session: Session, platform: Platform, ticket_id: str, secret: str, address: str) -> Tracked:
    """The case when the secret matches (a logged 403 otherwise), throttled per address."""
    ticket_id, secret = ticket_id.strip()[:32], secret.strip()[:64]
    check_tracking_rate(platform.rate_limits, address)
    if not check_secret(platform.settings, ticket_id, secret):
        raise denied(None, f"/track/{ticket_id}", f"wrong tracking secret for {ticket_id}",
                     _("The ticket number or the secret is wrong."))
    ticket = session.get(Ticket, ticket_id)
    return Tracked(ticket_id, ticket, citizen_timeline(session, ticket_id) if ticket else [])


async def rate(platform: Platform, ticket_id: str, secret: str, rating: str, comment: str, address: str
               ) -> ActionResult:
    """The complainant's rating: the same update the whistling street's rating sends."""
    try:
        chosen = Rating(rating)
    except ValueError:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Choose a rating.")) from None

    def load() -> Ticket | None:
        with Session(platform.engine) as session:
            return track(session, platform, ticket_id, secret, address).ticket

    ticket = await asyncio.to_thread(load)
    if ticket is None:
        raise ServiceError(ErrorKind.NOT_FOUND,
                           _("No such ticket. A ticket filed a moment ago appears within a few seconds."))
    payload = RateInput(actor=citizen_actor(ticket.id), rating=chosen, comment=comment.strip()[:4000])
    return await send(await platform.temporal.get(), ticket.id, ACTIONS[Action.RATE].update, payload,
                      f"track {ticket.id}", timeout=platform.settings.action_timeout_seconds)
