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
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core import catalog
from core.config import Settings
from core.guards import PERMISSIONS, Action, permitted
from core.i18n import N_, _
from core.messages import (
    SYSTEM_ACTOR,
    AcceptInput,
    ActionResult,
    Actor,
    BounceRequestInput,
    BounceRulingInput,
    Channel,
    ConsultationInput,
    ConsultationRulingInput,
    DispatchInput,
    EscalateInput,
    ExtensionRequestInput,
    ExtensionRulingInput,
    GrievanceInput,
    GrievanceState,
    Outcome,
    PendingRequest,
    ProgressInput,
    RateInput,
    Rating,
    ReassignInput,
    RejectInput,
    ReviewInput,
    Role,
    Stage,
    SubmitResultInput,
    UnitRef,
)
from core.models.tickets import Ticket
from core.vocabulary import RULED_REQUESTS, ErrorKind
from services.accounts import CurrentUser, actor_for, require_role
from services.errors import ServiceError
from services.platform import Platform
from services.temporal import unreachable
from services.tickets import visible_ticket
from workflows.grievance import GrievanceWorkflow

log = logging.getLogger("services.actions")

# ---- input shapes (the API's bodies and the console's form fields alike) ----


def _unit_list(value: Any) -> Any:
    """Units from a multi-select or from one text field separated by commas or spaces."""
    raw = [value] if isinstance(value, str) else value
    if not isinstance(raw, list) or not all(isinstance(part, str) for part in raw):
        return value  # not text: the shape's own validation refuses it
    found = [p for part in raw for p in part.replace("，", ",").replace(",", " ").split() if p]
    return list(dict.fromkeys(found))


def _decision(value: Any) -> Any:
    return {"approve": True, "deny": False}.get(value, value) if isinstance(value, str) else value


Text = Annotated[str, Field(min_length=1, max_length=4000)]
Optional = Annotated[str, Field(max_length=4000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Units = Annotated[list[Code], BeforeValidator(_unit_list), Field(max_length=20)]
Decision = Annotated[bool, BeforeValidator(_decision)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DispatchIn(Shape):
    item_code: Code
    primary_unit_id: Code | None = Field(None, description="default: the unit the catalog names for the item")
    cooperating_unit_ids: Units = []
    note: Annotated[str, Field(max_length=500)] = ""


class ReasonIn(Shape):
    reason: Text


class MergeIn(Shape):
    reason: Text
    duplicate_of: Annotated[str, Field(min_length=1, max_length=32)]


class NoteIn(Shape):
    note: Text


class BounceRequestIn(Shape):
    reason: Text
    claimed_item_code: Code


class RulingIn(Shape):
    approve: Decision
    reason: Text


class BounceRulingIn(RulingIn):
    item_code: Code | None = None
    primary_unit_id: Code | None = None
    cooperating_unit_ids: Units = []


class ExtensionRequestIn(Shape):
    reason: Text
    extra: Annotated[str, Field(pattern=r"^\d{1,3}(wh|wd|h|d)$", description="e.g. 3wd or 7d")]


class ReassignIn(Shape):
    reason: Text
    primary_unit_id: Code
    item_code: Code | None = None
    cooperating_unit_ids: Units = []


class ConsultationIn(Shape):
    reason: Text
    unit_ids: Annotated[list[Code], BeforeValidator(_unit_list), Field(min_length=2, max_length=10)]


class ConsultationRulingIn(ReassignIn):
    propose_catalog_change: bool = False


class ResultIn(Shape):
    summary: Text
    outcome: Outcome = Outcome.RESOLVED


class ReviewIn(Shape):
    approve: Decision
    reason: Optional = ""


class RateIn(Shape):
    rating: Rating
    comment: Optional = ""
    score: Annotated[int | None, Field(ge=0, le=100)] = None


# ---- building each update's input (some read the catalog or the read model) ----


def _dispatch(body: DispatchIn, actor: Actor, ticket: Ticket, session: Session) -> DispatchInput:
    primary, cooperating = body.primary_unit_id, list(body.cooperating_unit_ids)
    if primary is None:  # who answers for the item where the problem lies (一街一单), as routing proposes
        item = catalog.get_item(session, body.item_code)
        if item is None:
            raise ServiceError(ErrorKind.BAD_INPUT, _("Catalog item %(code)s does not exist.", code=body.item_code))
        primary, listed = catalog.responsible_unit(session, item, ticket.street_id, catalog.current_version(session))
        cooperating = cooperating or listed
    return DispatchInput(actor, body.item_code, primary, cooperating, body.note)


def _merge(body: MergeIn, actor: Actor, ticket: Ticket, session: Session) -> RejectInput:
    if session.get(Ticket, body.duplicate_of) is None:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Give the number of an existing ticket to merge into."))
    return RejectInput(actor, body.reason, body.duplicate_of)


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
                lambda b, a, t, s: ExtensionRulingInput(a, b.approve, b.reason), N_("ruled on the extension")),
    HumanAction(A.ESCALATE, W.escalate, ReasonIn, lambda b, a, t, s: EscalateInput(a, b.reason), N_("escalated")),
    HumanAction(A.REASSIGN, W.reassign, ReassignIn,
                lambda b, a, t, s: ReassignInput(a, b.reason, b.primary_unit_id, b.item_code,
                                                 list(b.cooperating_unit_ids)), N_("reassigned")),
    HumanAction(A.OPEN_CONSULTATION, W.open_consultation, ConsultationIn,
                lambda b, a, t, s: ConsultationInput(a, b.reason, list(b.unit_ids)), N_("opened a consultation")),
    HumanAction(A.RULE_CONSULTATION, W.rule_consultation, ConsultationRulingIn,
                lambda b, a, t, s: ConsultationRulingInput(a, b.reason, b.primary_unit_id, b.item_code,
                                                           list(b.cooperating_unit_ids), b.propose_catalog_change),
                N_("ruled on the consultation")),
    HumanAction(A.SUBMIT, W.submit_result, ResultIn, lambda b, a, t, s: SubmitResultInput(a, b.summary, b.outcome),
                N_("submitted the result")),
    HumanAction(A.REVIEW, W.review, ReviewIn, lambda b, a, t, s: ReviewInput(a, b.approve, b.reason),
                N_("reviewed the result")),
    HumanAction(A.RATE, W.rate, RateIn, lambda b, a, t, s: RateInput(a, b.rating, b.comment, b.score), N_("rated")),
)}
del A, W

# ---- the console's forms: the same shapes, with messages in the user's language ----

FIELD_LABELS = {
    "reason": N_("a reason"),
    "note": N_("a progress note"),
    "summary": N_("a result summary"),
    "comment": N_("what is still wrong"),
}


def parse_form(action: HumanAction, fields: dict[str, Any]) -> Shape | None:
    """The action's input from a form (empty fields left out, so defaults apply); a translated 400 otherwise."""
    if action.shape is None:
        return None
    stripped = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    given = {k: v for k, v in stripped.items() if k in action.shape.model_fields and v not in ("", None, [])}
    if "decision" in fields and "approve" in action.shape.model_fields:
        given["approve"] = stripped["decision"]
    try:
        return action.shape.model_validate(given)
    except ValidationError as exc:
        raise _form_error(exc.errors()[0]) from None


def _form_error(error: dict) -> ServiceError:
    field, kind = str(error["loc"][0]) if error["loc"] else "", error["type"]
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length", 4000)
        return ServiceError(ErrorKind.BAD_INPUT, _("A field is too long (at most %(max)s characters).", max=limit))
    if field in FIELD_LABELS and kind in ("missing", "string_too_short"):
        return ServiceError(ErrorKind.MISSING_REASON, _("Please give %(what)s.", what=_(FIELD_LABELS[field])))
    messages = {
        "item_code": _("Choose a catalog item."),
        "claimed_item_code": _("Choose a catalog item."),
        "duplicate_of": _("Give the number of an existing ticket to merge into."),
        "approve": _("Choose approve or deny."),
        "rating": _("Choose a rating."),
        "outcome": _("Choose an outcome from the list."),
        "score": _("A score is a whole number from 0 to 100."),
        "primary_unit_id": _("Choose the responsible unit."),
        "unit_ids": _("Name at least two units in dispute."),
        "cooperating_unit_ids": _("Choose the cooperating units from the list."),
        "extra": _("Choose the extra time from the list."),
    }
    return ServiceError(ErrorKind.BAD_INPUT, messages.get(field, _("The input was not accepted.")), error["msg"])


# ---- doing it ----


async def perform(platform: Platform, user: CurrentUser, ticket_id: str, name: Action, body: Shape | None,
                  where: str = "") -> ActionResult:
    """Role, visibility, the update's input, then the update; every refusal is a ServiceError."""
    action = ACTIONS[name]
    require_role(user, action.roles, where)
    ticket_id, payload = await asyncio.to_thread(_prepare, platform, user, ticket_id, action, body, where)
    return await send(await platform.temporal.get(), ticket_id, action.update, payload, where)


def _prepare(platform: Platform, user: CurrentUser, ticket_id: str, action: HumanAction, body: Shape | None,
             where: str) -> tuple[str, Any]:
    with Session(platform.engine) as session:  # closed before the update is sent: no transaction across an await
        ticket = visible_ticket(session, platform.settings, user, ticket_id, where)
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
        pending=PendingRequest(pending, SYSTEM_ACTOR, "", ticket.updated_at) if pending else None,
    )


def allowed_actions(user: CurrentUser, ticket: Ticket, settings: Settings) -> set[Action]:
    """The actions the case's latest snapshot lets `user` take: the forms the console shows."""
    state, actor = state_of(ticket, settings), actor_for(user)
    return {name for name in ACTIONS if permitted(name, state, actor)}


async def send(client: Client, ticket_id: str, update: Callable, payload: Any, where: str = "") -> ActionResult:
    """Executes the update and turns a refusal into a ServiceError with a translated message."""
    handle = client.get_workflow_handle(ticket_id)
    try:
        return await handle.execute_update(update, payload)
    except WorkflowUpdateFailedError as err:
        raise refusal(err.cause, payload, where) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            if await _finished(client, ticket_id):
                raise ServiceError(ErrorKind.FINISHED, _("This ticket is finished; nothing more can be done on it."),
                                   str(err)) from None
            raise ServiceError(ErrorKind.NOT_FOUND, _("No such ticket."), str(err)) from None
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise unreachable(str(err)) from None
        raise


async def _finished(client: Client, ticket_id: str) -> bool:
    """True when the workflow exists and is no longer running (an update then finds no one to answer)."""
    request = DescribeWorkflowExecutionRequest(namespace=client.namespace,
                                               execution=WorkflowExecution(workflow_id=ticket_id))
    try:
        described = await client.workflow_service.describe_workflow_execution(request)
    except RPCError:
        return False
    return described.workflow_execution_info.status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING


# What a missing text is called in the workflow's refusals (guards name the field).
REFUSED_FIELDS = {
    "reason": N_("a reason"),
    "progress note": N_("a progress note"),
    "result summary": N_("a result summary"),
    "reason for rework": N_("a reason for the rework"),
    "ruling": N_("the ruling"),
    "comment": N_("what is still wrong"),
}
STAGE_WORDS = {
    "received": N_("waiting for dispatch"),
    "dispatched": N_("waiting to be accepted"),
    "in_progress": N_("being handled"),
    "review": N_("under review"),
    "rating": N_("waiting for the rating"),
    "closed": N_("closed"),
    "rejected": N_("rejected"),
    "merged": N_("merged"),
}
PENDING_WORDS = {"bounce": N_("bounce"), "extension": N_("extension"), "consultation": N_("consultation")}


def refusal(cause: BaseException, payload: Any, where: str = "") -> ServiceError:
    if not isinstance(cause, ApplicationError):
        return ServiceError(ErrorKind.INTERNAL, _("The action failed unexpectedly."), str(cause))
    details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
    kind, text = cause.type or "", cause.message
    if kind == ErrorKind.FORBIDDEN:
        actor = getattr(payload, "actor", None)
        who = f"{actor.id}({actor.role.value}@{actor.unit_id})" if actor else "?"
        log.warning("403 user=%s path=%s reason=%s", who, where, text)
        return ServiceError(ErrorKind.FORBIDDEN, _("Your account may not do this on this ticket."), text)
    if kind == ErrorKind.WRONG_STATE:
        return _wrong_state(details, text)
    if kind == ErrorKind.MISSING_REASON:
        label = REFUSED_FIELDS.get(details.get("field", "reason"), REFUSED_FIELDS["reason"])
        return ServiceError(ErrorKind.MISSING_REASON, _("Please give %(what)s.", what=_(label)), text)
    if kind == ErrorKind.NOT_ON_CATALOG:
        return ServiceError(ErrorKind.NOT_ON_CATALOG, _("The responsibility catalog does not allow this."), text)
    return ServiceError(ErrorKind.BAD_INPUT, _("The input was not accepted."), text)


def _wrong_state(details: dict, text: str) -> ServiceError:
    pending, stage = details.get("pending"), details.get("stage")
    if pending in PENDING_WORDS:
        what = _(PENDING_WORDS[pending])
        return ServiceError(ErrorKind.WRONG_STATE,
                            _("A %(request)s request is still open on this ticket; it is ruled on first.",
                              request=what), text)
    if stage in STAGE_WORDS:
        where = _(STAGE_WORDS[stage])
        return ServiceError(ErrorKind.WRONG_STATE,
                            _("This ticket is now %(stage)s; the action is not possible any more.", stage=where), text)
    return ServiceError(ErrorKind.WRONG_STATE, _("The action is not possible in the ticket's current state."), text)
