"""An embedded stack for the bench: the Temporal dev server `make run` uses, N worker processes and M web
processes (one uvicorn each, on its own port), in a temporary data directory on free 127.0.0.1 ports.

Seeded like `make run` (calendar, demo catalog, demo accounts) plus API tokens and an Open311 key for the
bench's clients; rate limits raised for the bench's own run. Every child dies with the bench (see
scripts.stack.spawn) and `stop()` ends them in order; nothing here listens beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlmodel import Session
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from core.config import Settings
from core.db import make_engine
from core.seed import seed_all
from core.temporal import connect
from scripts.stack import ROOT, dev_server_store, die_with
from services.accounts import issue_open311_key, issue_token
from workflows import search_attributes

BIN = Path(sys.executable).parent
TASK_QUEUE = "grievances"
# The bench's clients all come from 127.0.0.1 and file thousands of cases a minute.
RATE_LIMITS = ("public_report", "whistle_account", "whistle_address", "open311_key", "open311_address", "api_intake",
               "anonymous_intake", "track", "login_address", "login_account", "search")
TOKEN_ACCOUNTS = ("operator", "dispatcher", "h-market")  # intake, dispatch and review, the handling unit
READY_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process (Linux), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time one process has used so far (Linux), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (proc(5), from field 3)


def role_of(name: str) -> str:
    """A child's part of the stack: worker-2 is a worker, web-1 a web process."""
    return {"temporal": "server"}.get(name, name.rsplit("-", 1)[0] if name[-1:].isdigit() else name)


@dataclass
class BenchStack:
    workers: int = 1
    webs: int = 1
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="whistle-bench-")))
    temporal_port: int = field(default_factory=free_port)
    web_ports: list[int] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    open311_key: str = ""
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'grievances.db'}"

    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    def environment(self) -> dict[str, str]:
        """What every child reads (core.config): this stack's database, server, key and bench limits."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT_", "DATABASE_URL"))}
        env.update({
            "ENVIRONMENT": "dev", "DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal_address, "TEMPORAL_TASK_QUEUE": TASK_QUEUE,
            "PAYLOAD_KEY": self._payload_key, "SECRET_KEY": self._secret_key,
            "RETURN_VISIT_SHARE": "0",  # a satisfied, solved rating closes the case: every loop is the same shape
            "PYTHONPATH": str(ROOT),
        })
        env.update({f"RATE_LIMIT_{name.upper()}": "1000000/minute" for name in RATE_LIMITS})
        return env

    def settings(self) -> Settings:
        """The same settings in this process (the bench's own Temporal clients use the same codec)."""
        env = self.environment()
        return Settings(data_dir=self.data_dir, database_url=self.database_url, temporal_address=self.temporal_address,
                        payload_key=env["PAYLOAD_KEY"], secret_key=env["SECRET_KEY"], return_visit_share=0.0)

    def __post_init__(self) -> None:
        self._payload_key = base64.b64encode(secrets.token_bytes(32)).decode()
        self._secret_key = secrets.token_urlsafe(32)
        self._logs = self.data_dir / "logs"
        self._logs.mkdir(parents=True, exist_ok=True)

    # ---- start and stop ----

    async def start(self) -> BenchStack:
        try:
            self._seed()
            self.spawn("temporal", self._dev_server_args())
            client = await connect(self.settings(), attempts=240)
            for i in range(self.workers):
                self.spawn(f"worker-{i + 1}", [sys.executable, str(ROOT / "worker.py")])
            for i in range(self.webs):
                port = free_port()
                self.web_ports.append(port)
                self.spawn(f"web-{i + 1}", [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
                                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                             "--no-proxy-headers", "--no-access-log"])
            await self._wait_ready(client)
        except BaseException:
            self.stop()
            raise
        return self

    def _dev_server_args(self) -> list[str]:
        args = [str(BIN / "temporal"), "server", "start-dev", *dev_server_store(self.data_dir / "temporal.db"),
                "--ip", "127.0.0.1", "--port", str(self.temporal_port), "--headless", "--log-level", "warn"]
        for key in search_attributes.ALL:
            args += ["--search-attribute", f"{key.name}={key._metadata_type}"]
        return args

    def spawn(self, name: str, args: list[str]) -> None:
        """A child in its own process group that gets SIGTERM when the bench dies, however it dies."""
        with open(self._logs / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(
                args, cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT, process_group=0,
                preexec_fn=functools.partial(die_with, os.getpid(), True))

    def _seed(self) -> None:
        engine = make_engine(self.database_url)
        try:
            seed_all(engine)
            with Session(engine) as session:
                self.tokens = {name: issue_token(session, name, "bench") for name in TOKEN_ACCOUNTS}
                self.open311_key = issue_open311_key(session, "bench client")
        finally:
            engine.dispose()

    async def _wait_ready(self, client: Client) -> None:
        """Every web process answers /healthz and every worker polls the task queue."""
        deadline = time.monotonic() + READY_SECONDS
        async with httpx.AsyncClient(timeout=5) as http:
            for url in self.web_urls:
                while True:
                    self._check_alive()
                    try:
                        if (await http.get(f"{url}/healthz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"web process at {url} not ready in {READY_SECONDS} s; see {self._logs}")
                    await asyncio.sleep(0.2)
        while await pollers(client, TASK_QUEUE) < self.workers:
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers not polling in {READY_SECONDS} s; see {self._logs}")
            await asyncio.sleep(0.2)

    def _check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}; see {self._logs / name}.log")

    def memory_mb(self) -> dict[str, float | None]:
        return {name: rss_mb(proc.pid) for name, proc in self.procs.items()}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each part of the stack (server, worker, web, engine-worker, summed over its
        processes) and by the bench's own clients (this process)."""
        used: dict[str, float] = {}
        for name, proc in self.procs.items():
            seconds = cpu_seconds(proc.pid)
            if seconds is not None:
                used[role_of(name)] = used.get(role_of(name), 0.0) + seconds
        times = os.times()
        used["client"] = times.user + times.system
        return used

    def stop(self) -> None:
        """Web processes first, then workers, then the server; SIGKILL after a grace period."""
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 25
        for proc in reversed(list(self.procs.values())):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        if not os.environ.get("BENCH_KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def pollers(client: Client, task_queue: str) -> int:
    """How many distinct workers poll this task queue for workflow tasks."""
    response = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
    return len({p.identity for p in response.pollers})
