"""The case page (timeline, deadlines, checkpoints, the forms the user may use) and every case action.

POST /cases/{id}/{action} is generated from services.actions.ACTIONS: the form is read into the action's
input shape, services.actions.perform does the rest; a refusal shows the case page again with the message
beside the form and what was typed in it (a case outside the account's cases: the 403 page).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from sqlmodel import Session

from core import catalog
from core.duplicates import find_duplicates
from core.guards import Action
from core.i18n import _
from core.messages import Outcome, Rating
from core.models.tickets import Ticket
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep, SettingsDep
from services import action_inputs, actions, cases, corrections, tickets
from services.errors import ServiceError
from services.thumbnails import thumbnail_of
from services.uploads import path_of
from web.auth import CurrentUserDep
from web.routes.common import FormDep, fields, safe_next, see_other
from web.templating import flash, render

router = APIRouter()
NEEDS_CATALOG = {Action.DISPATCH, Action.REQUEST_BOUNCE, Action.RULE_BOUNCE, Action.REASSIGN,
                 Action.RULE_CONSULTATION}


def case_context(user, ticket) -> dict:
    """The case as this user may see it (masked or not), as the templates' variables."""
    return dict(vars(cases.case_view(user, ticket)))


@router.get("/cases/{ticket_id}")
def case_page(request: Request, ticket_id: str, session: SessionDep, settings: SettingsDep, user: CurrentUserDep):
    return render(request, "case.html", page_context(session, settings, user, ticket_id, request.url.path))


def page_context(session, settings, user, ticket_id: str, path: str) -> dict:
    """Everything the case page shows this user: the case, its timeline and the forms they may use."""
    ticket = cases.visible_ticket(session, settings, user, ticket_id, path)
    allowed = actions.allowed_actions(user, ticket, settings)
    needs_catalog = bool(allowed & NEEDS_CATALOG)
    context = case_context(user, ticket)
    events = cases.timeline(session, ticket.id)
    context.update(
        names=tickets.unit_names(session),
        duplicates=find_duplicates(session, ticket) if Action.MERGE in allowed else [],
        events=events,
        dispatch_note=cases.dispatch_note(events),
        actions={a.value for a in allowed},
        corrections=corrections.panel(session, settings, user, ticket),
        items=catalog.items_at(session) if needs_catalog else [],
        units=tickets.handling_units(session) if needs_catalog or Action.OPEN_CONSULTATION in allowed else [],
        extensions=actions.extension_choices(ticket, settings),
        ratings=[r.value for r in Rating],
        outcomes=[o.value for o in Outcome],
    )
    return context


@router.get("/cases/{ticket_id}/status")
def case_status(request: Request, ticket_id: str, session: SessionDep, settings: SettingsDep, user: CurrentUserDep):
    """The self-refreshing status card (htmx polls it; without JS the full page shows the same)."""
    ticket = cases.visible_ticket(session, settings, user, ticket_id, request.url.path)
    return render(request, "_case_status.html", {**case_context(user, ticket), "names": tickets.unit_names(session)})


@router.get("/cases/{ticket_id}/files/{sha256}")
def case_file(request: Request, ticket_id: str, sha256: str, session: SessionDep, settings: SettingsDep,
              user: CurrentUserDep):
    found, path = _attached(request, ticket_id, sha256, session, settings, user, path_of)
    return FileResponse(path, media_type=found.get("content_type") or "application/octet-stream",
                        headers={"X-Content-Type-Options": "nosniff"})


@router.get("/cases/{ticket_id}/files/{sha256}/thumb")
def case_file_thumbnail(request: Request, ticket_id: str, sha256: str, session: SessionDep, settings: SettingsDep,
                        user: CurrentUserDep):
    """A photo's small preview, under the same checks as the photo itself."""
    _found, path = _attached(request, ticket_id, sha256, session, settings, user, thumbnail_of)
    return FileResponse(path, media_type="image/jpeg",
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400"})


def _attached(request: Request, ticket_id: str, sha256: str, session, settings, user, locate) -> tuple[dict, Path]:
    """A file attached to a case this user may see, and where `locate` (the photo or its thumbnail) keeps it."""
    ticket = cases.visible_ticket(session, settings, user, ticket_id, request.url.path)
    found = cases.attachment(ticket, sha256)
    path = locate(settings.data_dir, sha256) if found else None
    if path is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such file."))
    return found, path


@router.post("/cases/{ticket_id}/{action}")
async def case_action(request: Request, ticket_id: str, action: str, form: FormDep, platform: PlatformDep,
                      user: CurrentUserDep):
    try:
        spec = actions.ACTIONS[Action(action)]
    except ValueError:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such action.")) from None
    action_id = form.get("idempotency_key") if isinstance(form.get("idempotency_key"), str) else None
    try:
        body = action_inputs.parse_form(spec.shape, fields(form))
        result = await actions.perform(platform, user, ticket_id, spec.name, body, request.url.path, action_id)
    except ServiceError as refused:
        return await _refused(request, platform, user, ticket_id, action, form, refused)
    flash(request, _("Done: %(action)s (ticket %(ticket)s).", action=_(spec.done), ticket=result.ticket_id))
    return see_other(safe_next(form.get("next"), f"/cases/{result.ticket_id}"))


async def _refused(request: Request, platform, user, ticket_id: str, action: str, form, refused: ServiceError):
    """A refused action never ends on a bare error page: the case page comes back with the message beside
    the form and what was typed in it, or a console the form was sent from shows the message on top."""
    back = safe_next(form.get("next"), "")
    if refused.status in (401, 404):  # no such case: the error page says so
        raise refused
    if back and not back.startswith(f"/cases/{ticket_id}"):
        flash(request, _("Not done (ticket %(ticket)s): %(why)s", ticket=ticket_id, why=refused.message), "error")
        return see_other(back)

    def load() -> dict | None:
        with Session(platform.engine) as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or not tickets.can_view(user, ticket, platform.settings):
                return None  # refused as outside the account's cases: that page is the error, logged once
            return page_context(session, platform.settings, user, ticket_id, request.url.path)

    context = await run_in_threadpool(load)
    if context is None:
        raise refused
    kept = {k: v for k, v in fields(form).items() if k not in ("csrf_token", "idempotency_key", "next")}
    context.update(action_error={"action": action, "ticket_id": ticket_id, "message": refused.message}, kept=kept)
    flash(request, _("Not done: %(why)s The form is below with what you typed.", why=refused.message), "error")
    response = render(request, "case.html", context, status_code=refused.status)
    if refused.retry_after is not None:
        response.headers["Retry-After"] = str(refused.retry_after)
    return response
