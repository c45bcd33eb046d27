"""Bulk hotline import as a background job, on an embedded stack (one worker, one web process): upload a call log
of 10,000 rows to `POST /api/v1/tickets/bulk` with an operator's token, time the 202, look at the job's console
page once while it runs, poll the job until the worker has filed every row, wait until the worker has routed
them all, then check that every row is a running grievance workflow. Bounded in count and time.

Run alone: .venv/bin/python -m bench.hotline_import (BENCH_QUICK=1: 500 rows).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable

import httpx
from temporalio.client import Client

from bench.figures import Figure, quick
from bench.hotline_csv import make_csv
from bench.intake import IntakeRun, drain, started_intakes
from bench.stack import BenchStack
from core.seed import DEMO_PASSWORD
from core.temporal import connect

COMMAND = "make bench  (or .venv/bin/python -m bench.hotline_import)"
POLL_SECONDS = 0.5
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PROGRESS = re.compile(r'data-status="(\w+)" data-done="(\d+)" data-total="(\d+)"')


def plan() -> dict:
    """Rows and time bounds (seconds); BENCH_QUICK=1 makes them small."""
    if quick():
        return {"rows": 500, "job_seconds": 180, "drain_seconds": 120}
    return {"rows": 10_000, "job_seconds": 900, "drain_seconds": 300}


async def import_figures(client: httpx.AsyncClient, headers: dict[str, str], rows: int, *, timeout: float = 900,
                         street_id: str = "", while_running: Callable[[str], Awaitable[None]] | None = None) -> dict:
    """Uploads `rows` calls with a fresh call-id prefix (headers: an operator's API token) and waits, at most
    `timeout` seconds, for the job to end; `while_running(job_id)` runs once, at the first poll that shows
    progress. Returns the upload's seconds, the filing's seconds, rows/s and the job's tickets."""
    data = make_csv(rows, prefix=f"B{time.time_ns()}", street_id=street_id)
    began = time.perf_counter()
    answer = await client.post("/api/v1/tickets/bulk", files={"file": ("calls.csv", data, "text/csv")},
                               headers=headers, timeout=120)
    upload_s = time.perf_counter() - began
    answer.raise_for_status()
    job = answer.json()
    url = job["url"]
    while job["status"] not in ("done", "failed") and time.perf_counter() - began < timeout:
        await asyncio.sleep(POLL_SECONDS)
        job = (await client.get(url, headers=headers, timeout=30)).json()
        if while_running and 0 < job["done"] < job["total"]:
            await while_running(job["id"])
            while_running = None
    total_s = time.perf_counter() - began
    tickets = (await client.get(url, params={"tickets": "true"}, headers=headers, timeout=120)).json()["tickets"]
    return {"rows": rows, "bytes": len(data), "id": job["id"], "status": job["status"],
            "accepted_status": answer.status_code, "upload_s": round(upload_s, 3), "filed": job["filed"],
            "failed": job["failed"], "done": job["done"], "total_s": round(total_s, 1),
            "rows_per_s": round(job["done"] / total_s, 1), "began": began, "tickets": tickets}


async def console_progress(base_url: str, job_id: str) -> dict:
    """Signs in to the console as the operator (demo password, as `make run` seeds) and reads the job's page once:
    what its progress card shows, and how long the page took."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as web:
        token = CSRF.search((await web.get("/login")).text).group(1)
        signed_in = await web.post("/login", data={"username": "operator", "password": DEMO_PASSWORD,
                                                    "csrf_token": token})
        t0 = time.perf_counter()
        page = await web.get(f"/intake/imports/{job_id}")
        page_ms = round((time.perf_counter() - t0) * 1000, 1)
    found = PROGRESS.search(page.text)
    status, done, total = (found.group(1), int(found.group(2)), int(found.group(3))) if found else ("", 0, 0)
    return {"login_status": signed_in.status_code, "page_status": page.status_code, "page_ms": page_ms,
            "shown_status": status, "shown_done": done, "shown_total": total,
            "shows_progress": page.status_code == 200 and "<progress" in page.text and total > 0 and done > 0}


async def running_check(stack: BenchStack, client: Client, tickets: list[str], settle_seconds: float = 30) -> dict:
    """How many of the job's tickets run their grievance workflow: Temporal's count of running ones (the stack is
    fresh, so every grievance is the job's; visibility lags a little, so it is read until it settles) and the
    tickets whose intake row is marked started. One query each, not 10,000 describes."""
    query = "WorkflowType = 'GrievanceWorkflow' AND ExecutionStatus = 'Running'"
    deadline, running = time.monotonic() + settle_seconds, 0
    while True:
        running = (await client.count_workflows(query)).count
        if running >= len(tickets) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    started = started_intakes(stack)
    return {"running": running, "intake_rows_started": len(started & set(tickets)), "tickets": len(tickets)}


async def measure(rows: int, job_seconds: float, drain_seconds: float) -> dict:
    stack = BenchStack(workers=1, webs=1)
    t0 = time.monotonic()
    await stack.start()
    try:
        started_s = round(time.monotonic() - t0, 1)
        client = await connect(stack.settings())
        headers = {"Authorization": f"Bearer {stack.tokens['operator']}"}
        console: dict = {}

        async def look(job_id: str) -> None:
            console.update(await console_progress(stack.web_urls[0], job_id))

        async with httpx.AsyncClient(base_url=stack.web_urls[0]) as http:
            job = await import_figures(http, headers, rows, timeout=job_seconds, while_running=look)
        if not console:  # the job ended between two polls: the page shows it finished
            await look(job["id"])
        tickets = list(job.pop("tickets").values())
        routed = await drain(stack, IntakeRun(started=job.pop("began"), tickets=tickets), drain_seconds)
        check = await running_check(stack, client, tickets)
        return {"stack_start_s": started_s, "job": job, "console": console, "check": check, "worker_routing": routed,
                "memory_mb": stack.memory_mb()}
    finally:
        stack.stop()


def figures(result: dict) -> list[Figure]:
    job, rows = result["job"], result["job"]["rows"]
    return [
        Figure("hotline_import_upload_ms", round(job["upload_s"] * 1000, 1), "ms", "< 2000", COMMAND),
        Figure("hotline_import_rows_per_s", job["rows_per_s"], "rows/s", "", COMMAND),
        Figure("hotline_import_seconds", job["total_s"], "s", "", COMMAND),
        Figure("hotline_import_rows_failed", job["failed"], "rows", "== 0", COMMAND),
        Figure("hotline_import_running_workflows", result["check"]["running"], "grievances", f"== {rows}", COMMAND),
        Figure("hotline_import_console_progress", int(result["console"].get("shows_progress", False)), "yes=1",
               "== 1", COMMAND),
        Figure("hotline_import_routed_s", result["worker_routing"]["seconds_after_first_request"], "s", "", COMMAND),
        Figure("hotline_import_routed_all", int(result["worker_routing"]["complete"]), "yes=1", "== 1", COMMAND),
    ]


def main() -> dict:
    p = plan()
    result = asyncio.run(measure(p["rows"], p["job_seconds"], p["drain_seconds"]))
    result["plan"] = p
    return {"figures": figures(result), "details": result}


if __name__ == "__main__":
    import json

    from bench.figures import table

    outcome = main()
    print(table(outcome["figures"]))  # noqa: T201
    print(json.dumps(outcome["details"], ensure_ascii=False, indent=2))  # noqa: T201
