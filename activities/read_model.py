"""record_event: writes one audit row and the ticket's latest snapshot, so the table equals the workflow.

A local activity commits before its workflow task completes. When that task then fails (a frozen or
killed worker), the retried task records its own events under the same sequence numbers, and the
first task's rows are phantoms. Each write therefore carries a fence, the workflow's history length
when it ran, which only grows from one task to the next:

- a write fenced lower than the ticket's fence comes from a superseded task and is ignored;
- a row fenced lower than the write at the same seq is a phantom and is replaced; rows of an older
  task beyond this seq are phantoms and are deleted (real events of older tasks come before it);
- the ticket's snapshot follows the newest (fence, seq), so a late retry never rolls it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from core.db import write_lock
from core.group_commit import GroupCommit
from core.messages import Actor, GrievanceState, Stage
from core.models.tickets import Ticket, TicketEvent
from core.ticket_row import ticket_fields


@dataclass
class RecordEventInput:
    ticket_id: str
    seq: int
    at: datetime
    actor: Actor
    action: str
    state: GrievanceState
    reason: str = ""
    unit_id: str | None = None
    stage_before: Stage | None = None
    details: dict = field(default_factory=dict)
    fence: int = 0


class ReadModelActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def record_event(self, input: RecordEventInput) -> None:
        """Written with the events of cases moving at the same moment, in one transaction (one flush to disk on
        SQLite); a failing event fails only its own local activity, which is retried (core.group_commit)."""
        _recorded_together.mark(self.engine, input)


def _record_together(engine: Engine, inputs: list[RecordEventInput]) -> None:
    with write_lock(engine), Session(engine) as session:
        for input in inputs:
            _record(session, input)
        session.commit()


def _record(session: Session, input: RecordEventInput) -> None:
    ticket = session.exec(select(Ticket).where(Ticket.id == input.ticket_id).with_for_update()).first()
    if ticket is not None and input.fence < ticket.audit_fence:
        return  # a superseded workflow task woke up late: the newer task's rows stand
    if ticket is None:
        ticket = Ticket(**ticket_fields(input.state), last_seq=input.seq, audit_fence=input.fence,
                        updated_at=input.at)
        session.add(ticket)
        session.flush()  # the ticket row first: events reference it
    elif (input.fence, input.seq) >= (ticket.audit_fence, ticket.last_seq):
        for key, value in ticket_fields(input.state).items():
            setattr(ticket, key, value)
        ticket.last_seq, ticket.audit_fence, ticket.updated_at = input.seq, input.fence, input.at
        session.add(ticket)
    _write_event(session, input)
    # No session sync: the rows are not loaded here, and the ORM's evaluation of the criteria against the
    # session's objects was a tenth of the worker's CPU per case.
    session.exec(delete(TicketEvent).where(TicketEvent.ticket_id == input.ticket_id,
                                           TicketEvent.seq > input.seq, TicketEvent.fence < input.fence)
                 .execution_options(synchronize_session=False))


def _write_event(session: Session, input: RecordEventInput) -> None:
    row = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == input.ticket_id,
                                                 TicketEvent.seq == input.seq)).first()
    if row is not None and row.fence >= input.fence:
        return  # this task's own row, written by an earlier attempt
    row = row or TicketEvent(ticket_id=input.ticket_id, seq=input.seq, action=input.action, at=input.at)
    row.fence, row.at, row.action = input.fence, input.at, input.action
    row.actor_id, row.actor_name, row.role = input.actor.id, input.actor.name, input.actor.role.value
    row.unit_id, row.reason, row.details = input.unit_id, input.reason, input.details
    row.stage_before = input.stage_before.value if input.stage_before else ""
    row.stage_after = input.state.stage.value
    session.add(row)


_recorded_together = GroupCommit(_record_together)
