"""Steps the workflow tests share: bring a case to a stage, move the clock, read the read model, expect a refusal.

Every step drives the real workflow through its updates; nothing here writes workflow state directly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlmodel import Session, select
from temporalio.api.common.v1 import SearchAttributes, WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.converter import decode_typed_search_attributes
from temporalio.exceptions import ApplicationError

from core.messages import Actor, GrievanceState
from core.models.tickets import Notice, Ticket, TicketEvent
from core.payloads import AcceptInput, DispatchInput, ReviewInput, SubmitResultInput
from tests.workflows.conftest import CENTRE, ECOLOGY, TrackedHarness, citizen
from workflows import search_attributes
from workflows.grievance import GrievanceWorkflow

T = TypeVar("T")
INTAKE = timedelta(seconds=30)  # long enough for the routing activity, even when it fails and retries
MARGIN = timedelta(minutes=1)  # how far past a due time the tests look

# ---- bringing a case to a stage ----


async def received(h: TrackedHarness, ticket_id: str | None = None, **overrides) -> WorkflowHandle:
    """Started and past intake (received, routed): ready for a dispatcher."""
    handle = await h.start(ticket_id, **overrides)
    await h.env.sleep(INTAKE)
    await logged(h, handle.id, lambda found: found[:2] == ["received", "routed"])
    return handle


async def dispatched(h: TrackedHarness, item_code: str = "MK-001", unit: str = "dept-ecology",
                     cooperating: Sequence[str] = (), **overrides) -> WorkflowHandle:
    handle = await received(h, **overrides)
    await handle.execute_update(
        GrievanceWorkflow.dispatch,
        DispatchInput(actor=CENTRE, item_code=item_code, primary_unit_id=unit, cooperating_unit_ids=list(cooperating)),
    )
    return handle


async def accepted(h: TrackedHarness, handler: Actor = ECOLOGY, **kwargs) -> WorkflowHandle:
    handle = await dispatched(h, **kwargs)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=handler))
    return handle


async def submitted(h: TrackedHarness, handler: Actor = ECOLOGY, **kwargs) -> WorkflowHandle:
    handle = await accepted(h, handler, **kwargs)
    await handle.execute_update(GrievanceWorkflow.submit_result, SubmitResultInput(actor=handler, summary="已整改到位"))
    return handle


async def in_rating(h: TrackedHarness, **kwargs) -> WorkflowHandle:
    handle = await submitted(h, **kwargs)
    await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
    return handle


def rater(handle: WorkflowHandle) -> Actor:
    return citizen(handle.id)


# ---- the clock and the workflow's own view ----


async def state(handle: WorkflowHandle) -> GrievanceState:
    return await handle.query(GrievanceWorkflow.state)


async def eventually(probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 10.0) -> T:
    """The first probed value that is ok, or the last one after `timeout` seconds (the test's assert shows it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if ok(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.02)


async def until(handle: WorkflowHandle, ok: Callable[[GrievanceState], bool]) -> GrievanceState:
    return await eventually(lambda: state(handle), ok)


async def advance_to(h: TrackedHarness, when: datetime, margin: timedelta = MARGIN) -> None:
    """Skip server time to `margin` past `when` (timers due before then fire on the way)."""
    now = await h.env.get_current_time()
    if when + margin > now:
        await h.env.sleep(when + margin - now)


async def finished(h: TrackedHarness, handle: WorkflowHandle) -> GrievanceState:
    """The final state once the workflow has closed. Not `handle.result()`: on the time-skipping server
    a client waiting for a result lets time run free, up to ten years when nothing else is due."""
    status = await eventually(lambda: _status(h, handle), lambda status: status != _RUNNING)
    assert status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, status
    return await state(handle)


async def _status(h: TrackedHarness, handle: WorkflowHandle) -> int:
    return (await _describe(h, handle)).workflow_execution_info.status


async def _describe(h: TrackedHarness, handle: WorkflowHandle) -> DescribeWorkflowExecutionResponse:
    """Raw: `handle.describe()` cannot decode the unset Datetime search attribute the test server returns."""
    return await h.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace=h.client.namespace,
                                         execution=WorkflowExecution(workflow_id=handle.id))
    )


async def run_id(h: TrackedHarness, handle: WorkflowHandle) -> str:
    return (await _describe(h, handle)).workflow_execution_info.execution.run_id


_RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING


async def attributes(h: TrackedHarness, handle: WorkflowHandle) -> dict[str, Any]:
    """The search attributes operators see in the Temporal UI, by name (None when unset)."""
    fields = (await _describe(h, handle)).workflow_execution_info.search_attributes.indexed_fields
    present = SearchAttributes(indexed_fields={k: v for k, v in fields.items() if v.data not in (b"null", b"[]")})
    typed = decode_typed_search_attributes(present)
    return {key.name: typed.get(key) for key in search_attributes.ALL}


# ---- the read model ----


def events(h: TrackedHarness, ticket_id: str) -> list[TicketEvent]:
    with Session(h.engine) as session:
        return list(session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                 .order_by(TicketEvent.seq)).all())


def actions(h: TrackedHarness, ticket_id: str) -> list[str]:
    """The audit log's actions of a ticket, in sequence: the case's history."""
    return [e.action for e in events(h, ticket_id)]


async def logged(h: TrackedHarness, ticket_id: str, ok: Callable[[list[str]], bool]) -> list[str]:
    """The ticket's audit actions once `ok` holds for them (a clock's row follows its timer)."""
    return await eventually(sync_probe(lambda: actions(h, ticket_id)), ok)


def events_of(h: TrackedHarness, ticket_id: str, action: str) -> list[TicketEvent]:
    return [e for e in events(h, ticket_id) if e.action == action]


def notices(h: TrackedHarness, ticket_id: str) -> list[tuple[str, str, str | None]]:
    """(kind, audience, unit) of each notice, in the order they were written."""
    with Session(h.engine) as session:
        rows = session.exec(select(Notice).where(Notice.ticket_id == ticket_id).order_by(Notice.id)).all()
        return [(n.kind, n.audience, n.unit_id) for n in rows]


def ticket(h: TrackedHarness, ticket_id: str) -> Ticket:
    with Session(h.engine) as session:
        return session.get(Ticket, ticket_id)


async def recorded(h: TrackedHarness, ticket_id: str, action: str, count: int = 1) -> list[TicketEvent]:
    """The `action` rows of the audit log, once `count` of them are there (the write follows the state)."""
    return await eventually(sync_probe(lambda: events_of(h, ticket_id, action)), lambda rows: len(rows) >= count)


async def noticed(h: TrackedHarness, ticket_id: str, count: int) -> list[tuple[str, str, str | None]]:
    """The notices of a ticket, once there are `count` of them."""
    return await eventually(sync_probe(lambda: notices(h, ticket_id)), lambda found: len(found) >= count)


def sync_probe(fn: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """A plain function (a database read) as a probe for `eventually`."""

    async def probe() -> T:
        return fn()

    return probe


# ---- refusals ----


async def refused(h: TrackedHarness, handle: WorkflowHandle, update, arg, kind: str) -> ApplicationError:
    """The update is rejected with an ApplicationError of type `kind`, and neither the workflow's state
    nor the audit log changed."""
    before, logged = await state(handle), len(events(h, handle.id))
    with pytest.raises(WorkflowUpdateFailedError) as exc:
        await handle.execute_update(update, arg)
    cause = exc.value.cause
    assert isinstance(cause, ApplicationError), repr(cause)
    assert cause.type == kind, f"{cause.type}: {cause.message}"
    assert await state(handle) == before
    assert len(events(h, handle.id)) == logged
    return cause
