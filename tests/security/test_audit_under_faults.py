"""The audit table equals every case's workflow whatever the worker does: frozen past the workflow task
timeout (SIGSTOP), killed (SIGKILL) and restarted, in the middle of racing actions.

A real dev server, a SQLite read model and the real worker.py as a child process. Each case gets
racing updates (a handler's progress notes against a supervisor's escalation) while the worker is
frozen and killed; every update carries an id, so a retry is the same update. At rest, every case's
audit rows are the workflow's own audit trail, and its row shows the workflow's stage.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time

import pytest
from temporalio.client import Client

from core.messages import Rating
from core.payloads import (
    AcceptInput,
    DispatchInput,
    EscalateInput,
    ProgressInput,
    RateInput,
    ReviewInput,
    SubmitResultInput,
)
from tests.security.faults import FREEZE_SECONDS, WorkerProcess, until_done
from tests.workflows.conftest import CENTRE, ECOLOGY, SUPERVISOR, citizen
from workflows.grievance import GrievanceWorkflow

CASES = 8
pytestmark = pytest.mark.devserver


async def drive(client: Client, ticket_id: str, deadline: float) -> None:
    handle = client.get_workflow_handle(ticket_id)
    await until_done(
        handle,
        GrievanceWorkflow.dispatch,
        DispatchInput(actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology"),
        f"{ticket_id}-dispatch",
        deadline,
    )
    await until_done(handle, GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY), f"{ticket_id}-accept", deadline)
    notes = [
        until_done(
            handle,
            GrievanceWorkflow.add_progress,
            ProgressInput(actor=ECOLOGY, note=f"进展{i}"),
            f"{ticket_id}-progress-{i}",
            deadline,
        )
        for i in range(4)
    ]
    escalation = until_done(
        handle,
        GrievanceWorkflow.escalate,
        EscalateInput(actor=SUPERVISOR, reason="催办"),
        f"{ticket_id}-escalate",
        deadline,
    )
    await asyncio.gather(*notes, escalation)


async def chaos(worker: WorkerProcess) -> None:
    """Freeze the worker past the task timeout, let it go, kill it in the middle of actions, restart it."""
    await asyncio.sleep(1.0)
    worker.signal(signal.SIGSTOP)
    await asyncio.sleep(FREEZE_SECONDS)
    worker.signal(signal.SIGCONT)
    await asyncio.sleep(1.5)
    worker.kill()
    worker.start()


# A slow disk, as SQL: the "closed" row's insert computes for seconds before its transaction can commit.
SLOW_CLOSED_INSERT = """
CREATE TRIGGER slow_closed AFTER INSERT ON ticket_events WHEN NEW.action = 'closed'
BEGIN
    SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 25000000)
                          SELECT x FROM c);
END
"""


async def test_a_workflow_task_that_times_out_after_its_first_audit_write_leaves_no_phantom(stack):
    """A rating writes "rated" then "closed" in one workflow task. "rated" commits; the worker freezes
    inside "closed" past the task timeout. The retried task writes both again, at its own time: the
    table must hold the retry's rows, not the first attempt's."""
    [ticket_id] = await stack.start_cases(1)
    handle = stack.client.get_workflow_handle(ticket_id)
    deadline = time.monotonic() + 120
    for name, update, arg in handling_steps(ticket_id):
        await until_done(handle, update, arg, f"{ticket_id}-{name}", deadline)
    await stack.worker.idle()  # dispatching retrains routing: let it finish, so the next CPU used is the insert
    with sqlite3.connect(stack.settings.data_dir / "read-model.db") as db:
        db.execute(SLOW_CLOSED_INSERT)
    rating = asyncio.create_task(until_done(handle, GrievanceWorkflow.rate,
                                            RateInput(actor=citizen(ticket_id), rating=Rating.SATISFIED,
                                                      resolved=True),
                                            f"{ticket_id}-rate", deadline))
    await stack.worker.busy_for(1.0)  # "rated" is committed; the worker is inside the "closed" insert
    stack.worker.signal(signal.SIGSTOP)
    await asyncio.sleep(FREEZE_SECONDS)
    stack.worker.signal(signal.SIGCONT)
    await rating
    trail = await stack.assert_settled(ticket_id)
    assert {"rated", "closed"} <= {entry[1] for entry in trail}


def handling_steps(ticket_id: str) -> list[tuple]:
    """Dispatch, accept, submit, approve: the case then waits for the complainant's rating."""
    return [
        ("dispatch", GrievanceWorkflow.dispatch,
         DispatchInput(actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology")),
        ("accept", GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY)),
        ("submit", GrievanceWorkflow.submit_result, SubmitResultInput(actor=ECOLOGY, summary="已整改到位")),
        ("review", GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True)),
    ]


async def test_the_audit_table_equals_every_workflow_after_freezes_and_kills(stack):
    ids = await stack.start_cases(CASES)
    deadline = time.monotonic() + 150
    await asyncio.gather(chaos(stack.worker), *(drive(stack.client, t, deadline) for t in ids))
    for ticket_id in ids:
        trail = await stack.assert_settled(ticket_id)
        assert len(trail) >= 8, trail  # received, routed, dispatched, accepted, 4 notes (+ escalation)
