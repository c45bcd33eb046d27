"""Pages for everyone: home, the citizen's tracking page and rating form, the public board."""

from __future__ import annotations

from fastapi import APIRouter, Request

from core import evaluation as ev
from core import reports
from core.i18n import _
from core.messages import Rating
from http_common.deps import PlatformDep, SessionDep, SettingsDep, client_address
from services import tracking
from services.tickets import published_cases, unit_names
from web.auth import OptionalUser
from web.routes.common import FormDep, see_other, text
from web.routes.evaluation import Format
from web.templating import flash, render

router = APIRouter()


@router.get("/")
def home(request: Request, user: OptionalUser):
    return render(request, "index.html")


@router.get("/track")
def track(request: Request, session: SessionDep, platform: PlatformDep, ticket: str = "", secret: str = ""):
    ticket_id, secret = ticket.strip()[:32], secret.strip()[:32]
    if not ticket_id or not secret:
        return render(request, "track_form.html", {"ticket_id": ticket_id})
    found = tracking.track(session, platform, ticket_id, secret, client_address(request))
    return render(request, "track.html", {
        "ticket_id": ticket_id, "secret": secret, "ticket": found.ticket, "events": found.steps,
        "followed": found.followed, "followed_events": found.followed_steps, "names": unit_names(session),
        "ratings": [r.value for r in Rating], "can_rate": found.can_rate,
    })


@router.post("/track/{ticket_id}/rate")
async def rate(request: Request, ticket_id: str, form: FormDep, platform: PlatformDep):
    secret = text(form, "secret", 32)
    result = await tracking.rate(platform, ticket_id, secret, text(form, "rating", 32), text(form, "comment"),
                                 client_address(request), resolved=text(form, "resolved", 8))
    flash(request, _("Thank you: your rating has been recorded."))
    return see_other(f"/track?ticket={result.ticket_id}&secret={secret}")


@router.get("/board")
def board(request: Request, session: SessionDep, settings: SettingsDep, page: int = 1):
    return render(request, "board.html", {
        "cases": published_cases(session, page),
        "ranking": reports.board_ranking(session, settings),  # the monthly ranking's rule, over the last 30 days
        "min_sample": ev.min_sample(settings),
        "fmt": Format,
        "names": unit_names(session),
    })

