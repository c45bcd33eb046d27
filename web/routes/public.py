"""Pages for everyone: home, the citizen's tracking page and rating form, the public board."""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from core import evaluation as ev
from core import reports
from core.i18n import _
from core.messages import Rating
from http_common.deps import PlatformDep, SessionDep, SettingsDep, client_address
from services import tracking
from services.errors import ServiceError
from services.intake import tracking_secret
from services.tickets import published_cases, unit_names
from web.auth import OptionalUser
from web.routes.common import FormDep, fields, see_other, text
from web.routes.evaluation import Format
from web.templating import flash, render

router = APIRouter()
TRACKED = "tracked"  # session key: ticket number -> until when (epoch seconds) its secret counts as checked
TRACK_GRANT_SECONDS = 30 * 60  # a citizen reading and rating their case; then the secret is asked again
MAX_GRANTS = 5  # the cookie stays small


@router.get("/")
def home(request: Request, user: OptionalUser):
    return render(request, "index.html")


@router.get("/track")
def track_form(request: Request, ticket: str = "", secret: str = ""):
    """The tracking form. An old link that carried the secret is sent here without it (never echoed back)."""
    ticket_id = ticket.strip()[:32]
    if secret or "secret" in request.query_params:
        flash(request, _("For your safety a secret in a link is no longer accepted: type it in the form."), "warn")
        return see_other(f"/track?ticket={quote(ticket_id)}" if ticket_id else "/track")
    return render(request, "track_form.html", {"ticket_id": ticket_id, "field_errors": {}})


@router.post("/track")
async def track_submit(request: Request, form: FormDep, platform: PlatformDep):
    """The secret travels in the form's body only; once checked, this browser may see the case for a while."""
    ticket_id, secret = _typed(form, "ticket")[:32], _typed(form, "secret")
    errors = {name: message for name, value, message in (
        ("ticket", ticket_id, _("Type the ticket number.")), ("secret", secret, _("Type the secret.")))
        if not value}
    status = 400
    if not errors:
        try:
            await run_in_threadpool(_check, platform, ticket_id, secret, client_address(request))
        except ServiceError as refused:
            errors, status = {"secret": refused.message}, refused.status
    if errors:
        return render(request, "track_form.html", {"ticket_id": ticket_id, "field_errors": errors},
                      status_code=status)
    _grant(request, ticket_id)
    return see_other(f"/track/{quote(ticket_id)}")


@router.get("/track/{ticket_id}")
def tracked_case(request: Request, ticket_id: str, session: SessionDep):
    if not _granted(request, ticket_id):
        return see_other(f"/track?ticket={quote(ticket_id[:32])}")
    return render(request, "track.html", _track_context(session, ticket_id))


@router.post("/track/{ticket_id}/rate")
async def rate(request: Request, ticket_id: str, form: FormDep, platform: PlatformDep):
    secret = _typed(form, "secret") or (tracking_secret(platform.settings, ticket_id) if _granted(request, ticket_id)
                                        else "")
    if not secret:
        return see_other(f"/track?ticket={quote(ticket_id[:32])}")
    try:
        await tracking.rate(platform, ticket_id, secret, text(form, "rating", 32), text(form, "comment"),
                                     client_address(request), resolved=text(form, "resolved", 8))
    except ServiceError as refused:
        if refused.status in (403, 404, 429) or not _granted(request, ticket_id):
            raise
        return await _rating_refused(request, platform, ticket_id, form, refused)
    _grant(request, ticket_id)
    flash(request, _("Thank you: your rating has been recorded."))
    return see_other(f"/track/{quote(ticket_id[:32])}")  # the citizen's own ticket: its page shows a joined case


async def _rating_refused(request: Request, platform, ticket_id: str, form, refused: ServiceError):
    """The tracking page again, the message beside the rating form and the rating and comment kept."""
    def load() -> dict:
        with Session(platform.engine) as session:
            return _track_context(session, ticket_id)

    context = await run_in_threadpool(load)
    context.update(rate_error=refused.message, kept={k: v for k, v in fields(form).items() if k != "csrf_token"})
    return render(request, "track.html", context, status_code=refused.status)


def _track_context(session, ticket_id: str) -> dict:
    found = tracking.follow(session, ticket_id)
    return {"ticket_id": ticket_id, "ticket": found.ticket, "events": found.steps, "followed": found.followed,
            "followed_events": found.followed_steps, "names": unit_names(session),
            "ratings": [r.value for r in Rating], "can_rate": found.can_rate, "rate_error": "", "kept": {}}


def _typed(form, name: str) -> str:
    value = form.get(name)
    return value.strip()[:64] if isinstance(value, str) else ""


def _check(platform, ticket_id: str, secret: str, address: str) -> None:
    with Session(platform.engine) as session:
        tracking.track(session, platform, ticket_id, secret, address)


def _grant(request: Request, ticket_id: str) -> None:
    """Remembered in the signed session cookie: the ticket number and until when, never the secret."""
    now = time.time()
    grants = {t: until for t, until in request.session.get(TRACKED, {}).items() if until > now}
    grants[ticket_id] = now + TRACK_GRANT_SECONDS
    request.session[TRACKED] = dict(sorted(grants.items(), key=lambda g: g[1])[-MAX_GRANTS:])


def _granted(request: Request, ticket_id: str) -> bool:
    return request.session.get(TRACKED, {}).get(ticket_id, 0) > time.time()


@router.get("/board")
def board(request: Request, session: SessionDep, settings: SettingsDep, page: int = 1):
    return render(request, "board.html", {
        "cases": published_cases(session, page),
        "ranking": reports.board_ranking(session, settings),  # the monthly ranking's rule, over the last 30 days
        "min_sample": ev.min_sample(settings),
        "fmt": Format,
        "names": unit_names(session),
    })

