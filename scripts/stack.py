"""`make run`: the whole stack on one machine, on embedded defaults unless the environment says otherwise.

Starts the Temporal dev server (SQLite under data/, UI on :8233) unless TEMPORAL_ADDRESS is set,
creates the schema and seeds once, then runs the worker and the web app until Ctrl-C, and stops
every process it started. Problems (port in use, server unreachable, bad DATABASE_URL) are one line.
Every child ends with this process (even when it is killed with SIGKILL), and a crashed child is
restarted with back-off until it crashes too often in a row.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import get_settings  # noqa: E402
from core.db import DatabaseConfigError, make_engine, ping  # noqa: E402
from core.files import make_private, private_dir  # noqa: E402
from core.seed import DEMO_API_KEY, DEMO_PASSWORD, seed_all  # noqa: E402
from core.temporal import TemporalUnreachable, connect, exit_now  # noqa: E402
from workflows import search_attributes  # noqa: E402

BIN = Path(sys.executable).parent


class StackError(RuntimeError):
    pass


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def require_free(host: str, port: int, what: str) -> None:
    if not port_free(host, port):
        raise StackError(f"port {port} is already in use ({what}); stop the other process or set another port")


def dev_server_store(path: Path) -> list[str]:
    """The dev server's SQLite file, in WAL mode: a third less server CPU per workflow start than its default
    rollback journal, with the same durability (synchronous stays FULL: a commit survives a power loss)."""
    return ["--db-filename", str(path), "--sqlite-pragma", "journal_mode=wal"]


def start_dev_server(settings, log_file) -> subprocess.Popen:
    args = [
        str(BIN / "temporal"), "server", "start-dev", *dev_server_store(settings.data_dir / "temporal.db"),
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_dev_port),
        "--ui-port", str(settings.temporal_ui_port),
        "--ui-disable-news-fetch",
        "--ui-codec-endpoint", f"http://127.0.0.1:{settings.web_port}/codec",  # staff signed in decrypt
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
    ]
    for key in search_attributes.ALL:
        args += ["--search-attribute", f"{key.name}={key._metadata_type}"]  # e.g. Deadline=Datetime
    return spawn(args, log_file)


async def ensure_search_attributes(settings) -> None:
    """An external cluster may not know our search attributes yet: register them (idempotent)."""
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

    client = await connect(settings, attempts=3)
    known = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.temporal_namespace)
    )
    missing = {k.name: k.indexed_value_type for k in search_attributes.ALL if k.name not in known.custom_attributes}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=settings.temporal_namespace, search_attributes=missing)
        )


def prepare_database(settings) -> dict:
    try:
        engine = make_engine(settings.effective_database_url)
        ping(engine)
    except DatabaseConfigError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StackError(f"database not reachable at {_safe_url(settings.effective_database_url)}: {first}") from None
    report = seed_all(engine, demo_api_key=settings.environment != "production")
    engine.dispose()
    return report


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"


PR_SET_PDEATHSIG = 1  # linux/prctl.h
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def die_with(parent: int, exit_now_instead: bool = False) -> None:
    """Asks Linux to send SIGTERM to this process when `parent` dies, even by SIGKILL; elsewhere a no-op."""
    if _prctl is None:
        return
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        if exit_now_instead:
            os._exit(1)  # in a forked child, before exec: no Python clean-up to run
        os.kill(os.getpid(), signal.SIGTERM)


def spawn(args: list[str], log_file=None) -> subprocess.Popen:
    """A child in a process group of its own (Ctrl-C reaches only us, and we stop the children in order)
    that gets SIGTERM when we die, however we die."""
    return subprocess.Popen(args, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT if log_file else None,
                            process_group=0, preexec_fn=functools.partial(die_with, os.getpid(), True))


QUICK_CRASH_SECONDS = 60  # a child that dies sooner than this after its start crashed "quickly"
MAX_QUICK_CRASHES = 5  # in a row: then it is not restarted any more, and the stack stops
BACKOFF_SECONDS = (1, 2, 5, 10, 30)


class Child:
    """One supervised process: restarted with back-off when it exits on its own."""

    def __init__(self, name: str, start: Callable[[], subprocess.Popen], hint: str = "see the output above"):
        self.name, self._start, self.hint = name, start, hint
        self.proc = start()
        self.started = time.monotonic()
        self.quick_crashes = 0
        self.restart_at: float | None = None

    def check(self) -> None:
        """Notices a crash and schedules the restart, restarts when the back-off is over; StackError at the limit."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.proc, self.started, self.restart_at = self._start(), now, None
                say(f"{self.name} restarted (pid {self.proc.pid})")
            return
        if self.proc.poll() is None:
            return
        self.quick_crashes = self.quick_crashes + 1 if now - self.started < QUICK_CRASH_SECONDS else 1
        code = self.proc.returncode
        if self.quick_crashes >= MAX_QUICK_CRASHES:
            raise StackError(f"{self.name} exited with code {code}, {self.quick_crashes} times in a row soon after "
                             f"starting; not restarting it any more; {self.hint}")
        delay = BACKOFF_SECONDS[min(self.quick_crashes, len(BACKOFF_SECONDS)) - 1]
        say(f"{self.name} exited with code {code}; restarting it in {delay} s ({self.hint})")
        self.restart_at = now + delay


def say(line: str) -> None:
    print(f"make run: {line}", file=sys.stderr, flush=True)


def stop_all(children: list[Child]) -> None:
    for child in reversed(children):
        if child.proc.poll() is None:
            os.killpg(child.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 25
    for proc in reversed([child.proc for child in children]):
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    settings = get_settings()
    die_with(os.getppid())  # make run ends with its terminal or with `make`, even when they are killed
    make_private(settings.data_dir, settings.effective_database_url)  # umask 077 for us and our children
    children: list[Child] = []
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        require_free(settings.web_host, settings.web_port, "web app")
        if settings.embedded_temporal:
            require_free("127.0.0.1", settings.temporal_dev_port, "Temporal dev server")
            require_free("127.0.0.1", settings.temporal_ui_port, "Temporal UI")
        report = prepare_database(settings)
        if settings.embedded_temporal:
            children.append(_temporal_child(settings))
        try:
            asyncio.run(connect(settings, attempts=120 if settings.embedded_temporal else 8))
        except TemporalUnreachable as exc:
            raise StackError(str(exc)) from None
        if not settings.embedded_temporal:
            asyncio.run(ensure_search_attributes(settings))
        children.append(Child("worker", lambda: spawn([sys.executable, str(ROOT / "worker.py")])))
        children.append(Child("web", lambda: spawn(web_command(settings))))
        _announce(settings, report)
        while not stopping:
            for child in children:
                child.check()
            time.sleep(0.3)
        print("\nstopping ...", flush=True)
        return 0
    except (StackError, DatabaseConfigError) as exc:
        print(f"make run: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        stop_all(children)


def web_command(settings) -> list[str]:
    """The web process. uvicorn's own proxy-header handling is off: X-Forwarded-For is read by the app, from
    TRUSTED_PROXIES only (http_common.deps.client_address), so no one on this host can pick an address."""
    return [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", settings.web_host,
            "--port", str(settings.web_port), "--log-level", "warning", "--no-proxy-headers"]


def _temporal_child(settings) -> Child:
    logs = private_dir(settings.data_dir / "logs")
    log_file = open(logs / "temporal.log", "ab")  # noqa: SIM115  (held open by the child for its lifetime)
    return Child("temporal", lambda: start_dev_server(settings, log_file), f"see {logs / 'temporal.log'}")


def _announce(settings, report: dict) -> None:
    web = f"http://{settings.web_host}:{settings.web_port}"
    lines = [
        "",
        "  接诉即办 · whistle-report grievance platform is running",
        f"  Web app        {web}/",
        f"  Health         {web}/healthz",
        f"  API docs       {web}/api/docs",
    ]
    if settings.embedded_temporal:
        lines.append(f"  Temporal UI    http://127.0.0.1:{settings.temporal_ui_port}/")
    else:
        lines.append(f"  Temporal       {settings.temporal_address} (external)")
    lines += [
        f"  Database       {_safe_url(settings.effective_database_url)}",
        f"  First-run seed {report}",
        "",
        f"  Demo log-ins (password {DEMO_PASSWORD}):",
        "    dispatcher       市派单员 (city dispatch centre)",
        "    east-dispatcher  东城区派单员 (district dispatch)",
        "    h-ecology        生态环境局承办人 (every department: h-<unit id>, e.g. h-market, h-urban)",
        "    supervisor       市督查员",
        "    street-east-1    东关街道 (street whistles)",
        "    grid-east-1      网格员 (grid worker)",
        "    operator         12345 接线员 (hotline intake)",
        "    admin            系统管理员",
        "",
        f"  Open311        {web}/open311/v2/services.json  (demo api_key: {DEMO_API_KEY})",
        "",
        "  Ctrl-C stops everything; data stays in data/ for the next start.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    exit_now(main())
