"""The one place where a signed-in person's action becomes a workflow update.

`actor_for` turns an account into a core.messages.Actor (never from form fields); `send`
executes the update and turns a refusal into a PageError with an HTTP status and a translated
message: Forbidden 403 (logged), WrongState 409, MissingReason / BadInput / NotOnCatalog 400,
unknown ticket 404, finished workflow 409, Temporal unreachable 503.
"""

from __future__ import annotations

import logging
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import CurrentUser
from api.errors import PageError
from core.i18n import N_, _
from core.messages import ActionResult, Actor, Role

log = logging.getLogger("api.actions")

# What a missing text is called in the messages (guards name the field).
FIELD_LABELS = {
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


def actor_for(user: CurrentUser) -> Actor:
    """district_id comes from the unit tree (None for city-level accounts); see api.auth.load_user."""
    return Actor(id=user.username, role=user.role, name=user.display_name, unit_id=user.unit_id,
                 district_id=user.district_id)


def citizen_actor(ticket_id: str) -> Actor:
    """The complainant, proven by the ticket's tracking secret (api.intake.check_secret)."""
    return Actor(id=f"citizen:{ticket_id}", role=Role.CITIZEN, name="citizen")


async def send(client: Client, ticket_id: str, update: Any, payload: Any, *, path: str = "") -> ActionResult:
    """`update` is a GrievanceWorkflow update method, e.g. GrievanceWorkflow.accept."""
    handle = client.get_workflow_handle(ticket_id)
    try:
        return await handle.execute_update(update, payload)
    except WorkflowUpdateFailedError as err:
        raise refusal(err.cause, payload, path) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            if await _finished(client, ticket_id):
                raise PageError(409, _("This ticket is finished; nothing more can be done on it."), str(err)) from None
            raise PageError(404, _("No such ticket."), str(err)) from None
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise PageError(503, _("The workflow service is not reachable. Try again in a minute."), str(err)) from None
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


def refusal(cause: BaseException, payload: Any, path: str = "") -> PageError:
    if not isinstance(cause, ApplicationError):
        return PageError(500, _("The action failed unexpectedly."), str(cause))
    details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
    kind, text = cause.type or "", cause.message
    if kind == "Forbidden":
        actor = getattr(payload, "actor", None)
        who = f"{actor.id}({actor.role.value}@{actor.unit_id})" if actor else "?"
        log.warning("403 user=%s path=%s reason=%s", who, path, text)
        return PageError(403, _("Your account may not do this on this ticket."), text)
    if kind == "WrongState":
        pending, stage = details.get("pending"), details.get("stage")
        if pending in PENDING_WORDS:
            what = _(PENDING_WORDS[pending])
            return PageError(409, _("A %(request)s request is still open on this ticket; it is ruled on first.",
                                    request=what), text)
        if stage in STAGE_WORDS:
            where = _(STAGE_WORDS[stage])
            return PageError(409, _("This ticket is now %(stage)s; the action is not possible any more.",
                                    stage=where), text)
        return PageError(409, _("The action is not possible in the ticket's current state."), text)
    if kind == "MissingReason":
        label = FIELD_LABELS.get(details.get("field", "reason"), FIELD_LABELS["reason"])
        what = _(label)
        return PageError(400, _("Please give %(what)s.", what=what), text)
    if kind == "NotOnCatalog":
        return PageError(400, _("The responsibility catalog does not allow this."), text)
    return PageError(400, _("The input was not accepted."), text)
