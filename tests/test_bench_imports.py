"""The bench's modules import (make bench itself runs outside make test: it times things)."""

import importlib
import pkgutil
from pathlib import Path

import bench
from bench.figures import Figure, latency_ms, percentile


def test_every_bench_module_imports():
    names = [m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)])]
    assert {"stack", "intake", "loop", "platform_load", "minimal_workflow", "figures"} <= set(names)
    for name in names:
        importlib.import_module(f"bench.{name}")


def test_figures_say_pass_or_fail_against_their_target():
    assert Figure("intake_per_s", 120.0, "grievances/s", ">= 100").passed is True
    assert Figure("intake_p99", 1500.0, "ms", "< 1000").passed is False
    assert Figure("loop_per_s", 2.0, "loops/s").passed is None
    assert percentile([0.1, 0.2, 0.3, 0.4], 0.5) == 0.2
    assert latency_ms([0.5, 1.0])["p99_ms"] == 1000.0
