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
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core.db import write_lock
from core.group_commit import GroupCommit
from core.messages import GrievanceInput
from core.models.tickets import Intake, TicketCounter

log = logging.getLogger(__name__)
PAYLOAD = TypeAdapter(GrievanceInput)
GRIEVANCE_WORKFLOW = "GrievanceWorkflow"  # workflows.grievance's type name (core may not import workflows)
INTAKE_MEMO = "intake_key"
MAX_RENUMBERING = 10_000

MakeInput = Callable[[str], GrievanceInput]  # ticket number -> the workflow's input


def _number_statement(engine: Engine, day):
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    return (
        insert(TicketCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": TicketCounter.last + 1})
        .returning(TicketCounter.last)
    )


def _take_number(session: Session, now: datetime, tz: str) -> str:
    """The next readable ticket number of the day, counted in the caller's transaction."""
    day = now.astimezone(ZoneInfo(tz)).date()
    number = session.execute(_number_statement(session.get_bind(), day)).scalar_one()
    return f"{day:%Y-%m%d}-{number:06d}"


def next_ticket_id(engine: Engine, now: datetime, tz: str) -> str:
    with write_lock(engine), Session(engine) as session, session.begin():
        return _take_number(session, now, tz)


def store_intake(engine: Engine, tz: str, make_input: MakeInput, key: str) -> tuple[Intake, bool]:
    """The outbox row for `key`: the earlier one (False), or a new one under a fresh ticket number (True).

    Intakes arriving together are stored together, in one transaction (on SQLite one flush to disk for a burst
    of 32 instead of 32); each returns once the transaction with its row has committed."""
    return _stored_together.mark(engine, (tz, make_input, key))


def _store(engine: Engine, items: list[tuple[str, MakeInput, str]]) -> list[tuple[Intake, bool]]:
    """A batch in one transaction; one alone (GroupCommit retries each item alone when its batch fails: a key
    raced in from another process, one bad intake) with _store_one's renumbering."""
    return [_store_one(engine, *items[0])] if len(items) == 1 else _store_all(engine, items)


def _store_all(engine: Engine, items: list[tuple[str, MakeInput, str]]) -> list[tuple[Intake, bool]]:
    with write_lock(engine), Session(engine, expire_on_commit=False) as session:
        keys = {key for _tz, _make, key in items}
        known = {row.idempotency_key: row for row in session.exec(select(Intake).where(
            col(Intake.idempotency_key).in_(keys))).all()}
        results, now = [], datetime.now(UTC)
        for tz, make_input, key in items:
            if key in known:
                results.append((known[key], False))
                continue
            known[key] = _add_intake(session, now, tz, make_input, key)
            results.append((known[key], True))
        session.commit()
    return results


def _store_one(engine: Engine, tz: str, make_input: MakeInput, key: str) -> tuple[Intake, bool]:
    """One intake in its own transaction; the same key stored meanwhile by another process (a unique-key error)
    is found on the next try."""
    for _attempt in range(MAX_RENUMBERING):
        try:
            with write_lock(engine), Session(engine, expire_on_commit=False) as session:
                existing = session.exec(select(Intake).where(Intake.idempotency_key == key)).first()
                if existing is not None:
                    return existing, False
                row = _add_intake(session, datetime.now(UTC), tz, make_input, key)
                session.commit()
                return row, True
        except IntegrityError:  # the same key raced in from another process, or the number is taken
            continue
    raise RuntimeError(f"no free ticket number for intake {key!r} after {MAX_RENUMBERING} tries")


def _add_intake(session: Session, now: datetime, tz: str, make_input: MakeInput, key: str) -> Intake:
    """A new outbox row under the day's next ticket number (counted in the session's transaction)."""
    ticket_id = _take_number(session, now, tz)
    row = Intake(idempotency_key=key, ticket_id=ticket_id, created_at=now,
                 payload=PAYLOAD.dump_python(make_input(ticket_id), mode="json"))
    session.add(row)
    return row


_stored_together = GroupCommit(_store)


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
        await asyncio.to_thread(_started_marks.mark, engine, row.id)
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


def _mark_started(engine: Engine, intake_ids: list[int]) -> None:
    with write_lock(engine), engine.begin() as conn:
        conn.execute(update(Intake).where(Intake.id.in_(intake_ids)).values(started=True))


_started_marks = GroupCommit(_mark_started)  # a burst of starts is marked in one transaction, not one each


def _renumber(engine: Engine, row: Intake, tz: str) -> Intake:
    with write_lock(engine), Session(engine) as session:
        ticket_id = _take_number(session, datetime.now(UTC), tz)
        stored = session.get(Intake, row.id)
        stored.ticket_id = ticket_id
        stored.payload = {**stored.payload, "ticket_id": ticket_id}
        session.add(stored)
        session.commit()
        session.refresh(stored)
        return stored
