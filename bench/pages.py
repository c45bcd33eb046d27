"""Pages at 100,000 cases: one real web process over a read model of 100,000 grievances (bench.readmodel_fill),
each console page and public list timed with sequential requests by the account that uses it.

No Temporal server: none of the timed pages calls Temporal (the case page reads the read model only).
Run alone: .venv/bin/python -m bench.pages (BENCH_QUICK=1: 5,000 cases and fewer requests).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import Session, col, select

from bench.figures import Figure, latency_ms, quick
from bench.readmodel_fill import fill
from bench.stack import BenchStack, free_port, rss_mb
from core.db import make_engine
from core.models.catalog import Unit
from core.models.tickets import Ticket
from core.models.users import User
from core.security import hash_password
from core.seed import DEMO_PASSWORD, seed_all

COMMAND = "make bench  (or .venv/bin/python -m bench.pages)"
TARGET_MS = "< 200"
DISTRICT_SUPERVISOR = "bench-district-supervisor"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def plan() -> dict:
    if quick():
        return {"cases": 5_000, "warm_ups": 2, "requests": 15}
    return {"cases": 100_000, "warm_ups": 5, "requests": 60}


@dataclass
class Target:
    """One timed page: who asks (a username, or "" for anonymous) and the path."""

    name: str
    account: str
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def prepare(stack: BenchStack, cases: int) -> dict:
    """Seeds like `make run`, fills the read model, adds a district supervisor; returns who and what to time."""
    engine = make_engine(stack.database_url)
    try:
        seed_all(engine)
        began = time.monotonic()
        events = fill(engine, cases)
        fill_s = round(time.monotonic() - began, 1)
        with Session(engine) as session:
            district = session.exec(select(Unit.id).where(Unit.kind == "district").order_by(Unit.id)).first()
            session.add(User(username=DISTRICT_SUPERVISOR, display_name="区督查员", role="supervisor", unit_id=district,
                             password_hash=hash_password(DEMO_PASSWORD), created_at=datetime.now(UTC)))
            session.commit()
            busy = _busiest_handler(session)
            handled = session.exec(select(Ticket.id).where(Ticket.primary_unit_id == busy.removeprefix("h-"),
                                                           Ticket.stage == "in_progress")).first()
            received = session.exec(select(Ticket.id).where(Ticket.stage == "received")
                                    .order_by(Ticket.received_at)).first()
    finally:
        engine.dispose()
    return {"events": events, "fill_s": fill_s, "district": district, "handler": busy, "handled_case": handled,
            "received_case": received}


def _busiest_handler(session: Session) -> str:
    """The handler account of the unit with the most cases (the heaviest inbox)."""
    handlers = {u for u in session.exec(select(User.username).where(User.role == "handler"))}
    counts = session.exec(select(Ticket.primary_unit_id, func.count()).where(col(Ticket.primary_unit_id).is_not(None))
                          .group_by(Ticket.primary_unit_id).order_by(func.count().desc())).all()
    return next(f"h-{unit}" for unit, _n in counts if f"h-{unit}" in handlers)


def targets(setup: dict, cases: int) -> list[Target]:
    deep = max(2, cases // 50 // 2)  # halfway through the 90-day window's pages of 50
    return [
        Target("dispatch", "dispatcher", "/dispatch"),
        Target("dispatch_reviews", "dispatcher", "/dispatch?tab=reviews"),
        Target("dispatch_least_sure", "dispatcher", "/dispatch?sort=least_sure&band=low"),
        Target("inbox", setup["handler"], "/inbox"),
        Target("inbox_in_hand", setup["handler"], "/inbox?tab=working&colour=red"),
        Target("supervise_city", "supervisor", "/supervise"),
        Target("supervise_requests", "supervisor", "/supervise?tab=requests"),
        Target("supervise_district", DISTRICT_SUPERVISOR, "/supervise"),
        Target("case", setup["handler"], f"/cases/{setup['handled_case']}"),
        Target("case_dispatcher", "dispatcher", f"/cases/{setup['received_case']}"),
        Target("dashboard", "supervisor", "/evaluation/dashboard"),
        Target("report", "supervisor", "/evaluation"),
        Target("board", "", "/board"),
        Target("board_map", "", "/board/map.geojson"),
        Target("search_text", "supervisor", "/search?q=%E5%8D%A0%E9%81%93"),  # 占道
        Target("search_text_miss", "supervisor", "/search?q=%E5%9E%83%E5%9C%BE%E6%A1%B6"),  # 垃圾桶: found nowhere
        Target("search_phone", "supervisor", "/search?q=13900000000"),  # nobody's: the index answers
        Target("caller_history", "operator", "/search/caller?phone=13812345678"),
        Target("open311_first", "", "/open311/v2/requests.json"),
        Target("open311_deep", "", f"/open311/v2/requests.json?page={deep}"),
    ]


def sign_in(client: httpx.Client, username: str) -> None:
    """The console's own log-in form: its CSRF token, then the POST that sets the session cookie."""
    token = CSRF.search(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                         "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 303:
        raise RuntimeError(f"log-in of {username} answered {answer.status_code}")


def time_target(base_url: str, target: Target, warm_ups: int, count: int) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        if target.account:
            sign_in(client, target.account)
        for i in range(warm_ups + count):
            began = time.perf_counter()
            answer = client.get(target.path)
            elapsed = time.perf_counter() - began
            if answer.status_code != 200:
                target.errors += 1
            elif i >= warm_ups:
                target.latencies.append(elapsed)


def start_web(stack: BenchStack) -> str:
    port = free_port()
    stack.web_ports.append(port)
    stack.spawn("web-1", [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
                          "--port", str(port), "--log-level", "warning", "--no-proxy-headers", "--no-access-log"])
    url = stack.web_urls[0]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/login", timeout=5).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        if stack.procs["web-1"].poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"web process not ready; see {stack.data_dir / 'logs'}")


def database_mb(stack: BenchStack) -> float:
    path = Path(stack.database_url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal")]
    return round(sum(p.stat().st_size for p in files if p.exists()) / 2**20, 1)


def main() -> dict:
    p = plan()
    stack = BenchStack(workers=0, webs=0)
    try:
        setup = prepare(stack, p["cases"])
        url = start_web(stack)
        timed = targets(setup, p["cases"])
        for target in timed:
            time_target(url, target, p["warm_ups"], p["requests"])
            print(f"  {target.name}: {latency_ms(target.latencies)}", flush=True)
        memory = rss_mb(stack.procs["web-1"].pid)
        size = database_mb(stack)
    finally:
        stack.stop()
    found = [Figure("pages_database_mb", size, "MiB", "", COMMAND)]
    for target in timed:
        summary = latency_ms(target.latencies)
        found.append(Figure(f"page_{target.name}_p50", summary["p50_ms"], "ms", "", COMMAND))
        found.append(Figure(f"page_{target.name}_p99", summary["p99_ms"], "ms", TARGET_MS, COMMAND))
        found.append(Figure(f"page_{target.name}_errors", target.errors, "requests", "== 0", COMMAND))
    details = {"plan": p, "setup": setup, "database_mb": size, "web_rss_mb": memory,
               "pages": {t.name: {"path": t.path, "account": t.account or "anonymous", **latency_ms(t.latencies),
                                  "errors": t.errors} for t in timed}}
    return {"figures": found, "details": details}


if __name__ == "__main__":
    from bench.figures import table

    print(table(main()["figures"]))
