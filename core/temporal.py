"""Connecting to Temporal: retries briefly (the dev server needs ~0.3 s), then a one-line error; and how the worker
runs workflows and takes on tasks.

Every client of the platform connects here, so every payload goes through the encryption codec.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import (
    ResourceBasedSlotConfig,
    UnsandboxedWorkflowRunner,
    WorkerTuner,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from core.config import Settings
from core.payload_codec import data_converter

ACTIVITY_THREADS = 32  # the worker's thread pool for activities; no more of them run at once
# Task slots of each kind the worker keeps open however busy the machine is. A trade, measured with make bench's
# intake and loop in alternate runs: with 4, the people acting at once in the loop queue less (the loop ran about
# 20 % faster) but a burst of intake lost 12-15 % of its rate to the worker's routing; the intake's target wins.
SLOTS_FLOOR = 2
# How long the tuner waits after handing out a slot beyond the floor before it hands out the next. Workflow and local
# activity tasks last milliseconds, so a wait only queues them: with 20 ms, the loop's actions queued at the floor
# while the machine's CPU stood at 70 %, and the worker took in a burst's cases more slowly than the CPU allowed.
# Activity tasks can run long (a hotline import), so the tuner still looks at what one costs before the next.
SHORT_TASK_RAMP = timedelta(0)
ACTIVITY_RAMP = timedelta(milliseconds=20)


class TemporalUnreachable(RuntimeError):
    pass


async def connect(settings: Settings, *, attempts: int = 40, delay: float = 0.25) -> Client:
    address = settings.effective_temporal_address
    converter = data_converter(settings)
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return await Client.connect(address, namespace=settings.temporal_namespace, data_converter=converter)
        except Exception as exc:  # the SDK raises RuntimeError for every connection failure
            last = exc
            await asyncio.sleep(delay)
    raise TemporalUnreachable(f"Temporal is not reachable at {address} ({last})")


def workflow_runner(settings: Settings) -> WorkflowRunner:
    """How the worker runs workflow code: see `workflow_sandbox` in core.config. Outside the sandbox, determinism
    rests on the test suite (every test worker keeps the SDK's default sandbox, so a non-deterministic call
    fails a test) and on the replay tests over stored histories."""
    return SandboxedWorkflowRunner() if settings.workflow_sandbox else UnsandboxedWorkflowRunner()


def worker_tuner(settings: Settings) -> WorkerTuner | None:
    """Task slots by the machine's load (`worker_target_cpu` in core.config); None: the SDK's fixed slots. A few
    slots of each kind (SLOTS_FLOOR) stay open whatever the load, so timers and the cases people act on still move."""
    if not settings.worker_target_cpu:
        return None
    def floor(most: int, ramp: timedelta) -> ResourceBasedSlotConfig:
        return ResourceBasedSlotConfig(minimum_slots=SLOTS_FLOOR, maximum_slots=most, ramp_throttle=ramp)

    return WorkerTuner.create_resource_based(
        target_memory_usage=0.9, target_cpu_usage=settings.worker_target_cpu,
        workflow_config=floor(100, SHORT_TASK_RAMP), activity_config=floor(ACTIVITY_THREADS, ACTIVITY_RAMP),
        local_activity_config=floor(ACTIVITY_THREADS, SHORT_TASK_RAMP))


def exit_now(code: int) -> None:
    """Leave without interpreter teardown: the SDK's Rust threads can abort it (temporalio/sdk-python#300)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
