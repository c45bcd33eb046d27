"""Causing faults for real: the real worker.py as a child process that a test freezes (SIGSTOP) and kills.

Used by the tests that prove the audit log and the actions hold when the worker does not.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from core.config import Settings
from core.models.tickets import Ticket, TicketEvent
from tests.workflows.conftest import make_input
from workflows.grievance import GrievanceWorkflow

ROOT = Path(__file__).resolve().parents[2]
FREEZE_SECONDS = 12  # longer than the workflow task timeout (10 s): the frozen task times out


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.proc = env, log, None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    async def idle(self, quiet: float = 1.0, timeout: float = 30) -> None:
        """Returns once the worker has used (almost) no CPU for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            start = self.cpu_seconds()
            await asyncio.sleep(quiet)
            if self.cpu_seconds() - start < 0.1 * quiet:
                return
        raise AssertionError("the worker never went idle")

    async def busy_for(self, seconds: float, timeout: float = 30) -> None:
        """Returns once the worker has used `seconds` of CPU from now (it is inside a slow statement)."""
        start, deadline = self.cpu_seconds(), time.monotonic() + timeout
        while self.cpu_seconds() - start < seconds:
            assert time.monotonic() < deadline, "the worker never got busy"
            await asyncio.sleep(0.05)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stack:
    """A dev server, a read model with the small catalog, worker.py as a child and a client with the codec."""

    client: Client
    engine: Engine
    worker: WorkerProcess
    settings: Settings

    @classmethod
    def environment(cls, address: str, url: str, queue: str, data_dir: Path) -> dict[str, str]:
        return {**os.environ, "TEMPORAL_ADDRESS": address, "DATABASE_URL": url, "TEMPORAL_TASK_QUEUE": queue,
                "DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
                "RETURN_VISIT_SHARE": "0"}  # no call back by lot: a test knows whether its case closes

    async def start_cases(self, count: int) -> list[str]:
        ids = [f"T-F{i:02d}-{uuid.uuid4().hex[:4]}" for i in range(count)]
        for ticket_id in ids:
            await self.client.start_workflow(GrievanceWorkflow.run, make_input(ticket_id), id=ticket_id,
                                             task_queue=self.settings.temporal_task_queue)
        return ids

    async def assert_settled(self, ticket_id: str) -> list[tuple]:
        found, truth = await settled(self.client, self.engine, ticket_id)
        assert found == truth, ticket_id
        return truth[0]


async def until_done(handle: WorkflowHandle, update, arg, update_id: str, deadline: float) -> None:
    """Sends one update until the platform answers: a timeout or an RPC failure is retried with the same id."""
    while time.monotonic() < deadline:
        try:
            await asyncio.wait_for(handle.execute_update(update, arg, id=update_id), 5)
            return
        except WorkflowUpdateFailedError:
            return  # refused by the case's rules (e.g. a race it lost): also an answer
        except (TimeoutError, RPCError, WorkflowUpdateRPCTimeoutOrCancelledError):
            await asyncio.sleep(0.5)
    raise AssertionError(f"{update_id} was never answered")


def read_model(engine: Engine, ticket_id: str) -> tuple[list[tuple[int, str, str, str]], str]:
    with Session(engine) as session:
        events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                              .order_by(TicketEvent.seq)).all()
        ticket = session.get(Ticket, ticket_id)
        return [(e.seq, e.action, e.actor_id, e.at.isoformat()) for e in events], ticket.stage if ticket else ""


async def settled(client: Client, engine: Engine, ticket_id: str, timeout: float = 60) -> tuple:
    """The workflow's trail and stage against the read model's, once they agree or the time is up."""
    handle = client.get_workflow_handle(ticket_id)
    deadline = time.monotonic() + timeout
    while True:
        trail = [tuple(entry) for entry in await handle.query(GrievanceWorkflow.audit_trail)]
        stage = (await handle.query(GrievanceWorkflow.state)).stage.value
        found = await asyncio.to_thread(read_model, engine, ticket_id)
        if found == (trail, stage) or time.monotonic() > deadline:
            return found, (trail, stage)
        await asyncio.sleep(0.5)
