"""`make run`: the whole stack on one machine, on embedded defaults unless the environment says otherwise.

Starts the Temporal dev server (SQLite under data/, UI on :8233) unless TEMPORAL_ADDRESS is set,
creates the schema and seeds once, then runs the worker and the web app until Ctrl-C, and stops
every process it started. Problems (port in use, server unreachable, bad DATABASE_URL) are one line.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import get_settings  # noqa: E402
from core.db import DatabaseConfigError, make_engine, ping  # noqa: E402
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


def start_dev_server(settings, log_file) -> subprocess.Popen:
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    args = [
        str(BIN / "temporal"), "server", "start-dev",
        "--db-filename", str(data / "temporal.db"),
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_dev_port),
        "--ui-port", str(settings.temporal_ui_port),
        "--ui-disable-news-fetch",
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
    ]
    for key in search_attributes.ALL:
        args += ["--search-attribute", f"{key.name}={key._metadata_type}"]  # e.g. Deadline=Datetime
    return subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)


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


def spawn(args: list[str], log_file=None) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT if log_file else None,
                            start_new_session=True)


def stop_all(processes: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, proc in reversed(processes):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 25
    for _name, proc in reversed(processes):
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    settings = get_settings()
    processes: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    logs = settings.data_dir / "logs"
    try:
        require_free(settings.web_host, settings.web_port, "web app")
        if settings.embedded_temporal:
            require_free("127.0.0.1", settings.temporal_dev_port, "Temporal dev server")
            require_free("127.0.0.1", settings.temporal_ui_port, "Temporal UI")
        report = prepare_database(settings)
        if settings.embedded_temporal:
            logs.mkdir(parents=True, exist_ok=True)
            log_file = open(logs / "temporal.log", "ab")  # noqa: SIM115  (held open by the child for its lifetime)
            processes.append(("temporal", start_dev_server(settings, log_file)))
        try:
            asyncio.run(connect(settings, attempts=120 if settings.embedded_temporal else 8))
        except TemporalUnreachable as exc:
            raise StackError(str(exc)) from None
        if not settings.embedded_temporal:
            asyncio.run(ensure_search_attributes(settings))
        processes.append(("worker", spawn([sys.executable, str(ROOT / "worker.py")])))
        processes.append(("web", spawn([
            sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
            "--host", settings.web_host, "--port", str(settings.web_port), "--log-level", "warning",
        ])))
        _announce(settings, report)
        while not stopping:
            for name, proc in processes:
                if proc.poll() is not None:
                    raise StackError(f"{name} exited with code {proc.returncode}; see the output above"
                                     + (f" or {logs / 'temporal.log'}" if name == "temporal" else ""))
            time.sleep(0.3)
        print("\nstopping ...", flush=True)
        return 0
    except (StackError, DatabaseConfigError) as exc:
        print(f"make run: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        stop_all(processes)


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
