"""Intake under load: concurrent clients post grievances, half Open311 `POST requests.json`, half
`POST /api/v1/tickets`, for a bounded count or time; then every accepted one is checked to be a running
workflow with its intake row started. Targets (the issue): >= 100 accepted/s, p99 < 1 s, zero errors.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text
from temporalio.client import Client

from bench.figures import latency_ms
from bench.stack import BenchStack
from core.db import make_engine

ITEM = "MK-014"  # a city-level item: Open311's service_code
TEXTS = ("小区门口的餐馆油烟很大，晚上十点后还在营业，影响休息", "超市里卖的面包过了保质期还在货架上",
         "路边店铺占道经营，行人只能走机动车道", "Restaurant kitchen smells and the grease trap overflows")
REQUEST_TIMEOUT = 30.0


@dataclass
class IntakeRun:
    started: float = 0.0
    finished: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"open311": [], "api": []})
    statuses: Counter = field(default_factory=Counter)
    tickets: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return len(self.tickets)


async def _post_open311(http: httpx.AsyncClient, base: str, stack: BenchStack, n: int) -> tuple[int, str | None]:
    form = {"api_key": stack.open311_key, "service_code": ITEM, "description": f"{TEXTS[n % len(TEXTS)]} #{n}",
            "address_string": f"新华路{n % 300}号", "phone": "13800000000"}
    response = await http.post(f"{base}/open311/v2/requests.json", data=form,
                               headers={"Idempotency-Key": uuid.uuid4().hex})
    ok = response.status_code in (200, 201)
    return response.status_code, response.json()[0]["service_request_id"] if ok else None


async def _post_api(http: httpx.AsyncClient, base: str, stack: BenchStack, n: int) -> tuple[int, str | None]:
    body = {"description": f"{TEXTS[n % len(TEXTS)]} #{n}", "channel": "hotline", "address": f"新华路{n % 300}号",
            "complainant": {"name": "张三", "phone": "13800000000"}}
    response = await http.post(f"{base}/api/v1/tickets", json=body, headers={
        "Authorization": f"Bearer {stack.tokens['operator']}", "Idempotency-Key": uuid.uuid4().hex})
    return response.status_code, response.json()["ticket_id"] if response.status_code in (200, 201) else None


async def drive(stack: BenchStack, *, clients: int, count: int, seconds: float) -> IntakeRun:
    """`clients` concurrent clients, alternating Open311 and the JSON API, spread over the web processes."""
    run, issued = IntakeRun(), iter(range(count))
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(index: int, http: httpx.AsyncClient) -> None:
        base = stack.web_urls[index % len(stack.web_urls)]
        for n in issued:
            if time.monotonic() > deadline:
                return
            kind = "open311" if n % 2 == 0 else "api"
            t0 = time.perf_counter()
            try:
                status, ticket = await (_post_open311 if kind == "open311" else _post_api)(http, base, stack, n)
            except httpx.HTTPError as exc:
                status, ticket = type(exc).__name__, None
            run.latencies[kind].append(time.perf_counter() - t0)
            run.statuses[str(status)] += 1
            if ticket:
                run.tickets.append(ticket)

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        run.started = time.perf_counter()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        run.finished = time.perf_counter()
    return run


def started_intakes(stack: BenchStack) -> set[str]:
    """Ticket numbers whose intake row is marked started (its workflow was started by the web or the sweep)."""
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT ticket_id FROM intakes WHERE started")).scalars())
    finally:
        engine.dispose()


async def verify(stack: BenchStack, client: Client, tickets: list[str]) -> dict:
    """Each accepted ticket: a running workflow in Temporal, and its intake row marked started."""
    gate = asyncio.Semaphore(16)
    statuses: Counter = Counter()

    async def describe(ticket: str) -> None:
        async with gate:
            try:
                info = await client.get_workflow_handle(ticket).describe()
                statuses[info.status.name if info.status else "UNKNOWN"] += 1
            except Exception as exc:  # counted, not fatal: the figure says how many are missing
                statuses[type(exc).__name__] += 1

    await asyncio.gather(*(describe(t) for t in tickets))
    started = started_intakes(stack)
    running = statuses.get("RUNNING", 0)
    return {"workflows": dict(statuses), "running": running, "intake_rows_started": len(started & set(tickets)),
            "all_running_and_started": running == len(tickets) and started >= set(tickets)}


async def drain(stack: BenchStack, run: IntakeRun, limit_seconds: float) -> dict:
    """Waits until the worker has received and routed every accepted case (its read-model row shows it):
    how fast the worker takes in what the web accepted, and a quiet platform for the next part."""
    engine = make_engine(stack.database_url)
    deadline, routed = time.monotonic() + limit_seconds, 0
    try:
        while routed < run.accepted and time.monotonic() < deadline:
            with engine.connect() as connection:
                routed = connection.execute(text("SELECT count(*) FROM ticket_events WHERE action = 'routed'")).scalar()
            await asyncio.sleep(0.5)
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - run.started
    return {"routed": routed, "seconds_after_first_request": round(elapsed, 1),
            "routed_per_s": round(routed / elapsed, 2), "complete": routed >= run.accepted}


def summary(run: IntakeRun, check: dict, clients: int) -> dict:
    elapsed = run.finished - run.started
    everything = run.latencies["open311"] + run.latencies["api"]
    errors = {status: n for status, n in run.statuses.items() if status not in ("200", "201")}
    return {
        "clients": clients, "requests": len(everything), "accepted": run.accepted, "seconds": round(elapsed, 2),
        "accepted_per_s": round(run.accepted / elapsed, 2) if elapsed else None,
        "latency": latency_ms(everything), "open311": latency_ms(run.latencies["open311"]),
        "api": latency_ms(run.latencies["api"]), "statuses": dict(run.statuses), "errors": sum(errors.values()),
        "check": check,
    }


async def run_intake(stack: BenchStack, client: Client, *, clients: int, count: int, seconds: float,
                     drain_seconds: float) -> dict:
    run = await drive(stack, clients=clients, count=count, seconds=seconds)
    result = summary(run, await verify(stack, client, run.tickets), clients)
    result["worker_intake"] = await drain(stack, run, drain_seconds)
    return result
