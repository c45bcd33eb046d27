"""The case page (timeline, deadlines, checkpoints, the forms the user may use) and every case action.

POST /cases/{id}/{action} checks the role and the visibility here, then api.actions sends the update;
the workflow's validators are the final judge, and their refusals come back as 400/403/409 pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlmodel import Session, col, select

from api.actions import actor_for, send
from api.auth import CurrentUser, CurrentUserDep, deny, may_see_personal_data
from api.deps import SessionDep, SettingsDep
from api.errors import PageError
from core import catalog
from core.config import Settings
from core.duplicates import find_duplicates
from core.i18n import N_, _
from core.masking import mask_name, mask_phone, mask_text
from core.messages import (
    AcceptInput,
    BounceRequestInput,
    BounceRulingInput,
    ConsultationInput,
    ConsultationRulingInput,
    DispatchInput,
    EscalateInput,
    ExtensionRequestInput,
    ExtensionRulingInput,
    Outcome,
    ProgressInput,
    RateInput,
    Rating,
    ReassignInput,
    RejectInput,
    ReviewInput,
    Role,
    SubmitResultInput,
)
from core.models.tickets import Ticket, TicketEvent
from web.queries import handling_units, unit_names
from web.routes.common import safe_next, see_other, temporal_client, text, unit_list, visible_ticket
from web.templating import flash, render
from web.uploads import path_of
from workflows.grievance import GrievanceWorkflow

router = APIRouter()
HANDLERS = (Role.HANDLER, Role.STREET)
EXTENSIONS = ("1wd", "2wd", "3wd", "5wd", "7d", "15d")
CLOCKED = ("received", "dispatched", "in_progress", "review")


def _is_whistle(ticket: Ticket) -> bool:
    return ticket.channel == "whistle" and bool(ticket.whistle_unit_id)


def allowed_actions(user: CurrentUser, ticket: Ticket, settings: Settings) -> set[str]:
    """Which forms to show; mirrors workflows/guards.py loosely (the workflow still decides)."""
    unit, stage, pending = user.unit_id, ticket.stage, ticket.pending_request
    pending = "" if pending == "review" else pending
    found: set[str] = set()
    if user.role == Role.DISPATCHER:
        if stage == "received" and ticket.dispatch_owner_id == unit:
            found |= {"dispatch", "reject", "merge"}
        if pending == "bounce" and ticket.dispatch_owner_id == unit:
            found.add("rule_bounce")
        if stage == "review" and not _is_whistle(ticket) and unit in (ticket.dispatch_owner_id,
                                                                       settings.centre_unit_id):
            found.add("review")
    if user.role in HANDLERS:
        primary = unit is not None and unit == ticket.primary_unit_id
        if primary and stage == "dispatched" and not pending:
            found |= {"accept", "request_bounce"}
        if primary and stage == "in_progress" and not pending:
            found |= {"request_bounce", "request_extension", "submit"}
        if stage == "in_progress" and (primary or unit in ticket.cooperating_unit_ids):
            found.add("progress")
        if stage == "dispatched" and unit in ticket.cooperating_unit_ids:
            found.add("progress")
    if user.role == Role.STREET and _is_whistle(ticket) and ticket.whistle_unit_id == unit:
        if stage == "review":
            found.add("review")
        if stage == "rating":
            found.add("rate")
    if user.role == Role.SUPERVISOR and (user.is_city_level or ticket.district_id == user.district_id):
        if stage in CLOCKED:
            found |= {"escalate", "reassign"}
        if stage in ("dispatched", "in_progress") and pending in ("", "bounce"):
            found.add("open_consultation")
        if pending == "extension":
            found.add("rule_extension")
        if pending == "consultation":
            found.add("rule_consultation")
        if pending == "bounce":
            found.add("rule_bounce")
    return found


def case_context(session: Session, user: CurrentUser, ticket: Ticket, settings: Settings) -> dict[str, Any]:
    names = unit_names(session)
    unmasked = may_see_personal_data(user, ticket.primary_unit_id)
    known = [ticket.complainant_name, ticket.complainant_phone]
    state = ticket.state or {}
    intake = state.get("intake") or {}
    return {
        "ticket": ticket,
        "state": state,
        "names": names,
        "unmasked": unmasked,
        "complainant_name": ticket.complainant_name if unmasked else mask_name(ticket.complainant_name),
        "complainant_phone": ticket.complainant_phone if unmasked else mask_phone(ticket.complainant_phone),
        "description": ticket.description if unmasked else mask_text(ticket.description, known),
        "attachments": intake.get("attachments") or [],
        "checkpoints": state.get("checkpoints") or [],
        "pending": state.get("pending"),
        "candidates": ((state.get("proposal") or {}).get("candidates") or [])[:3],
    }


def _events(session: Session, ticket_id: str) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.seq))
    return list(session.exec(stmt).all())


@router.get("/cases/{ticket_id}")
def case_page(request: Request, ticket_id: str, session: SessionDep, settings: SettingsDep, user: CurrentUserDep):
    ticket = visible_ticket(request, session, settings, user, ticket_id)
    actions = allowed_actions(user, ticket, settings)
    context = case_context(session, user, ticket, settings)
    needs_catalog = actions & {"dispatch", "request_bounce", "rule_bounce", "reassign", "rule_consultation"}
    context.update(
        duplicates=find_duplicates(session, ticket) if "merge" in actions else [],
        events=_events(session, ticket.id),
        actions=actions,
        items=catalog.items_at(session) if needs_catalog else [],
        units=handling_units(session) if needs_catalog or "open_consultation" in actions else [],
        extensions=EXTENSIONS,
        ratings=[r.value for r in Rating],
        outcomes=[o.value for o in Outcome],
    )
    return render(request, "case.html", context)


@router.get("/cases/{ticket_id}/status")
def case_status(request: Request, ticket_id: str, session: SessionDep, settings: SettingsDep, user: CurrentUserDep):
    """The self-refreshing status card (htmx polls it; without JS the full page shows the same)."""
    ticket = visible_ticket(request, session, settings, user, ticket_id)
    return render(request, "_case_status.html", case_context(session, user, ticket, settings))


@router.get("/cases/{ticket_id}/files/{sha256}")
def case_file(request: Request, ticket_id: str, sha256: str, session: SessionDep, settings: SettingsDep,
              user: CurrentUserDep):
    ticket = visible_ticket(request, session, settings, user, ticket_id)
    attachments = {a.get("sha256"): a for a in ((ticket.state or {}).get("intake") or {}).get("attachments") or []}
    path = path_of(settings.data_dir, sha256) if sha256 in attachments else None
    if path is None:
        raise PageError(404, _("No such file."))
    return FileResponse(path, media_type=attachments[sha256].get("content_type") or "application/octet-stream",
                        headers={"X-Content-Type-Options": "nosniff"})


# ---- actions ----


@dataclass(frozen=True)
class CaseAction:
    roles: tuple[Role, ...]
    update: Callable
    build: Callable[..., Any]  # (form, actor, ticket, session) -> update input
    done: str  # what was done, for the confirmation message (an N_ msgid)


def _decision(form) -> bool:
    value = text(form, "decision", 16)
    if value not in ("approve", "deny"):
        raise PageError(400, _("Choose approve or deny."))
    return value == "approve"


def _dispatch(form, actor, ticket: Ticket, session: Session) -> DispatchInput:
    code, primary = text(form, "item_code", 32), text(form, "primary_unit_id", 64)
    cooperating = unit_list(form, "cooperating_unit_ids")
    if not code:
        raise PageError(400, _("Choose a catalog item."))
    if not primary:  # who answers for the item where the problem lies (一街一单), as routing proposes
        item = catalog.get_item(session, code)
        if item is None:
            raise PageError(400, _("Catalog item %(code)s does not exist.", code=code))
        version = catalog.current_version(session)
        primary, listed = catalog.responsible_unit(session, item, ticket.street_id, version)
        cooperating = cooperating or listed
    return DispatchInput(actor=actor, item_code=code, primary_unit_id=primary, cooperating_unit_ids=cooperating,
                         note=text(form, "note", 500))


def _merge(form, actor, ticket: Ticket, session: Session) -> RejectInput:
    target = text(form, "duplicate_of", 32)
    if not target or session.get(Ticket, target) is None:
        raise PageError(400, _("Give the number of an existing ticket to merge into."))
    return RejectInput(actor=actor, reason=text(form, "reason"), duplicate_of=target)


def _optional(value: str) -> str | None:
    return value or None


ACTIONS: dict[str, CaseAction] = {
    "dispatch": CaseAction((Role.DISPATCHER,), GrievanceWorkflow.dispatch, _dispatch, N_("dispatched")),
    "reject": CaseAction((Role.DISPATCHER,), GrievanceWorkflow.reject,
                         lambda f, a, t, s: RejectInput(actor=a, reason=text(f, "reason")), N_("rejected as invalid")),
    "merge": CaseAction((Role.DISPATCHER,), GrievanceWorkflow.reject, _merge, N_("merged as a duplicate")),
    "accept": CaseAction(HANDLERS, GrievanceWorkflow.accept, lambda f, a, t, s: AcceptInput(actor=a), N_("accepted")),
    "progress": CaseAction(HANDLERS, GrievanceWorkflow.add_progress,
                           lambda f, a, t, s: ProgressInput(actor=a, note=text(f, "note")), N_("reported progress")),
    "request_bounce": CaseAction(
        HANDLERS, GrievanceWorkflow.request_bounce,
        lambda f, a, t, s: BounceRequestInput(actor=a, reason=text(f, "reason"),
                                              claimed_item_code=text(f, "claimed_item_code", 32)),
        N_("requested a bounce")),
    "rule_bounce": CaseAction(
        (Role.DISPATCHER, Role.SUPERVISOR), GrievanceWorkflow.rule_bounce,
        lambda f, a, t, s: BounceRulingInput(actor=a, approve=_decision(f), reason=text(f, "reason"),
                                             item_code=_optional(text(f, "item_code", 32)),
                                             primary_unit_id=_optional(text(f, "primary_unit_id", 64)),
                                             cooperating_unit_ids=unit_list(f, "cooperating_unit_ids")),
        N_("ruled on the bounce")),
    "request_extension": CaseAction(
        HANDLERS, GrievanceWorkflow.request_extension,
        lambda f, a, t, s: ExtensionRequestInput(actor=a, reason=text(f, "reason"), extra=text(f, "extra", 16)),
        N_("requested an extension")),
    "rule_extension": CaseAction(
        (Role.SUPERVISOR,), GrievanceWorkflow.rule_extension,
        lambda f, a, t, s: ExtensionRulingInput(actor=a, approve=_decision(f), reason=text(f, "reason")),
        N_("ruled on the extension")),
    "escalate": CaseAction((Role.SUPERVISOR,), GrievanceWorkflow.escalate,
                           lambda f, a, t, s: EscalateInput(actor=a, reason=text(f, "reason")), N_("escalated")),
    "reassign": CaseAction(
        (Role.SUPERVISOR,), GrievanceWorkflow.reassign,
        lambda f, a, t, s: ReassignInput(actor=a, reason=text(f, "reason"),
                                         primary_unit_id=text(f, "primary_unit_id", 64),
                                         item_code=_optional(text(f, "item_code", 32)),
                                         cooperating_unit_ids=unit_list(f, "cooperating_unit_ids")),
        N_("reassigned")),
    "open_consultation": CaseAction(
        (Role.SUPERVISOR,), GrievanceWorkflow.open_consultation,
        lambda f, a, t, s: ConsultationInput(actor=a, reason=text(f, "reason"), unit_ids=unit_list(f, "unit_ids")),
        N_("opened a consultation")),
    "rule_consultation": CaseAction(
        (Role.SUPERVISOR,), GrievanceWorkflow.rule_consultation,
        lambda f, a, t, s: ConsultationRulingInput(
            actor=a, reason=text(f, "reason"), primary_unit_id=text(f, "primary_unit_id", 64),
            item_code=_optional(text(f, "item_code", 32)), cooperating_unit_ids=unit_list(f, "cooperating_unit_ids"),
            propose_catalog_change=f.get("propose_catalog_change") == "on"),
        N_("ruled on the consultation")),
    "submit": CaseAction(
        HANDLERS, GrievanceWorkflow.submit_result,
        lambda f, a, t, s: SubmitResultInput(actor=a, summary=text(f, "summary"), outcome=_outcome(f)),
        N_("submitted the result")),
    "review": CaseAction(
        (Role.DISPATCHER, Role.STREET), GrievanceWorkflow.review,
        lambda f, a, t, s: ReviewInput(actor=a, approve=_decision(f), reason=text(f, "reason")),
        N_("reviewed the result")),
    "rate": CaseAction(
        (Role.STREET,), GrievanceWorkflow.rate,
        lambda f, a, t, s: RateInput(actor=a, rating=_rating(f), comment=text(f, "comment"), score=_score(f)),
        N_("rated")),
}


def _outcome(form) -> Outcome:
    try:
        return Outcome(text(form, "outcome", 16) or Outcome.RESOLVED.value)
    except ValueError:
        raise PageError(400, _("Choose an outcome from the list.")) from None


def _rating(form) -> Rating:
    try:
        return Rating(text(form, "rating", 32))
    except ValueError:
        raise PageError(400, _("Choose a rating.")) from None


def _score(form) -> int | None:
    raw = text(form, "score", 8)
    if not raw:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 100:
        raise PageError(400, _("A score is a whole number from 0 to 100."))
    return int(raw)


@router.post("/cases/{ticket_id}/{action}")
async def case_action(request: Request, ticket_id: str, action: str, session: SessionDep, settings: SettingsDep,
                      user: CurrentUserDep):
    spec = ACTIONS.get(action)
    if spec is None:
        raise PageError(404, _("No such action."))
    if user.role not in spec.roles:
        raise deny(request, user, f"role {user.role.value} may not {action}")
    ticket = visible_ticket(request, session, settings, user, ticket_id)
    form = await request.form()
    payload = spec.build(form, actor_for(user), ticket, session)
    client = await temporal_client(request)
    await send(client, ticket.id, spec.update, payload, path=request.url.path)
    flash(request, _("Done: %(action)s (ticket %(ticket)s).", action=_(spec.done), ticket=ticket.id))
    return see_other(safe_next(form.get("next"), f"/cases/{ticket.id}"))
