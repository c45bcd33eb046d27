"""The audit table equals the workflow even when a workflow task fails after its local activity wrote.

record_event is called here exactly as a frozen worker's superseded task and its retry call it; the
chaos test (test_audit_under_faults.py) shows the same end to end with a real worker frozen and killed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from activities.read_model import ReadModelActivities, RecordEventInput
from core.messages import Actor, GrievanceState, Role, Stage
from core.models.tickets import Ticket, TicketEvent
from core.ticket_row import ticket_fields
from tests.workflows.conftest import make_input

DISPATCHER = Actor(id="u-disp", role=Role.DISPATCHER, name="派单员", unit_id="centre")
HANDLER = Actor(id="u-eco", role=Role.HANDLER, name="生态局", unit_id="dept-ecology")
SUPERVISOR = Actor(id="u-sup", role=Role.SUPERVISOR, name="督查员", unit_id="supervision")


def write(engine, seq: int, action: str, fence: int, actor: Actor = HANDLER, stage: Stage = Stage.IN_PROGRESS):
    state = GrievanceState(ticket_id="T-FENCE", stage=stage, intake=make_input("T-FENCE"))
    ReadModelActivities(engine).record_event(RecordEventInput(ticket_id="T-FENCE", seq=seq, at=datetime.now(UTC),
                                                              actor=actor, action=action, row=ticket_fields(state),
                                                              fence=fence))


def rows(engine) -> list[tuple[int, str, str]]:
    with Session(engine) as session:
        found = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == "T-FENCE")
                             .order_by(TicketEvent.seq)).all()
        return [(e.seq, e.action, e.actor_id) for e in found]


def ticket(engine) -> Ticket:
    with Session(engine) as session:
        return session.get(Ticket, "T-FENCE")


def test_a_retried_task_replaces_the_phantom_rows_of_the_task_that_timed_out(engine):
    write(engine, 1, "received", 3, DISPATCHER, Stage.RECEIVED)
    write(engine, 2, "progress", 11)
    write(engine, 3, "progress", 11)  # this task then timed out: rows 2 and 3 are phantoms
    write(engine, 2, "escalated", 14, SUPERVISOR)  # the retry ran another update first
    assert rows(engine) == [(1, "received", "u-disp"), (2, "escalated", "u-sup")]
    assert (ticket(engine).last_seq, ticket(engine).audit_fence) == (2, 14)


def test_a_superseded_task_waking_up_late_writes_nothing(engine):
    write(engine, 1, "received", 3, DISPATCHER, Stage.RECEIVED)
    write(engine, 2, "escalated", 14, SUPERVISOR)
    write(engine, 2, "progress", 11)  # the frozen worker's local activity finally commits
    write(engine, 3, "progress", 11)
    assert rows(engine) == [(1, "received", "u-disp"), (2, "escalated", "u-sup")]
    assert ticket(engine).last_seq == 2


def test_a_late_retry_within_one_task_keeps_that_task_s_later_rows(engine):
    write(engine, 1, "received", 3, DISPATCHER, Stage.RECEIVED)
    write(engine, 2, "progress", 11)
    write(engine, 3, "escalated", 11, SUPERVISOR, Stage.DISPATCHED)
    write(engine, 2, "progress", 11)  # the first attempt of seq 2 outlived its timeout and commits now
    assert rows(engine) == [(1, "received", "u-disp"), (2, "progress", "u-eco"), (3, "escalated", "u-sup")]
    assert (ticket(engine).last_seq, ticket(engine).stage) == (3, "dispatched")


def test_events_of_many_cases_at_once_are_committed_together_and_a_failing_one_fails_alone(engine):
    """Issue 19: local activities writing at the same moment share one transaction (one flush to disk on SQLite);
    a failing event fails only its own activity, which is retried, and the others are written."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import event, text

    commits = [0]
    event.listen(engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1))
    with engine.begin() as conn:  # a broken event: the audit table refuses action "boom"
        conn.execute(text("CREATE TRIGGER refuse_boom BEFORE INSERT ON ticket_events WHEN NEW.action = 'boom' "
                          "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    commits[0] = 0

    def one(n: int) -> str:
        ticket_id = f"T-MANY-{n:02d}"
        state = GrievanceState(ticket_id=ticket_id, stage=Stage.RECEIVED, intake=make_input(ticket_id))
        try:
            ReadModelActivities(engine).record_event(RecordEventInput(
                ticket_id=ticket_id, seq=1, at=datetime.now(UTC), actor=DISPATCHER,
                action="boom" if n == 7 else "received", row=ticket_fields(state), fence=3))
        except Exception:
            return "failed"
        return "ok"

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(one, range(40)))
    assert outcomes.count("failed") == 1 and outcomes[7] == "failed"
    with Session(engine) as session:
        written = session.exec(select(TicketEvent.ticket_id)).all()
    assert len(written) == 39 and "T-MANY-07" not in written
    assert commits[0] < 39  # events arriving together were committed together
