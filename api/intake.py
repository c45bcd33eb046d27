"""Intake (接) for every channel: readable ticket numbers, idempotency keys and the intake outbox.

A submission is stored first (outbox row: key -> ticket number + payload), then its workflow is
started with the ticket number as workflow id. The same key always yields the same ticket; a row
whose start did not happen (crash, Temporal down) is started later by the worker's sweep.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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

from core.config import Settings
from core.messages import GrievanceInput
from core.models.tickets import Intake, TicketCounter
from workflows.grievance import GrievanceWorkflow

log = logging.getLogger(__name__)
_PAYLOAD = TypeAdapter(GrievanceInput)
OUTBOX_GRACE = timedelta(seconds=10)  # a fresh row is still being started by its own request
INTAKE_MEMO = "intake_key"
MAX_RENUMBERING = 10_000


@dataclass
class Receipt:
    ticket_id: str
    secret: str  # lets the complainant follow and rate the case without an account
    created: bool  # False: the idempotency key was seen before; this is the earlier ticket


def tracking_secret(settings: Settings, ticket_id: str) -> str:
    """Derived, not stored: a re-submission with the same key gets the same secret back."""
    digest = hmac.new(settings.secret_key.encode(), f"track:{ticket_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:10]


def check_secret(settings: Settings, ticket_id: str, secret: str) -> bool:
    return hmac.compare_digest(tracking_secret(settings, ticket_id), (secret or "").strip().lower())


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


async def submit(
    client: Client, engine: Engine, settings: Settings, make_input, idempotency_key: str
) -> Receipt:
    """Store, then start. `make_input(ticket_id) -> GrievanceInput` builds the workflow input."""
    key = idempotency_key.strip()[:200]
    with Session(engine) as session:
        existing = session.exec(select(Intake).where(Intake.idempotency_key == key)).first()
    created = False
    for _ in range(MAX_RENUMBERING):
        if existing is not None:
            break
        ticket_id = next_ticket_id(engine, datetime.now(UTC), settings.timezone)
        grievance: GrievanceInput = make_input(ticket_id)
        row = Intake(idempotency_key=key, ticket_id=ticket_id, payload=_PAYLOAD.dump_python(grievance, mode="json"),
                     created_at=datetime.now(UTC))
        try:
            with Session(engine) as session:
                session.add(row)
                session.commit()
                session.refresh(row)
            existing, created = row, True
        except IntegrityError:  # the same key raced in from a parallel request, or the number is taken
            with Session(engine) as session:
                existing = session.exec(select(Intake).where(Intake.idempotency_key == key)).first()
    if not existing.started:
        ticket_id = await start_intake(client, engine, settings.temporal_task_queue, existing, settings.timezone)
    else:
        ticket_id = existing.ticket_id
    return Receipt(ticket_id, tracking_secret(settings, ticket_id), created)


async def start_intake(client: Client, engine: Engine, task_queue: str, row: Intake, tz: str = "Asia/Shanghai"
                       ) -> str:
    """Starts the row's workflow and returns the ticket number it runs under.

    The workflow carries its intake key in its memo. A number already used by another grievance (the
    counter was reset while Temporal kept its data) is never reused: the intake gets the next number.
    """
    for _ in range(MAX_RENUMBERING):
        try:
            await client.start_workflow(
                GrievanceWorkflow.run,
                _PAYLOAD.validate_python(row.payload),
                id=row.ticket_id,
                task_queue=task_queue,
                memo={INTAKE_MEMO: row.idempotency_key},
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            if not await _started_by(client, row):
                log.error("ticket number %s belongs to another grievance; renumbering intake %s", row.ticket_id, row.id)
                row = _renumber(engine, row, tz)
                continue
        with Session(engine) as session:
            stored = session.get(Intake, row.id)
            stored.started = True
            session.add(stored)
            session.commit()
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
    return client.data_converter.payload_converter.from_payload(payload, str) == row.idempotency_key


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


async def start_pending(client: Client, engine: Engine, task_queue: str | None = None) -> int:
    """The outbox sweep: start every stored intake whose workflow was never started."""
    from core.config import get_settings

    settings = get_settings()
    task_queue = task_queue or settings.temporal_task_queue
    cutoff = datetime.now(UTC) - OUTBOX_GRACE
    with Session(engine) as session:
        rows = session.exec(
            select(Intake).where(Intake.started == False, Intake.created_at < cutoff).limit(500)  # noqa: E712
        ).all()
    for row in rows:
        await start_intake(client, engine, task_queue, row, settings.timezone)
        log.info("started intake %s from the outbox", row.ticket_id)
    return len(rows)


__all__ = ["Receipt", "check_secret", "next_ticket_id", "start_pending", "submit", "tracking_secret"]
