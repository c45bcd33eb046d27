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

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from core.db import write_lock
from core.group_commit import GroupCommit
from core.messages import Actor, Stage
from core.models.tickets import Ticket, TicketEvent
from core.models.types import UTCDateTime


@dataclass
class RecordEventInput:
    ticket_id: str
    seq: int
    at: datetime
    actor: Actor
    action: str
    row: dict  # core.ticket_row.ticket_fields of the state after the event: the case's new snapshot
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


# Written with prepared SQL statements, not ORM objects: the ORM's loading and change tracking of the ticket row,
# and building a statement around each event's values, were most of the worker's CPU per case.
TICKETS, EVENTS = Ticket.__table__, TicketEvent.__table__
_TIMES = frozenset(column.name for column in TICKETS.columns if isinstance(column.type, UTCDateTime))
_FENCE = select(TICKETS.c.audit_fence, TICKETS.c.last_seq).where(TICKETS.c.id == bindparam("ticket")).with_for_update()
_UPDATE_TICKET = update(TICKETS).where(TICKETS.c.id == bindparam("ticket"))  # sets the columns it is given
_EVENT = select(EVENTS.c.id, EVENTS.c.fence).where(EVENTS.c.ticket_id == bindparam("ticket"),
                                                   EVENTS.c.seq == bindparam("event_seq"))
_INSERT_EVENT = insert(EVENTS)
_UPDATE_EVENT = update(EVENTS).where(EVENTS.c.id == bindparam("event"))
_DELETE_PHANTOMS = delete(EVENTS).where(EVENTS.c.ticket_id == bindparam("ticket"),
                                        EVENTS.c.seq > bindparam("event_seq"),
                                        EVENTS.c.fence < bindparam("write_fence"))


def _record(session: Session, input: RecordEventInput) -> None:
    key = {"ticket": input.ticket_id}
    current = session.execute(_FENCE, key).first()
    if current is not None and input.fence < current.audit_fence:
        return  # a superseded workflow task woke up late: the newer task's rows stand
    if current is None:
        session.add(Ticket(**_snapshot(input)))
        session.flush()  # the ticket row first: events reference it
    elif (input.fence, input.seq) >= (current.audit_fence, current.last_seq):
        session.execute(_UPDATE_TICKET, key | _snapshot(input, without_id=True))
    _write_event(session, input)
    session.execute(_DELETE_PHANTOMS, key | {"event_seq": input.seq, "write_fence": input.fence})


def _snapshot(input: RecordEventInput, without_id: bool = False) -> dict:
    """The ticket row's columns; times arrive as ISO text from the payload converter."""
    row = {key: datetime.fromisoformat(value) if key in _TIMES and isinstance(value, str) else value
           for key, value in input.row.items() if not (without_id and key == "id")}
    return row | {"last_seq": input.seq, "audit_fence": input.fence, "updated_at": input.at}


def _write_event(session: Session, input: RecordEventInput) -> None:
    row = session.execute(_EVENT, {"ticket": input.ticket_id, "event_seq": input.seq}).first()
    if row is not None and row.fence >= input.fence:
        return  # this task's own row, written by an earlier attempt
    values = {"fence": input.fence, "at": input.at, "action": input.action, "actor_id": input.actor.id,
              "actor_name": input.actor.name, "role": input.actor.role.value, "unit_id": input.unit_id,
              "reason": input.reason, "details": input.details,
              "stage_before": input.stage_before.value if input.stage_before else "",
              "stage_after": input.row["stage"]}
    if row is None:
        session.execute(_INSERT_EVENT, values | {"ticket_id": input.ticket_id, "seq": input.seq})
    else:  # a phantom of a superseded task: this task's event replaces it
        session.execute(_UPDATE_EVENT, values | {"event": row.id})


_recorded_together = GroupCommit(_record_together)
