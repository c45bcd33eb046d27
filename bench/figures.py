"""Figures of the bench: one value with its unit and target, latencies summarised, and the combined result
(bench/results/latest.json, plus a short table on stdout). No platform code here.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def quick() -> bool:
    """BENCH_QUICK=1: small counts, to check the harness works (figures not comparable)."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    target: str = ""  # e.g. ">= 100" or "< 1000"; empty: reported, no target
    command: str = "make bench"

    @property
    def passed(self) -> bool | None:
        if not self.target or self.value is None:
            return None if not self.target else False
        op, bound = self.target.split()
        bound_value = float(bound)
        return {">=": self.value >= bound_value, "<": self.value < bound_value, "<=": self.value <= bound_value,
                "==": self.value == bound_value}[op]

    def as_dict(self) -> dict:
        return {**asdict(self), "pass": self.passed}


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def latency_ms(values: list[float]) -> dict:
    """p50 / p99 / max of latencies given in seconds, in milliseconds."""
    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 1)

    return {"count": len(values), "p50_ms": ms(percentile(values, 0.5)), "p99_ms": ms(percentile(values, 0.99)),
            "max_ms": ms(max(values) if values else None)}


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def stack_tuning() -> dict:
    """What the bench's children were told to run with, beyond the defaults: figures taken with another worker
    tuning (e.g. WORKER_TARGET_CPU=0, fixed slots) are not comparable with the default's."""
    return {"worker_target_cpu": os.environ.get("WORKER_TARGET_CPU", "default")}


def write_latest(figures: list[Figure], details: dict) -> Path:
    """bench/results/latest.json: every figure with its target and pass/fail, the machine and the revision."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    body = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "cpu_count": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "quick": quick(),
        "tuning": stack_tuning(),
        "figures": [f.as_dict() for f in figures],
        "details": details,
    }
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def table(figures: list[Figure]) -> str:
    width = max((len(f.name) for f in figures), default=10)
    lines = [f"{'figure':<{width}}  {'value':>10}  {'unit':<12} {'target':<10} result"]
    for f in figures:
        value = "-" if f.value is None else f"{f.value:,.3f}".rstrip("0").rstrip(".")
        verdict = {True: "pass", False: "FAIL", None: ""}[f.passed]
        lines.append(f"{f.name:<{width}}  {value:>10}  {f.unit:<12} {f.target:<10} {verdict}")
    return "\n".join(lines)
