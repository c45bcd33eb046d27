"""The one table of human actions on a case: name, update, input shape, what the console says when done.

The console's form posts (/cases/{id}/{action}) and the JSON API's endpoints (/api/v1/tickets/{id}/{action})
are both generated from ACTIONS; roles and rules come from core.guards.PERMISSIONS. `perform` checks the
role and visibility, builds the update's input and sends it; the workflow's validator is the final judge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from core import catalog, clock_plans
from core.config import Settings
from core.guards import PERMISSIONS, Action, permitted
from core.i18n import N_, _
from core.messages import (
    SYSTEM_ACTOR,
    Actor,
    Channel,
    GrievanceInput,
    GrievanceState,
    PendingRequest,
    Role,
    Stage,
    UnitRef,
)
from core.models.catalog import Unit
from core.models.tickets import Ticket
from core.payloads import (
    AcceptInput,
    ActionResult,
    BounceRequestInput,
    BounceRulingInput,
    ConsultationInput,
    ConsultationRulingInput,
    DispatchInput,
    EscalateInput,
    ExtensionRequestInput,
    PauseRequestInput,
    PositionInput,
    ProgressInput,
    RateInput,
    ReassignInput,
    RejectInput,
    ResumeInput,
    ReturnVisitInput,
    ReviewInput,
    RulingInput,
    SubmitResultInput,
)
from core.vocabulary import FINAL_STAGES, RULED_REQUESTS, ErrorKind, values
from services.accounts import CurrentUser, actor_for, require_role
from services.action_inputs import (
    BounceRequestIn,
    BounceRulingIn,
    ConsultationIn,
    ConsultationRulingIn,
    DispatchIn,
    ExtensionRequestIn,
    MergeIn,
    NoteIn,
    PositionIn,
    RateIn,
    ReasonIn,
    ReassignIn,
    ResultIn,
    ReturnVisitIn,
    ReviewIn,
    RulingIn,
    Shape,
)
from services.cases import visible_ticket
from services.errors import ServiceError
from services.platform import Platform
from services.updates import send, update_id
from workflows.grievance import GrievanceWorkflow

log = logging.getLogger("services.actions")

# ---- building each update's input (some read the catalog or the read model) ----


def _dispatch(body: DispatchIn, actor: Actor, ticket: Ticket, session: Session) -> DispatchInput:
    primary, cooperating = body.primary_unit_id, list(body.cooperating_unit_ids)
    if primary is None:  # who answers for the item where the problem lies (一街一单), as routing proposes
        version = catalog.current_version(session)  # once: the item and its unit come from the same version
        item = catalog.get_item(session, body.item_code, version) if version is not None else None
        if item is None:
            raise ServiceError(ErrorKind.BAD_INPUT, _("Catalog item %(code)s does not exist.", code=body.item_code))
        primary, listed = catalog.responsible_unit(session, item, ticket.street_id, version)
        cooperating = cooperating or listed
    return DispatchInput(actor, body.item_code, primary, cooperating, body.note)


def _merge(body: MergeIn, actor: Actor, ticket: Ticket, session: Session) -> RejectInput:
    target = session.get(Ticket, body.duplicate_of)
    if target is None:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Give the number of an existing ticket to merge into."))
    if target.stage in values(FINAL_STAGES):  # its complainant could no longer follow it, be told or rate
        raise ServiceError(ErrorKind.WRONG_STATE,
                           _("Ticket %(ticket)s is finished; merge only into a case still being handled.",
                             ticket=target.id))
    return RejectInput(actor, body.reason, body.duplicate_of)


def _known_units(session: Session, *unit_ids: str | None) -> None:
    """Units are chosen from a list by name; an id that names no unit (the JSON API, an old form) is refused."""
    for unit_id in unit_ids:
        if unit_id and session.get(Unit, unit_id) is None:
            raise ServiceError(ErrorKind.BAD_INPUT,
                               _("There is no unit %(unit)s: choose the units from the list.", unit=unit_id))


def _consultation(body: ConsultationIn, actor: Actor, ticket: Ticket, session: Session) -> ConsultationInput:
    _known_units(session, *body.unit_ids)
    return ConsultationInput(actor, body.reason, list(body.unit_ids))


def _consultation_ruling(body: ConsultationRulingIn, actor: Actor, ticket: Ticket, session: Session
                         ) -> ConsultationRulingInput:
    _known_units(session, body.primary_unit_id, *body.cooperating_unit_ids)
    return ConsultationRulingInput(actor, body.reason, body.primary_unit_id, body.item_code,
                                   list(body.cooperating_unit_ids), body.propose_catalog_change)


@dataclass(frozen=True)
class HumanAction:
    name: Action
    update: Callable  # a GrievanceWorkflow update method
    shape: type[Shape] | None  # the input fields; None: the action takes none
    build: Callable[[Any, Actor, Ticket, Session], Any]  # (input, actor, ticket, session) -> the update's input
    done: str  # what was done, for the console's confirmation (an N_ msgid)

    @property
    def roles(self) -> tuple[Role, ...]:
        return PERMISSIONS[self.name].roles


A, W = Action, GrievanceWorkflow
ACTIONS: dict[Action, HumanAction] = {a.name: a for a in (
    HumanAction(A.DISPATCH, W.dispatch, DispatchIn, _dispatch, N_("dispatched")),
    HumanAction(A.REJECT, W.reject, ReasonIn, lambda b, a, t, s: RejectInput(a, b.reason), N_("rejected as invalid")),
    HumanAction(A.MERGE, W.reject, MergeIn, _merge, N_("merged as a duplicate")),
    HumanAction(A.ACCEPT, W.accept, None, lambda b, a, t, s: AcceptInput(a), N_("accepted")),
    HumanAction(A.PROGRESS, W.add_progress, NoteIn, lambda b, a, t, s: ProgressInput(a, b.note),
                N_("reported progress")),
    HumanAction(A.REQUEST_BOUNCE, W.request_bounce, BounceRequestIn,
                lambda b, a, t, s: BounceRequestInput(a, b.reason, b.claimed_item_code), N_("requested a bounce")),
    HumanAction(A.RULE_BOUNCE, W.rule_bounce, BounceRulingIn,
                lambda b, a, t, s: BounceRulingInput(a, b.approve, b.reason, b.item_code, b.primary_unit_id,
                                                     list(b.cooperating_unit_ids)), N_("ruled on the bounce")),
    HumanAction(A.REQUEST_EXTENSION, W.request_extension, ExtensionRequestIn,
                lambda b, a, t, s: ExtensionRequestInput(a, b.reason, b.extra), N_("requested an extension")),
    HumanAction(A.RULE_EXTENSION, W.rule_extension, RulingIn,
                lambda b, a, t, s: RulingInput(a, b.approve, b.reason), N_("ruled on the extension")),
    HumanAction(A.REQUEST_PAUSE, W.request_pause, ReasonIn, lambda b, a, t, s: PauseRequestInput(a, b.reason),
                N_("asked to pause the clocks while waiting on the citizen")),
    HumanAction(A.RULE_PAUSE, W.rule_pause, RulingIn,
                lambda b, a, t, s: RulingInput(a, b.approve, b.reason), N_("ruled on the pause")),
    HumanAction(A.RESUME, W.resume, ReasonIn, lambda b, a, t, s: ResumeInput(a, b.reason),
                N_("resumed the clocks")),
    HumanAction(A.ESCALATE, W.escalate, ReasonIn, lambda b, a, t, s: EscalateInput(a, b.reason), N_("escalated")),
    HumanAction(A.REASSIGN, W.reassign, ReassignIn,
                lambda b, a, t, s: ReassignInput(a, b.reason, b.primary_unit_id, b.item_code,
                                                 list(b.cooperating_unit_ids)), N_("reassigned")),
    HumanAction(A.OPEN_CONSULTATION, W.open_consultation, ConsultationIn, _consultation,
                N_("opened a consultation")),
    HumanAction(A.STATE_POSITION, W.state_position, PositionIn, lambda b, a, t, s: PositionInput(a, b.position),
                N_("stated your unit's position")),
    HumanAction(A.RULE_CONSULTATION, W.rule_consultation, ConsultationRulingIn, _consultation_ruling,
                N_("ruled on the consultation")),
    HumanAction(A.SUBMIT, W.submit_result, ResultIn, lambda b, a, t, s: SubmitResultInput(a, b.summary, b.outcome),
                N_("submitted the result")),
    HumanAction(A.REVIEW, W.review, ReviewIn, lambda b, a, t, s: ReviewInput(a, b.approve, b.reason),
                N_("reviewed the result")),
    HumanAction(A.RATE, W.rate, RateIn, lambda b, a, t, s: RateInput(a, b.rating, b.comment, b.score, b.resolved),
                N_("rated")),
    HumanAction(A.RETURN_VISIT, W.return_visit, ReturnVisitIn,
                lambda b, a, t, s: ReturnVisitInput(a, b.reached, b.resolved, b.rating, b.note),
                N_("recorded the return visit")),
)}
del A, W

# ---- doing it ----


async def perform(platform: Platform, user: CurrentUser, ticket_id: str, name: Action, body: Shape | None,
                  where: str = "", action_id: str | None = None) -> ActionResult:
    """Role, visibility, the update's input, then the update; every refusal is a ServiceError.

    `action_id` names this action for retries (the form's hidden field, the API's Idempotency-Key)."""
    action = ACTIONS[name]
    require_role(user, action.roles, where)
    ticket_id, payload = await asyncio.to_thread(_prepare, platform, user, ticket_id, action, body, where)
    return await send(await platform.temporal.get(), ticket_id, action.update, payload, where,
                      update_id=update_id(name.value, user.username, action_id),
                      timeout=platform.settings.action_timeout_seconds)


def _prepare(platform: Platform, user: CurrentUser, ticket_id: str, action: HumanAction, body: Shape | None,
             where: str) -> tuple[str, Any]:
    with Session(platform.engine) as session:  # closed before the update is sent: no transaction across an await
        ticket = visible_ticket(session, platform.settings, user, ticket_id, where, filed_now=True)
        return ticket.id, action.build(body, actor_for(user), ticket, session)


def state_of(ticket: Ticket, settings: Settings) -> GrievanceState:
    """What the permission rules read of a case, from its read-model row (the workflow's latest snapshot)."""
    intake = GrievanceInput(
        ticket_id=ticket.id, channel=Channel(ticket.channel), description="", received_at=ticket.received_at,
        reporter=SYSTEM_ACTOR, dispatch_owner_id=settings.centre_unit_id, whistle_unit_id=ticket.whistle_unit_id,
        street_id=ticket.street_id)
    pending = ticket.pending_request if ticket.pending_request in RULED_REQUESTS else None
    return GrievanceState(
        ticket_id=ticket.id, stage=Stage(ticket.stage), intake=intake,
        dispatch_owner_id=ticket.dispatch_owner_id or settings.centre_unit_id,
        primary=UnitRef(ticket.primary_unit_id, "", "") if ticket.primary_unit_id else None,
        cooperating=[UnitRef(u, "", "") for u in ticket.cooperating_unit_ids or []],
        district_id=ticket.district_id,
        pending=PendingRequest(pending, SYSTEM_ACTOR, "", ticket.updated_at,
                               unit_ids=list(ticket.consulted_unit_ids or [])) if pending else None,
        paused_at=_moment((ticket.state or {}).get("paused_at")),
    )


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def allowed_actions(user: CurrentUser, ticket: Ticket, settings: Settings) -> set[Action]:
    """The actions the case's latest snapshot lets `user` take: the forms the console shows."""
    state, actor = state_of(ticket, settings), actor_for(user)
    return {name for name in ACTIONS if permitted(name, state, actor)}




def extension_choices(ticket: Ticket, settings: Settings) -> list[str]:
    """The extensions the case's own plan offers (written at dispatch), else today's settings."""
    planned = ((ticket.state or {}).get("clock") or {}).get("extension_choices")
    return list(planned) if planned else clock_plans.extension_choices(settings)
