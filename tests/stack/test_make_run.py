"""`make run` (scripts/stack.py): starts everything, keeps data across restarts, stops what it started,
and fails with one clear line on a busy port, a bad DATABASE_URL or an unreachable Temporal."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from core.config import Settings
from core.messages import Actor, Channel, GrievanceInput, Role
from core.payload_codec import data_converter
from core.payloads import DispatchInput
from tests.utils.net import free_port
from workflows.grievance import GrievanceWorkflow

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.devserver


def stack_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_ADDRESS", "DATABASE_URL")}
    env.update(DATA_DIR=str(data_dir), WEB_PORT=str(free_port()), TEMPORAL_DEV_PORT=str(free_port()),
               TEMPORAL_UI_PORT=str(free_port()), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def start_stack(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "scripts" / "stack.py")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def wait_healthy(env: dict[str, str], proc: subprocess.Popen, timeout: float = 60) -> None:
    url = f"http://127.0.0.1:{env['WEB_PORT']}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("stack did not become healthy")


def stop_stack(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def stack_client(env: dict[str, str]) -> Client:
    """A client with the stack's payload key: PAYLOAD_KEY if set, else the key file `make run` made."""
    return await Client.connect(f"127.0.0.1:{env['TEMPORAL_DEV_PORT']}",
                                data_converter=data_converter(Settings(data_dir=Path(env["DATA_DIR"]))))


async def file_case(env: dict[str, str], ticket_id: str) -> dict:
    client = await stack_client(env)
    handle = await client.start_workflow(
        GrievanceWorkflow.run,
        GrievanceInput(ticket_id=ticket_id, channel=Channel.HOTLINE, description="小区路灯不亮，晚上很黑",
                       received_at=datetime.now(UTC),
                       reporter=Actor(id="op", role=Role.OPERATOR), dispatch_owner_id="centre"),
        id=ticket_id, task_queue="grievances",
    )
    for _ in range(200):  # the first routing after start loads the segmenter
        state = await handle.query(GrievanceWorkflow.state)
        if state.proposal is not None:
            break
        await asyncio.sleep(0.1)
    top = state.proposal.candidates[0]
    dispatcher = Actor(id="dispatcher", role=Role.DISPATCHER, unit_id="centre")
    await handle.execute_update(GrievanceWorkflow.dispatch, DispatchInput(dispatcher, top.item_code, top.unit_id))
    return await handle.query(GrievanceWorkflow.state)


async def describe(env: dict[str, str], ticket_id: str):
    client = await stack_client(env)
    handle = client.get_workflow_handle(ticket_id)
    return (await handle.describe()).status, await handle.query(GrievanceWorkflow.state)


def _audit_actions(data_dir: Path, ticket_id: str) -> list[str]:
    """The audit rows the read model holds for the case, in order (the workflow keeps no history of its own)."""
    from sqlmodel import Session, select

    from core.db import make_engine
    from core.models.tickets import TicketEvent

    engine = make_engine(f"sqlite:///{data_dir / 'grievances.db'}")
    try:
        with Session(engine) as session:
            stmt = select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq)
            return list(session.exec(stmt))
    finally:
        engine.dispose()


def test_make_run_starts_everything_keeps_data_and_stops_cleanly(tmp_path):
    env = stack_env(tmp_path / "data")
    proc = start_stack(env)
    wait_healthy(env, proc)
    before = asyncio.run(file_case(env, "2026-1123-900001"))
    assert before.stage == "dispatched" and before.accept_deadline and len(before.checkpoints) == 4
    assert port_open(int(env["TEMPORAL_UI_PORT"]))  # the Temporal UI
    out = stop_stack(proc)
    assert f"http://127.0.0.1:{env['WEB_PORT']}/" in out and "demo1234" in out
    for port in ("WEB_PORT", "TEMPORAL_DEV_PORT", "TEMPORAL_UI_PORT"):
        assert not port_open(int(env[port])), f"{port} still open after Ctrl-C"

    proc = start_stack(env)  # same data dir: the case and its clocks survive
    wait_healthy(env, proc)
    status, state = asyncio.run(describe(env, "2026-1123-900001"))
    assert status == WorkflowExecutionStatus.RUNNING
    assert state.stage == "dispatched"
    assert (state.accept_deadline, state.closure_deadline) == (before.accept_deadline, before.closure_deadline)
    assert _audit_actions(tmp_path / "data", "2026-1123-900001") == ["received", "routed", "dispatched"]
    out = stop_stack(proc)
    assert "'users': 0" in out  # seeded once, not again


def run_failing(env: dict[str, str]) -> str:
    proc = start_stack(env)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    return out.strip()


def test_busy_port_is_one_clear_line(tmp_path):
    env = stack_env(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["WEB_PORT"])))
        busy.listen()
        out = run_failing(env)
    assert out == f"make run: port {env['WEB_PORT']} is already in use (web app); " \
                  "stop the other process or set another port"


def test_bad_database_url_is_one_clear_line(tmp_path):
    out = run_failing(stack_env(tmp_path, DATABASE_URL="mysql://x@y/z"))
    assert out.startswith("make run: DATABASE_URL must be sqlite:// or postgresql://") and "\n" not in out
    out = run_failing(stack_env(tmp_path, DATABASE_URL="not a url"))
    assert out.startswith("make run: DATABASE_URL is not a valid database URL") and "\n" not in out


def test_unreachable_database_is_one_clear_line(tmp_path):
    out = run_failing(stack_env(tmp_path, DATABASE_URL=f"postgresql://u:p@127.0.0.1:{free_port()}/db"))
    assert out.startswith("make run: database not reachable at postgresql") and "\n" not in out
    assert ":p@" not in out  # no password in the message


def test_unreachable_temporal_is_one_clear_line(tmp_path):
    out = run_failing(stack_env(tmp_path, TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}"))
    assert out.startswith("make run: Temporal is not reachable at 127.0.0.1:") and "\n" not in out
