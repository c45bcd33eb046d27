"""The loop bench's CPU accounting: what each part of the stack spends per loop, and the efficiency it bounds."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from bench.loop import cpu_per_loop
from bench.stack import BenchStack, cpu_seconds, role_of


def test_a_process_cpu_time_is_read_from_proc_and_grows_with_work():
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert before is not None and cpu_seconds(os.getpid()) > before


def test_a_process_that_is_gone_has_no_cpu_time():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its /proc entry is gone
    assert cpu_seconds(child.pid) is None


@pytest.mark.parametrize(("name", "role"), [("temporal", "server"), ("worker-1", "worker"), ("worker-2", "worker"),
                                            ("web-12", "web"), ("engine-worker", "engine-worker")])
def test_each_child_counts_for_its_part_of_the_stack(name, role):
    assert role_of(name) == role


def test_the_stack_sums_its_processes_by_part_and_counts_the_bench_as_the_client(tmp_path):
    me = SimpleNamespace(pid=os.getpid())
    stack = BenchStack(data_dir=tmp_path)
    stack.procs = {"temporal": me, "worker-1": me, "worker-2": me}
    used = stack.cpu_seconds()
    assert set(used) == {"server", "worker", "client"}
    assert used["worker"] == pytest.approx(2 * used["server"], rel=0.05)


def test_cpu_per_loop_is_each_part_in_milliseconds_and_their_total():
    before = {"server": 1.0, "worker": 2.0, "client": 0.5}
    after = {"server": 1.5, "worker": 2.2, "client": 0.6, "web": 0.3}  # a part first seen in the second reading
    assert cpu_per_loop(before, after, 10) == {"server": 50.0, "worker": 20.0, "client": 10.0, "web": 30.0,
                                               "total": 110.0}
    assert cpu_per_loop(before, after, 0) == {}
