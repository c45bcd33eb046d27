"""A worker killed mid-case loses nothing: on a real dev server, `python worker.py` is killed with SIGKILL
after dispatch, an action arrives while no worker runs, and a new worker finishes the case. The audit log
must be complete and contiguous, with no action written twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.messages import Rating, Stage
from core.models.tickets import Ticket, TicketEvent
from core.payloads import (
    AcceptInput,
    DispatchInput,
    EscalateInput,
    ProgressInput,
    RateInput,
    ReviewInput,
    SubmitResultInput,
)
from tests.temporal_env import TEST_PAYLOAD_KEY, start_dev_server
from tests.utils.catalog import seed_small_catalog
from tests.workflows.conftest import CENTRE, ECOLOGY, SUPERVISOR, citizen, make_input
from tests.workflows.steps import eventually, sync_probe
from workflows.grievance import GrievanceWorkflow

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.devserver


@pytest.fixture
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@asynccontextmanager
async def _worker(env, database_url: str, task_queue: str, log: Path) -> AsyncIterator[subprocess.Popen]:
    """`python worker.py` as operators run it, configured only through its environment."""
    environ = {**os.environ, "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
               "DATABASE_URL": database_url, "TEMPORAL_TASK_QUEUE": task_queue, "PAYLOAD_KEY": TEST_PAYLOAD_KEY,
               "RETURN_VISIT_SHARE": "0"}  # no call back by lot: the confirmed, satisfied case closes
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=environ, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)


def _actions(engine, ticket_id: str) -> list[str]:
    with Session(engine) as session:
        return [e.action for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id))]


async def _idle(handle) -> None:
    """No activity in flight: the kill lands between steps, not inside an activity's 2-minute timeout."""
    await eventually(handle.describe, lambda d: not d.raw_description.pending_activities, timeout=30)


async def test_killed_worker_loses_and_duplicates_nothing(dev_env, engine, tmp_path):
    with Session(engine) as session:
        seed_small_catalog(session)
    database_url, task_queue, log = str(engine.url), f"tq-{uuid.uuid4()}", tmp_path / "worker.log"
    grievance = make_input(f"T-{uuid.uuid4().hex[:8]}")
    client = dev_env.client
    handle = await client.start_workflow(GrievanceWorkflow.run, grievance, id=grievance.ticket_id,
                                         task_queue=task_queue)

    async with _worker(dev_env, database_url, task_queue, log) as first:
        await handle.execute_update(GrievanceWorkflow.dispatch, DispatchInput(
            actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology"))
        await _idle(handle)
        # Kill it in the middle of an action: the audit row is written, the workflow task may not be done.
        accepting = asyncio.create_task(handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY)))
        await eventually(sync_probe(lambda: _actions(engine, handle.id)), lambda found: "accepted" in found, timeout=30)
        first.kill()  # SIGKILL: no graceful shutdown, sticky cache and all gone
        assert await asyncio.to_thread(first.wait, 30) == -signal.SIGKILL

    # An action arrives while no worker runs; it waits for the next worker instead of getting lost. (A
    # supervisor's escalation: valid whichever of it and the interrupted acceptance the new worker runs first.)
    progress = asyncio.create_task(handle.execute_update(
        GrievanceWorkflow.escalate, EscalateInput(actor=SUPERVISOR, reason="群众多次来电催办")))
    await asyncio.sleep(0.5)
    assert not progress.done()

    async with _worker(dev_env, database_url, task_queue, log):
        await asyncio.wait_for(accepting, 60)
        await asyncio.wait_for(progress, 60)
        await handle.execute_update(GrievanceWorkflow.add_progress, ProgressInput(actor=ECOLOGY, note="已约谈店主"))
        await handle.execute_update(GrievanceWorkflow.submit_result,
                                    SubmitResultInput(actor=ECOLOGY, summary="已加装油烟净化器"))
        await handle.execute_update(GrievanceWorkflow.review, ReviewInput(actor=CENTRE, approve=True))
        await handle.execute_update(GrievanceWorkflow.rate,
                                    RateInput(actor=citizen(handle.id), rating=Rating.SATISFIED, resolved=True))
        final = await asyncio.wait_for(handle.result(), 60)

    assert final.stage == Stage.CLOSED
    with Session(engine) as session:
        ticket = session.get(Ticket, handle.id)
        events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == handle.id)
                              .order_by(TicketEvent.seq)).all()
    done = ["progress", "result_submitted", "review_approved", "rated", "closed", "published"]
    middle = [e.action for e in events][3:5]
    assert sorted(middle) == ["accepted", "escalated"]  # in whichever order the new worker took them
    expected = ["received", "routed", "dispatched", *middle, *done]
    assert [e.seq for e in events] == list(range(1, len(expected) + 1))
    assert [e.action for e in events] == expected
    assert (ticket.stage, ticket.last_seq, ticket.published) == ("closed", len(expected), True)

