"""worker.py runs alone, several copies at once against one server, and stops gracefully on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.db import create_schema, make_engine
from tests.temporal_env import TEST_PAYLOAD_KEY

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.devserver


@pytest.fixture
async def dev_server():
    from tests.temporal_env import start_dev_server

    env = await start_dev_server()
    yield env
    await env.shutdown()


def test_two_workers_share_a_server_and_stop_on_sigterm(dev_server, tmp_path):
    url = f"sqlite:///{tmp_path / 'read-model.db'}"
    create_schema(make_engine(url))
    env = {**os.environ, "TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host,
           "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", "PAYLOAD_KEY": TEST_PAYLOAD_KEY}
    workers = [subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    deadline = time.monotonic() + 30
    lines: list[list[str]] = [[], []]
    for i, worker in enumerate(workers):
        while not any("worker polling" in line for line in lines[i]) and time.monotonic() < deadline:
            lines[i].append(worker.stdout.readline())
        assert worker.poll() is None, "".join(lines[i])
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for i, worker in enumerate(workers):
        out, _ = worker.communicate(timeout=30)
        assert worker.returncode == 0, "".join(lines[i]) + out
        assert "stopping: finishing tasks in hand" in out


def test_worker_unreachable_temporal_is_one_line(tmp_path):
    from tests.utils.net import free_port

    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    proc = subprocess.run([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("worker: Temporal is not reachable at 127.0.0.1:")
    assert "Traceback" not in proc.stderr
