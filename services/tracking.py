"""Citizens follow and rate their own case with its number and tracking secret, no account needed.

The tracking page and the JSON API call the same functions: the same throttle, the same secret check,
the same timeline (services.cases.citizen_timeline) and the same rating update.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlmodel import Session

from core.guards import Action, citizen_id
from core.i18n import _
from core.messages import Channel, Rating, Stage
from core.models.tickets import Ticket
from core.payloads import ActionResult, RateInput
from core.vocabulary import ErrorKind
from services.accounts import check_tracking_rate, citizen_actor, denied
from services.action_inputs import yes_no
from services.actions import ACTIONS
from services.cases import CitizenStep, citizen_timeline
from services.errors import ServiceError
from services.intake import check_secret
from services.platform import Platform
from services.updates import send

MERGE_HOPS = 5  # a duplicate merged into a case that was itself merged later: follow it this far


@dataclass
class Tracked:
    ticket_id: str
    ticket: Ticket | None  # None while the case is being registered
    steps: list[CitizenStep]
    followed: Ticket | None = None  # the case a merged duplicate joined: its complainant follows and rates it
    followed_steps: list[CitizenStep] = field(default_factory=list)

    @property
    def rated_case(self) -> Ticket | None:
        return self.followed or self.ticket

    @property
    def can_rate(self) -> bool:
        """The case waits for ratings and this complainant has not given theirs."""
        case = self.rated_case
        if case is None or case.stage != Stage.RATING or case.channel == Channel.WHISTLE:
            return False
        return citizen_id(self.ticket_id) not in {a.get("actor_id") for a in (case.state or {}).get("answers", [])}


def track(session: Session, platform: Platform, ticket_id: str, secret: str, address: str, *,
          timeline: bool = True) -> Tracked:
    """The case when the secret matches (a logged 403 otherwise), throttled per address; for a merged
    duplicate, also the case it joined. `timeline=False`: the cases without their steps (a rating)."""
    ticket_id, secret = ticket_id.strip()[:32], secret.strip()[:64]
    check_tracking_rate(platform.rate_limits, address)
    if not check_secret(platform.settings, ticket_id, secret):
        raise denied(None, f"/track/{ticket_id}", f"wrong tracking secret for {ticket_id}",
                     _("The ticket number or the secret is wrong."))
    return follow(session, ticket_id, timeline=timeline)


def follow(session: Session, ticket_id: str, *, timeline: bool = True) -> Tracked:
    """The case (and the case a merged duplicate joined) for a visitor whose secret was checked already:
    the web page remembers a checked secret for a few minutes so that the secret stays out of its URLs."""
    ticket = session.get(Ticket, ticket_id)
    found = Tracked(ticket_id, ticket, citizen_timeline(session, ticket_id) if ticket and timeline else [])
    followed = ticket
    for _hop in range(MERGE_HOPS):
        into = (followed.state or {}).get("duplicate_of") if followed is not None else None
        if followed is None or followed.stage != Stage.MERGED or not into:
            break
        followed = session.get(Ticket, into)
    if followed is not None and followed is not ticket:
        found.followed = followed
        found.followed_steps = citizen_timeline(session, followed.id) if timeline else []
    return found


async def rate(platform: Platform, ticket_id: str, secret: str, rating: str, comment: str, address: str,
               resolved: str | bool | None = None) -> ActionResult:
    """The complainant's rating and their answer to "was it solved?": the same update a whistling street's
    rating sends. The web form asks both; an API client that leaves `resolved` out is called back (回访)."""
    try:
        chosen = Rating(rating)
    except ValueError:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Choose a rating.")) from None
    answer = None if resolved in (None, "") else yes_no(resolved)
    if answer is not None and not isinstance(answer, bool):
        raise ServiceError(ErrorKind.BAD_INPUT, _("Say whether the problem was solved."))

    def load() -> Tracked:
        with Session(platform.engine) as session:
            return track(session, platform, ticket_id, secret, address, timeline=False)  # rating needs no steps

    found = await asyncio.to_thread(load)
    if found.rated_case is None:
        raise ServiceError(ErrorKind.NOT_FOUND,
                           _("No such ticket. A ticket filed a moment ago appears within a few seconds."))
    # A merged duplicate's complainant rates the case it joined, as themselves (their own ticket's secret).
    payload = RateInput(actor=citizen_actor(found.ticket_id), rating=chosen, comment=comment.strip()[:4000],
                        resolved=answer)
    case = found.rated_case.id
    return await send(await platform.temporal.get(), case, ACTIONS[Action.RATE].update, payload,
                      f"track {found.ticket_id}", timeout=platform.settings.action_timeout_seconds)
