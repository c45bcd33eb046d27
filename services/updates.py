"""Sending a human action's update to its case, and turning the workflow's refusal into a ServiceError
with a message in the user's language (core.vocabulary.ErrorKind gives its HTTP status).

Every update carries an id made from the actor and the action's id (a hidden field of the form or the
JSON API's Idempotency-Key), so a retry after a fault is the same update: Temporal answers it with the
first one's result instead of doing it twice. A fault (a frozen worker, a workflow task failing, the
server busy) answers 503 within a bounded wait and says the action may still complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core.i18n import N_, _
from core.logsetup import client_address
from core.payloads import ActionResult
from core.vocabulary import ErrorKind
from services.errors import ServiceError
from services.temporal import unreachable

log = logging.getLogger("services.updates")


def update_id(action: str, actor_id: str, action_id: str | None) -> str:
    """The update's id: one per (actor, action id), so nobody else's key can stand for their action."""
    if not action_id:
        return f"{action}-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{actor_id}\0{action}\0{action_id}".encode()).hexdigest()[:32]
    return f"{action}-{digest}"


async def send(client: Client, ticket_id: str, update: Callable, payload: Any, where: str = "", *,
               timeout: float, update_id: str | None = None) -> ActionResult:
    """Executes the update and turns a refusal into a ServiceError with a translated message; `timeout` is
    the settings' ACTION_TIMEOUT_SECONDS."""
    handle = client.get_workflow_handle(ticket_id)
    try:
        return await asyncio.wait_for(handle.execute_update(update, payload, id=update_id), timeout)
    except WorkflowUpdateFailedError as err:
        raise refusal(err.cause, payload, where) from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as err:
        raise not_confirmed(ticket_id, f"no answer in {timeout:.0f} s ({type(err).__name__})") from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            if await _finished(client, ticket_id):
                raise ServiceError(ErrorKind.FINISHED, _("This ticket is finished; nothing more can be done on it."),
                                   str(err)) from None
            raise ServiceError(ErrorKind.NOT_FOUND, _("No such ticket."), str(err)) from None
        if err.status == RPCStatusCode.UNAVAILABLE:
            raise unreachable(str(err)) from None
        # Anything else (a workflow task failing on a frozen worker, the server busy): the update may
        # still be carried out later, so say so rather than "failed".
        raise not_confirmed(ticket_id, f"{err.status.name if err.status else 'RPC'}: {err}") from None


def not_confirmed(ticket_id: str, detail: str) -> ServiceError:
    log.warning("503 action on %s not confirmed: %s", ticket_id, detail)
    return ServiceError(
        ErrorKind.UNAVAILABLE,
        _("The platform did not confirm the action in time. It may still be carried out: look at ticket "
          "%(ticket)s's history in a minute before doing it again. Sending the same form again is safe; "
          "it is not done twice.", ticket=ticket_id),
        detail)


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
    "position": N_("your unit's position"),
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
        log.warning("403 client=%s user=%s path=%s reason=%s", client_address.get(), who, where, text)
        return ServiceError(ErrorKind.FORBIDDEN, _("Your account may not do this on this ticket."), text)
    if kind == ErrorKind.WRONG_STATE:
        return _wrong_state(details, text)
    if kind == ErrorKind.MISSING_REASON:
        label = REFUSED_FIELDS.get(details.get("field", "reason"), REFUSED_FIELDS["reason"])
        return ServiceError(ErrorKind.MISSING_REASON, _("Please give %(what)s.", what=_(label)), text)
    if kind == ErrorKind.NOT_ON_CATALOG:
        return ServiceError(ErrorKind.NOT_ON_CATALOG, _("The responsibility catalog does not allow this."), text)
    if details.get("field") == "extra":
        choices = "、".join(details.get("choices") or [])
        message = (_("Choose the extra time from the list: %(choices)s.", choices=choices) if choices
                   else _("This extension is too long."))
        return ServiceError(ErrorKind.BAD_INPUT, message, text)
    return ServiceError(ErrorKind.BAD_INPUT, _("The input was not accepted."), text)


def _wrong_state(details: dict, text: str) -> ServiceError:
    if "limit" in details:
        message = _("This case has had the most extensions a case may have (%(count)s).", count=details["limit"])
        return ServiceError(ErrorKind.WRONG_STATE, message, text)
    if "bounce_window" in details:
        return ServiceError(ErrorKind.WRONG_STATE, _("The time for bouncing this case back has passed: accept it, "
                                                     "or ask a supervisor to reassign it."), text)
    if "cutoff" in details:
        return ServiceError(ErrorKind.WRONG_STATE, _("Extension requests are taken until %(time)s each day.",
                                                     time=details["cutoff"]), text)
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

