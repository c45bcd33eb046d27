"""The intake outbox, below services so both the web's intake and the worker's bulk import use it: readable ticket
numbers, one stored row per idempotency key, and starting that row's grievance workflow under its ticket number.

No HTTP and no user-facing errors here: the callers decide what a failure means to their user. Blocking database
calls are plain functions; the async ones run them in worker threads, one short transaction at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core.messages import GrievanceInput
from core.models.tickets import Intake, TicketCounter

log = logging.getLogger(__name__)
PAYLOAD = TypeAdapter(GrievanceInput)
GRIEVANCE_WORKFLOW = "GrievanceWorkflow"  # workflows.grievance's type name (core may not import workflows)
INTAKE_MEMO = "intake_key"
MAX_RENUMBERING = 10_000

MakeInput = Callable[[str], GrievanceInput]  # ticket number -> the workflow's input


def next_ticket_id(engine: Engine, now: datetime, tz: str) -> str:
    day = now.astimezone(ZoneInfo(tz)).date()
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(TicketCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": TicketCounter.last + 1})
        .returning(TicketCounter.last)
    )
    with engine.begin() as conn:
        number = conn.execute(stmt).scalar_one()
    return f"{day:%Y-%m%d}-{number:06d}"


def store_intake(engine: Engine, tz: str, make_input: MakeInput, key: str) -> tuple[Intake, bool]:
    """The outbox row for `key`: the earlier one (False), or a new one under a fresh ticket number (True)."""
    with Session(engine) as session:
        existing = session.exec(select(Intake).where(Intake.idempotency_key == key)).first()
    for _attempt in range(MAX_RENUMBERING):
        if existing is not None:
            return existing, False
        ticket_id = next_ticket_id(engine, datetime.now(UTC), tz)
        grievance = make_input(ticket_id)
        row = Intake(idempotency_key=key, ticket_id=ticket_id, payload=PAYLOAD.dump_python(grievance, mode="json"),
                     created_at=datetime.now(UTC))
        try:
            with Session(engine) as session:
                session.add(row)
                session.commit()
                session.refresh(row)
            return row, True
        except IntegrityError:  # the same key raced in from a parallel request, or the number is taken
            with Session(engine) as session:
                existing = session.exec(select(Intake).where(Intake.idempotency_key == key)).first()
    raise RuntimeError(f"no free ticket number for intake {key!r} after {MAX_RENUMBERING} tries")


async def start_intake(client: Client, engine: Engine, task_queue: str, row: Intake, tz: str = "Asia/Shanghai"
                       ) -> str:
    """Starts the row's workflow and returns the ticket number it runs under.

    The workflow carries its intake key in its memo. A number already used by another grievance (the
    counter was reset while Temporal kept its data) is never reused: the intake gets the next number.
    """
    for _attempt in range(MAX_RENUMBERING):
        try:
            await client.start_workflow(
                GRIEVANCE_WORKFLOW,
                PAYLOAD.validate_python(row.payload),
                id=row.ticket_id,
                task_queue=task_queue,
                memo={INTAKE_MEMO: row.idempotency_key},
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            if not await _started_by(client, row):
                log.error("ticket number %s belongs to another grievance; renumbering intake %s", row.ticket_id, row.id)
                row = await asyncio.to_thread(_renumber, engine, row, tz)
                continue
        await asyncio.to_thread(_mark_started, engine, row.id)
        return row.ticket_id
    raise RuntimeError(f"no free ticket number for intake {row.id} after {MAX_RENUMBERING} tries")


async def _started_by(client: Client, row: Intake) -> bool:
    """Whether the running or closed workflow with this number was started for this intake."""
    response = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace=client.namespace,
                                         execution=WorkflowExecution(workflow_id=row.ticket_id))
    )
    payload = response.workflow_execution_info.memo.fields.get(INTAKE_MEMO)
    if payload is None:
        return True  # started before intake keys were kept in the memo: it is this intake's own
    try:
        (key,) = await client.data_converter.decode([payload], [str])  # the memo is encrypted like every payload
    except KeyError:
        return False  # a memo not encrypted with our key was not written by our intake
    return key == row.idempotency_key


def _mark_started(engine: Engine, intake_id: int) -> None:
    with Session(engine) as session:
        stored = session.get(Intake, intake_id)
        stored.started = True
        session.add(stored)
        session.commit()


def _renumber(engine: Engine, row: Intake, tz: str) -> Intake:
    ticket_id = next_ticket_id(engine, datetime.now(UTC), tz)
    with Session(engine) as session:
        stored = session.get(Intake, row.id)
        stored.ticket_id = ticket_id
        stored.payload = {**stored.payload, "ticket_id": ticket_id}
        session.add(stored)
        session.commit()
        session.refresh(stored)
        return stored
