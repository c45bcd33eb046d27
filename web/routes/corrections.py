"""Corrections of the figures in the console: propose an exclusion, appeal, decide; the pending list.

The forms sit on the case page (_corrections.html); services.corrections holds every rule. Registered by
app.main with the CSRF dependency.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from core.evaluation.corrections import DECISION_LABELS
from core.i18n import _
from core.vocabulary import ErrorKind
from http_common.deps import SessionDep, SettingsDep
from services import corrections, tickets
from services.errors import ServiceError
from web.auth import CurrentUserDep
from web.routes.cases import page_context
from web.routes.common import FormDep, safe_next, see_other, text
from web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.post("/cases/{ticket_id}/corrections/exclusion")
def propose_exclusion(request: Request, ticket_id: str, form: FormDep, session: SessionDep, settings: SettingsDep,
                      user: CurrentUserDep):
    try:
        row = corrections.propose_exclusion(session, settings, user, ticket_id, text(form, "reason_code", 64),
                                            text(form, "text"))
    except ServiceError as refused:
        return _shown_again(request, session, user, refused, ticket_id)
    flash(request, _("Exclusion proposed: a second person approves or rejects it."))
    return see_other(f"/cases/{row.ticket_id}")


@router.post("/cases/{ticket_id}/corrections/appeal")
def appeal(request: Request, ticket_id: str, form: FormDep, session: SessionDep, user: CurrentUserDep):
    try:
        row = corrections.appeal(session, user, ticket_id, text(form, "kind", 32), text(form, "text"))
    except ServiceError as refused:
        return _shown_again(request, session, user, refused, ticket_id)
    flash(request, _("Appeal sent: a supervisor rules on it."))
    return see_other(f"/cases/{row.ticket_id}")


@router.post("/corrections/{correction_id}/decide")
def decide(request: Request, correction_id: int, form: FormDep, session: SessionDep, user: CurrentUserDep):
    decision = text(form, "decision", 16)
    try:
        if decision not in ("approve", "reject"):
            raise ServiceError(ErrorKind.BAD_INPUT, _("Choose to approve or to reject."))
        row = corrections.decide(session, user, correction_id, decision == "approve", text(form, "reason"))
    except ServiceError as refused:
        back = safe_next(form.get("next"), "/corrections")
        return _shown_again(request, session, user, refused, back.split("/")[2] if back.startswith("/cases/") else "")
    flash(request, _("Decided: %(decision)s (ticket %(ticket)s).", decision=_(DECISION_LABELS[row.decision]),
                     ticket=row.ticket_id))
    return see_other(safe_next(form.get("next"), f"/cases/{row.ticket_id}"))


def _shown_again(request: Request, session, user, refused: ServiceError, ticket_id: str):
    """A refused correction shows the page its form was on again (the case page, or the pending list), with
    the reason on top and the refusal's status: never a bare error page."""
    if refused.status in (401, 404):
        raise refused
    session.rollback()
    flash(request, _("Not done: %(why)s", why=refused.message), "error")
    if not ticket_id:
        return render(request, "corrections.html", {"rows": corrections.pending(session, user),
                                                    "names": tickets.unit_names(session)}, status_code=refused.status)
    settings = request.app.state.platform.settings
    context = page_context(session, settings, user, ticket_id, f"/cases/{ticket_id}")
    return render(request, "case.html", context, status_code=refused.status)


@router.get("/corrections")
def pending_corrections(request: Request, session: SessionDep, user: CurrentUserDep):
    rows = corrections.pending(session, user)
    return render(request, "corrections.html", {"rows": rows, "names": tickets.unit_names(session)})
