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
import time

import pytest
from temporalio.client import Client

from core.messages import AcceptInput, DispatchInput, EscalateInput, ProgressInput
from tests.security.faults import FREEZE_SECONDS, WorkerProcess, until_done
from tests.workflows.conftest import CENTRE, ECOLOGY, SUPERVISOR
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


async def test_the_audit_table_equals_every_workflow_after_freezes_and_kills(stack):
    ids = await stack.start_cases(CASES)
    deadline = time.monotonic() + 150
    await asyncio.gather(chaos(stack.worker), *(drive(stack.client, t, deadline) for t in ids))
    for ticket_id in ids:
        trail = await stack.assert_settled(ticket_id)
        assert len(trail) >= 8, trail  # received, routed, dispatched, accepted, 4 notes (+ escalation)
