"""Open cases at scale: N grievances filed and dispatched through the JSON API, so each one's clocks are pending
(standard tier: acceptance 1 working day, checkpoints on days 1, 3, 5, 7), then the memory of the worker, the web
process and the Temporal server, the database sizes, and how late checkpoint timers fire while all N are open.

Lateness needs timers that come due during the run: CLOCK_PLANS shortens the "complex" tier to minutes, and after
the build a few hundred probe cases of a complex item (HS-006) are dispatched. Each checkpoint's audit row is
stamped with its due time (`at`) and the workflow's time when the timer fired (details.fired_at); the bench also
notes when it first sees the row in the read model (polled every POLL_SECONDS). Lateness = seen (or fired) - due.

Run alone: .venv/bin/python -m bench.open_cases; BENCH_OPEN_CASES=100000 for the issue's full size (about
2.4 hours of building on 2 cores at 11-13 cases/s, or 88 minutes at 19 cases/s with WORKER_TARGET_CPU=0, the
worker's fixed slots); BENCH_QUICK=1 for small counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.figures import Figure, percentile, quick, stack_tuning
from bench.stack import BenchStack
from core.durations import parse_duration
from core.vocabulary import AuditAction, Detail

COMMAND = "make bench  (or BENCH_OPEN_CASES=N .venv/bin/python -m bench.open_cases)"
BULK_ITEM = "MK-014"  # city level, standard tier: its clocks stay pending for days
PROBE_ITEM = "HS-006"  # city level, complex tier with no overrides of its own: CLOCK_PLANS makes it minutes
NOT_YET = 404  # a case filed a moment ago has its row once its intake activity ran
RETRY_SECONDS = 0.05
REQUEST_TIMEOUT = 60.0
POLL_SECONDS = 0.25
PROBE_SECONDS = 180  # bound of the probes' dispatch
GRACE_SECONDS = 60  # after the last probe's last checkpoint was due


def plan() -> dict:
    """Counts and bounds. BENCH_OPEN_CASES sets N; the build stops at its time bound (BENCH_OPEN_SECONDS; by
    default 5 minutes, or 10 cases/s for an N given) whatever N is, and reports the N it reached."""
    given = os.environ.get("BENCH_OPEN_CASES")
    if quick():
        cases = int(given or 300)
        p = {"cases": cases, "clients": 16, "build_seconds": max(120, cases // 5), "sample_every": 100,
             "probes": 60, "probe_checkpoints": "1m,1m,1m,1m"}
    else:
        cases = int(given or 10_000)
        p = {"cases": cases, "clients": 24, "build_seconds": max(300, cases // 10) if given else 300,
             "sample_every": max(250, min(1000, cases // 20)), "probes": 300, "probe_checkpoints": "1m,1m,2m,2m"}
    p["build_seconds"] = int(os.environ.get("BENCH_OPEN_SECONDS") or p["build_seconds"])
    return p


def probe_tiers(checkpoints: str) -> str:
    """CLOCK_PLANS for the run: the complex tier in minutes; acceptance far enough not to fire meanwhile."""
    closure = checkpoints.split(",")[-1]
    return json.dumps({"complex": {"acceptance": "1h", "closure": closure, "checkpoints": checkpoints}})


@dataclass
class ShortClockStack(BenchStack):
    """The bench stack with CLOCK_PLANS in every child's environment."""

    clock_plans: str = ""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.clock_plans:
            env["CLOCK_PLANS"] = self.clock_plans
        return env


# ---- pure helpers (tests/bench/test_open_cases.py) ----


def seconds_summary(values: list[float]) -> dict:
    """p50 / p99 / max in seconds, rounded to milliseconds."""
    def s(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    return {"count": len(values), "p50_s": s(percentile(values, 0.5)), "p99_s": s(percentile(values, 0.99)),
            "max_s": s(max(values) if values else None)}


def lateness(rows: list[tuple[datetime, datetime | None, datetime]]) -> dict:
    """Each checkpoint as (due, fired, seen): how late the timer fired and how late its row was seen, in s."""
    fired = [(f - due).total_seconds() for due, f, _ in rows if f is not None]
    seen = [(s - due).total_seconds() for due, _, s in rows]
    return {"fired": seconds_summary(fired), "seen": seconds_summary(seen)}


def growth_per_1000(samples: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of memory (MiB) against open cases, per 1,000 cases; None below two points."""
    points = [(n, mb) for n, mb in samples if mb is not None]
    if len(points) < 2:
        return None
    mean_n = sum(n for n, _ in points) / len(points)
    mean_mb = sum(mb for _, mb in points) / len(points)
    spread = sum((n - mean_n) ** 2 for n, _ in points)
    if not spread:
        return None
    slope = sum((n - mean_n) * (mb - mean_mb) for n, mb in points) / spread
    return round(slope * 1000, 2)


def parse_utc(text: str) -> datetime:
    """A read-model timestamp (naive UTC as SQLite stores it) or an ISO time with offset, as aware UTC."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def database_sizes_mb(data_dir: Path) -> dict[str, float]:
    """The read model and the Temporal server's SQLite files, each with its -wal, in MiB."""
    sizes = {}
    for name in ("grievances.db", "grievances.db-wal", "temporal.db", "temporal.db-wal"):
        path = data_dir / name
        sizes[name] = round(path.stat().st_size / 2**20, 1) if path.exists() else 0.0
    sizes["read_model_total"] = round(sizes["grievances.db"] + sizes["grievances.db-wal"], 1)
    sizes["temporal_total"] = round(sizes["temporal.db"] + sizes["temporal.db-wal"], 1)
    return sizes


# ---- building the load: file and dispatch, through the JSON API ----


@dataclass
class Build:
    started: float = 0.0
    finished: float = 0.0
    dispatched: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    retries: int = 0
    samples: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        elapsed = self.finished - self.started
        return {"dispatched": len(self.dispatched), "seconds": round(elapsed, 1),
                "per_s": round(len(self.dispatched) / elapsed, 2) if elapsed else None,
                "errors": dict(self.errors), "dispatch_retries_404": self.retries}


class Failed(Exception):
    pass


async def open_case(http: httpx.AsyncClient, stack: BenchStack, build: Build, n: int, item: str) -> str:
    """File one grievance as the operator and dispatch it to `item`'s unit; its ticket id."""
    base = stack.web_urls[n % len(stack.web_urls)]
    body = {"description": f"网购衣服商家拒绝七天无理由退货 #{n}", "channel": "hotline",
            "address": f"新华路{n % 300}号", "complainant": {"name": "张三", "phone": "13800000000"}}
    response = await http.post(f"{base}/api/v1/tickets", json=body, headers={
        "Authorization": f"Bearer {stack.tokens['operator']}", "Idempotency-Key": uuid.uuid4().hex})
    if response.status_code >= 300:
        raise Failed(f"intake: {response.status_code}")
    ticket = response.json()["ticket_id"]
    dispatcher = {"Authorization": f"Bearer {stack.tokens['dispatcher']}"}
    while True:
        response = await http.post(f"{base}/api/v1/tickets/{ticket}/dispatch", json={"item_code": item},
                                   headers=dispatcher)
        if response.status_code != NOT_YET:
            break
        build.retries += 1
        await asyncio.sleep(RETRY_SECONDS)
    if response.status_code >= 300:
        raise Failed(f"dispatch: {response.status_code}")
    return ticket


async def open_cases(stack: BenchStack, *, count: int, clients: int, seconds: float, item: str,
                     sample_every: int = 0, first: int = 0) -> Build:
    """`clients` concurrent clients open cases until `count` or `seconds`; memory noted every `sample_every`."""
    build, issued = Build(), iter(range(first, first + count))
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    def sample() -> None:
        memory = stack.memory_mb()
        build.samples.append({"open": len(build.dispatched), "seconds": round(time.perf_counter() - build.started, 1),
                              **{name: mb for name, mb in memory.items()}})

    async def client(http: httpx.AsyncClient) -> None:
        for n in issued:
            if time.monotonic() > deadline:
                return
            try:
                build.dispatched.append(await open_case(http, stack, build, n, item))
            except Failed as exc:
                build.errors[str(exc)] += 1
            except httpx.HTTPError as exc:
                build.errors[type(exc).__name__] += 1
            if sample_every and len(build.dispatched) % sample_every == 0 and build.dispatched:
                sample()

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        build.started = time.perf_counter()
        if sample_every:
            sample()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        build.finished = time.perf_counter()
    if sample_every and (not build.samples or build.samples[-1]["open"] != len(build.dispatched)):
        sample()
    return build


# ---- watching checkpoints fire ----


class CheckpointWatch:
    """Polls the read model (read-only) for checkpoint rows; notes when each (ticket, index) was first seen."""

    def __init__(self, database: Path) -> None:
        self._uri = f"file:{database}?mode=ro"
        self._last_id = 0
        self.rows: dict[tuple[str, int], tuple[datetime, datetime | None, datetime]] = {}

    def poll(self) -> None:
        seen = datetime.now(UTC)
        connection = sqlite3.connect(self._uri, uri=True, timeout=30)
        try:
            found = connection.execute("SELECT id, ticket_id, at, details FROM ticket_events WHERE id > ? "
                                       "AND action = ? ORDER BY id", (self._last_id, AuditAction.CHECKPOINT.value))
            for row_id, ticket, at, details in found:
                self._last_id = max(self._last_id, row_id)
                extra = json.loads(details or "{}")
                fired = extra.get(Detail.FIRED_AT.value)
                key = (ticket, int(extra.get(Detail.INDEX.value, 0)))
                self.rows.setdefault(key, (parse_utc(at), parse_utc(fired) if fired else None, seen))
        finally:
            connection.close()

    def count(self, tickets: set[str]) -> int:
        return sum(1 for ticket, _ in self.rows if ticket in tickets)

    async def follow(self, tickets: set[str], target: dict) -> None:
        """Polls until target["expected"] rows of `tickets` are seen or target["deadline"] (monotonic) passes;
        both may be set while it runs (the probes are still being dispatched when their first clocks fire)."""
        while time.monotonic() < target["deadline"]:
            await asyncio.to_thread(self.poll)
            if "expected" in target and self.count(tickets) >= target["expected"]:
                return
            await asyncio.sleep(POLL_SECONDS)


async def probe_checkpoints(stack: BenchStack, p: dict, first: int) -> dict:
    """Dispatch the probe cases (short clocks) and watch each of their four checkpoints fire."""
    watch = CheckpointWatch(stack.data_dir / "grievances.db")
    await asyncio.to_thread(watch.poll)  # rows before the probes (none expected) are not theirs
    tickets: set[str] = set()
    target = {"deadline": time.monotonic() + PROBE_SECONDS + GRACE_SECONDS}
    following = asyncio.create_task(watch.follow(tickets, target))
    try:
        probes = await open_cases(stack, count=p["probes"], clients=16, seconds=PROBE_SECONDS, item=PROBE_ITEM,
                                  first=first)
        tickets.update(probes.dispatched)
        last_due = max(parse_duration(c).as_calendar() for c in p["probe_checkpoints"].split(","))
        target.update(expected=4 * len(tickets), deadline=time.monotonic() + last_due.total_seconds() + GRACE_SECONDS)
        await following
    finally:
        following.cancel()
    rows = [row for (ticket, _), row in watch.rows.items() if ticket in tickets]
    return {"probes": probes.summary(), "checkpoints_expected": target["expected"], "checkpoints_seen": len(rows),
            "lateness": lateness(rows), "poll_seconds": POLL_SECONDS}


# ---- the run ----


async def measure(p: dict) -> dict:
    stack = ShortClockStack(workers=1, webs=1, clock_plans=probe_tiers(p["probe_checkpoints"]))
    t0 = time.monotonic()
    await stack.start()
    try:
        started_s = round(time.monotonic() - t0, 1)
        build = await open_cases(stack, count=p["cases"], clients=p["clients"], seconds=p["build_seconds"],
                                 item=BULK_ITEM, sample_every=p["sample_every"])
        built_memory = stack.memory_mb()
        probes = await probe_checkpoints(stack, p, first=p["cases"])
        return {"plan": p, "tuning": stack_tuning(), "stack_start_s": started_s, "build": build.summary(),
                "memory_samples": build.samples, "memory_mb_built": built_memory,
                "memory_mb_end": stack.memory_mb(), **probes, "database_mb": database_sizes_mb(stack.data_dir)}
    finally:
        stack.stop()


def memory_growth(samples: list[dict]) -> dict[str, float | None]:
    """MiB per 1,000 open cases of each process, from the later samples taken while building."""
    names = [k for k in (samples[0] if samples else {}) if k not in ("open", "seconds")]
    # The later half only: the first cases bring start-up and fill the worker's workflow cache (1,000 by the
    # SDK's default), which then stops growing; what goes on growing is what extrapolates.
    top = max((s["open"] for s in samples), default=0)
    built = [s for s in samples if s["open"] > 0 and s["open"] >= top / 2]
    return {name: growth_per_1000([(s["open"], s.get(name)) for s in built]) for name in names}


def extrapolate(measured: dict, growth: dict, at: int, target: int) -> dict[str, float | None]:
    """Each process's memory at `target` open cases, going on linearly from what was measured at `at`."""
    return {name: None if mb is None or growth.get(name) is None else round(mb + growth[name] * (target - at) / 1000)
            for name, mb in measured.items()}


def figures(result: dict) -> list[Figure]:
    n = result["build"]["dispatched"]
    memory, growth, db = result["memory_mb_end"], result["growth_mb_per_1000_open"], result["database_mb"]
    late = result["lateness"]
    return [
        Figure("open_cases", n, "cases", "", COMMAND),
        Figure("open_cases_build_per_s", result["build"]["per_s"], "cases/s", "", COMMAND),
        Figure("open_worker_mb", memory.get("worker-1"), "MiB", "", COMMAND),
        Figure("open_web_mb", memory.get("web-1"), "MiB", "", COMMAND),
        Figure("open_temporal_mb", memory.get("temporal"), "MiB", "", COMMAND),
        Figure("worker_mb_per_1000_open", growth.get("worker-1"), "MiB", "", COMMAND),
        Figure("temporal_mb_per_1000_open", growth.get("temporal"), "MiB", "", COMMAND),
        Figure("open_read_model_db_mb", db["read_model_total"], "MiB", "", COMMAND),
        Figure("open_temporal_db_mb", db["temporal_total"], "MiB", "", COMMAND),
        Figure("checkpoint_late_p50_s", late["seen"]["p50_s"], "s", "", COMMAND),
        Figure("checkpoint_late_p99_s", late["seen"]["p99_s"], "s", "< 5", COMMAND),
        Figure("checkpoint_late_max_s", late["seen"]["max_s"], "s", "", COMMAND),
        Figure("checkpoint_fired_late_p99_s", late["fired"]["p99_s"], "s", "", COMMAND),
        Figure("checkpoints_missing", result["checkpoints_expected"] - result["checkpoints_seen"], "checkpoints",
               "== 0", COMMAND),
    ]


def main() -> dict:
    result = asyncio.run(measure(plan()))
    result["growth_mb_per_1000_open"] = growth = memory_growth(result["memory_samples"])
    result["extrapolated_mb_at_100000"] = extrapolate(result["memory_mb_built"], growth,
                                                      result["build"]["dispatched"], 100_000)
    return {"figures": figures(result), "details": result}


if __name__ == "__main__":
    from bench.figures import table

    outcome = main()
    print(table(outcome["figures"]))  # noqa: T201
    print(json.dumps(outcome["details"], ensure_ascii=False, indent=2, default=str))  # noqa: T201
