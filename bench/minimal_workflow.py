"""The engine's baseline: a minimal workflow of the same shape as a grievance's loop, with no-op activities.

Intake runs three local activities like GrievanceWorkflow's receive; five updates (dispatch,
accept, submit, review, rate) each run as many local activities as ours do (counted from a real history
by bench.loop, passed in the input); a 7-day timer waits for the rating; the end publishes. Run its worker
with `python -m bench.minimal_workflow` (settings from the environment, the platform's payload codec).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import activity, workflow

TASK_QUEUE = "bench-minimal"
UPDATES = ("dispatch", "accept", "submit", "review", "rate")
LOCAL_TIMEOUT = timedelta(seconds=30)


@dataclass
class LoopShape:
    """How many activities each step runs; the defaults are GrievanceWorkflow's (2026-11, counted by hand)."""

    intake: tuple[str, ...] = ("local", "local", "local")  # record, route (local since issue 19), record
    update_locals: dict[str, int] = field(default_factory=lambda: {
        "dispatch": 3, "accept": 1, "submit": 1, "review": 2, "rate": 2})
    background_on_dispatch: int = 1  # routing learns from the dispatcher's choice
    finish: tuple[str, ...] = ("activity", "local")  # publish, then its audit row


@dataclass
class MinimalInput:
    ticket_id: str
    description: str
    shape: LoopShape


@dataclass
class StepInput:
    ticket_id: str
    step: str
    note: str = ""


@activity.defn
async def minimal_local(input: StepInput) -> str:
    return input.step


@activity.defn
async def minimal_activity(input: StepInput) -> str:
    return input.step


@workflow.defn
class MinimalLoopWorkflow:
    @workflow.init
    def __init__(self, input: MinimalInput) -> None:
        self._input = input
        self._lock = asyncio.Lock()
        self._received = False
        self._rated = False
        self._background: list = []

    @workflow.run
    async def run(self, input: MinimalInput) -> str:
        async with self._lock:
            await self._steps("intake", input.shape.intake)
            self._received = True
        await workflow.wait_condition(lambda: self._rated, timeout=timedelta(days=7))
        async with self._lock:
            await self._steps("finish", input.shape.finish)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await asyncio.gather(*self._background, return_exceptions=True)
        return "closed"

    @workflow.update
    async def dispatch(self, input: StepInput) -> str:
        return await self._update(input, background=self._input.shape.background_on_dispatch)

    @workflow.update
    async def accept(self, input: StepInput) -> str:
        return await self._update(input)

    @workflow.update
    async def submit(self, input: StepInput) -> str:
        return await self._update(input)

    @workflow.update
    async def review(self, input: StepInput) -> str:
        return await self._update(input)

    @workflow.update
    async def rate(self, input: StepInput) -> str:
        answer = await self._update(input)
        self._rated = True
        return answer

    async def _update(self, input: StepInput, background: int = 0) -> str:
        await workflow.wait_condition(lambda: self._received)
        async with self._lock:
            await self._steps(input.step, ("local",) * self._input.shape.update_locals.get(input.step, 1))
            for _ in range(background):
                self._background.append(workflow.start_activity(
                    minimal_activity, StepInput(self._input.ticket_id, "learn"),
                    start_to_close_timeout=timedelta(minutes=2)))
        return input.step

    async def _steps(self, step: str, kinds: tuple[str, ...]) -> None:
        for kind in kinds:
            payload = StepInput(self._input.ticket_id, step, self._input.description)
            if kind == "local":
                await workflow.execute_local_activity(minimal_local, payload, start_to_close_timeout=LOCAL_TIMEOUT)
            else:
                await workflow.execute_activity(minimal_activity, payload, start_to_close_timeout=timedelta(minutes=2))


async def serve() -> None:
    """The baseline's worker, in a process of its own like the platform's worker; ends on SIGTERM."""
    import signal

    from temporalio.worker import Worker

    from core.config import get_settings
    from core.temporal import connect, workflow_runner

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    settings = get_settings()
    client = await connect(settings)
    async with Worker(client, task_queue=TASK_QUEUE, workflows=[MinimalLoopWorkflow],
                      activities=[minimal_local, minimal_activity], workflow_runner=workflow_runner(settings)):
        await stop.wait()


if __name__ == "__main__":
    from core.temporal import exit_now

    asyncio.run(serve())
    exit_now(0)
