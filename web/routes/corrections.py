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
from web.routes.common import FormDep, safe_next, see_other, text
from web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.post("/cases/{ticket_id}/corrections/exclusion")
def propose_exclusion(request: Request, ticket_id: str, form: FormDep, session: SessionDep, settings: SettingsDep,
                      user: CurrentUserDep):
    row = corrections.propose_exclusion(session, settings, user, ticket_id, text(form, "reason_code", 64),
                                        text(form, "text"))
    flash(request, _("Exclusion proposed: a second person approves or rejects it."))
    return see_other(f"/cases/{row.ticket_id}")


@router.post("/cases/{ticket_id}/corrections/appeal")
def appeal(request: Request, ticket_id: str, form: FormDep, session: SessionDep, user: CurrentUserDep):
    row = corrections.appeal(session, user, ticket_id, text(form, "kind", 32), text(form, "text"))
    flash(request, _("Appeal sent: a supervisor rules on it."))
    return see_other(f"/cases/{row.ticket_id}")


@router.post("/corrections/{correction_id}/decide")
def decide(request: Request, correction_id: int, form: FormDep, session: SessionDep, user: CurrentUserDep):
    decision = text(form, "decision", 16)
    if decision not in ("approve", "reject"):
        raise ServiceError(ErrorKind.BAD_INPUT, _("Choose to approve or to reject."))
    row = corrections.decide(session, user, correction_id, decision == "approve", text(form, "reason"))
    flash(request, _("Decided: %(decision)s (ticket %(ticket)s).", decision=_(DECISION_LABELS[row.decision]),
                     ticket=row.ticket_id))
    return see_other(safe_next(form.get("next"), f"/cases/{row.ticket_id}"))


@router.get("/corrections")
def pending_corrections(request: Request, session: SessionDep, user: CurrentUserDep):
    rows = corrections.pending(session, user)
    return render(request, "corrections.html", {"rows": rows, "names": tickets.unit_names(session)})
