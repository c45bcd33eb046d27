"""`make bench`: runs every benchmark module in bench/ that has a main(), then writes the combined result
(bench/results/latest.json) and prints a short table.

A module's main() may return {"figures": [Figure, ...], "details": {...}}; routing_accuracy's result is
folded in as top-1 / top-3 and proposals per second. BENCH_QUICK=1: small counts, to check the harness.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench.figures import Figure, quick, table, write_latest

HERE = Path(__file__).resolve().parent
FIRST = ("routing_accuracy", "platform_load")  # the quick ones first; the rest in name order


def routing_figures(result: dict) -> list[Figure]:
    command = "make bench  (or .venv/bin/python -m bench.routing_accuracy)"
    per_s = round(1000 / result["mean_latency_ms"], 1) if result.get("mean_latency_ms") else None
    held_out = result["held_out"]  # written apart from the tuning, never tuned on (bench/routing_accuracy.py)
    return [Figure("routing_top1", result["top1"], "share", "", command),
            Figure("routing_top3", result["top3"], "share", ">= 0.95", command),
            Figure("routing_top1_held_out", held_out["top1"], "share", "", command),
            Figure("routing_top3_held_out", held_out["top3"], "share", ">= 0.95", command),
            Figure("routing_proposals_per_s", per_s, "proposals/s", "", command)]


def collect(name: str, outcome: object, figures: list[Figure], details: dict) -> None:
    if name == "routing_accuracy" and isinstance(outcome, dict):
        figures.extend(routing_figures(outcome))
        details[name] = {k: v for k, v in outcome.items() if k != "misses"}
    elif isinstance(outcome, dict) and "figures" in outcome:
        figures.extend(outcome["figures"])
        details[name] = outcome.get("details", {})


def main() -> int:
    found = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))
    names = [n for n in FIRST if n in found] + [n for n in found if n not in FIRST]
    figures: list[Figure] = []
    details: dict = {"seconds": {}}
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"== bench.{name}{' (quick)' if quick() else ''}", flush=True)
        started = time.monotonic()
        try:
            collect(name, module.main(), figures, details)
        except Exception:  # one part failing must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        details["seconds"][name] = round(time.monotonic() - started, 1)
    path = write_latest(figures, details)
    print(table(figures))
    print(f"written to {path.relative_to(HERE.parent)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
