"""Intake and loop efficiency on an embedded stack: one worker and one web process, then the scale-out
(two workers, two web processes, one Temporal server). Each part has a count and a time bound.

Run alone: .venv/bin/python -m bench.platform_load (BENCH_QUICK=1 for small counts).
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench.figures import Figure, quick
from bench.intake import run_intake
from bench.loop import run_loops
from bench.minimal_workflow import TASK_QUEUE as ENGINE_QUEUE
from bench.stack import BenchStack, pollers
from core.temporal import connect

COMMAND = "make bench"


def plan() -> dict:
    """Counts and time bounds (seconds) of each part; BENCH_QUICK=1 makes them small."""
    if quick():
        return {"intake_clients": 32, "intake_count": 300, "intake_seconds": 20, "drain_seconds": 60,
                "loop_clients": 8, "loops": 24, "loop_seconds": 60}
    return {"intake_clients": 32, "intake_count": 2000, "intake_seconds": 60, "drain_seconds": 180,
            "loop_clients": 8, "loops": 150, "loop_seconds": 120}


async def measure(workers: int, webs: int) -> dict:
    p = plan()
    stack = BenchStack(workers=workers, webs=webs)
    t0 = time.monotonic()
    await stack.start()
    try:
        client = await connect(stack.settings())
        stack.spawn("engine-worker", [sys.executable, "-m", "bench.minimal_workflow"])
        while await pollers(client, ENGINE_QUEUE) < 1:
            await asyncio.sleep(0.2)
        started_s = round(time.monotonic() - t0, 1)
        intake = await run_intake(stack, client, clients=p["intake_clients"], count=p["intake_count"],
                                  seconds=p["intake_seconds"], drain_seconds=p["drain_seconds"])
        intake["memory_mb"] = stack.memory_mb()
        loops = await run_loops(stack, client, clients=p["loop_clients"], loops=p["loops"], seconds=p["loop_seconds"])
        loops["memory_mb"] = stack.memory_mb()
        return {"workers": workers, "webs": webs, "stack_start_s": started_s, "plan": p, "intake": intake,
                "loop": loops}
    finally:
        stack.stop()


def figures(result: dict, suffix: str = "") -> list[Figure]:
    intake, loop = result["intake"], result["loop"]
    found = [
        Figure(f"intake_per_s{suffix}", intake["accepted_per_s"], "grievances/s", ">= 100", COMMAND),
        Figure(f"intake_p99{suffix}", intake["latency"]["p99_ms"], "ms", "< 1000", COMMAND),
        Figure(f"intake_errors{suffix}", intake["errors"], "requests", "== 0", COMMAND),
        Figure(f"intake_not_running{suffix}", intake["accepted"] - intake["check"]["running"], "grievances", "== 0",
               COMMAND),
        Figure(f"worker_routed_per_s{suffix}", intake["worker_intake"]["routed_per_s"], "grievances/s", "", COMMAND),
        Figure(f"loop_per_s{suffix}", loop["ours"]["loops_per_s"], "loops/s", "", COMMAND),
        Figure(f"engine_loop_per_s{suffix}", loop["engine"]["loops_per_s"], "loops/s", "", COMMAND),
        Figure(f"loop_efficiency{suffix}", loop["loop_efficiency"], "ours/engine", ">= 0.7", COMMAND),
        Figure(f"loop_per_s_without_http{suffix}", loop["ours_without_http"]["loops_per_s"], "loops/s", "", COMMAND),
        Figure(f"loop_efficiency_without_http{suffix}", loop["loop_efficiency_without_http"], "ours/engine", "",
               COMMAND),
        Figure(f"loop_cpu_ms{suffix}", loop["cpu_ms_per_loop"]["ours"].get("total"), "ms/loop", "", COMMAND),
        Figure(f"engine_loop_cpu_ms{suffix}", loop["cpu_ms_per_loop"]["engine"].get("total"), "ms/loop", "", COMMAND),
        Figure(f"loop_cpu_bound_efficiency{suffix}", loop["cpu_bound_efficiency"], "ours/engine", "", COMMAND),
    ]
    for action, lat in loop["ours"]["actions"].items():
        found.append(Figure(f"loop_{action}_p50{suffix}", lat["p50_ms"], "ms", "", COMMAND))
        found.append(Figure(f"loop_{action}_p99{suffix}", lat["p99_ms"], "ms", "", COMMAND))
    return found


def main() -> dict:
    single = asyncio.run(measure(1, 1))
    scaled = asyncio.run(measure(2, 2))
    found = figures(single) + figures(scaled, "_2x2")
    return {"figures": found, "details": {"single": single, "scale_out_2x2": scaled}}


if __name__ == "__main__":
    import json

    from bench.figures import table

    outcome = main()
    print(table(outcome["figures"]))  # noqa: T201
    print(json.dumps(outcome["details"], ensure_ascii=False, indent=2))  # noqa: T201
