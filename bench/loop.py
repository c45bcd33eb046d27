"""Loop efficiency: the real loop through the JSON API (intake -> dispatch -> accept -> submit -> review ->
citizen rating) against a minimal workflow of the same shape driven straight through the Temporal client,
with the same concurrency and count, on the same dev server. loop_efficiency = ours / engine (loops/s).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from temporalio.client import Client

from bench.figures import latency_ms
from bench.minimal_workflow import TASK_QUEUE, UPDATES, LoopShape, MinimalInput, MinimalLoopWorkflow, StepInput
from bench.stack import TASK_QUEUE as TASK_QUEUE_OURS
from bench.stack import BenchStack
from core.messages import GrievanceInput
from core.payloads import AcceptInput, DispatchInput, RateInput, ReviewInput, SubmitResultInput
from services.accounts import citizen_actor
from workflows.grievance import GrievanceWorkflow

ITEM = "MK-014"  # a city-level item of the demo catalog, handled by the market department (h-market)
NOT_YET = 404  # the read-model row of a case filed a moment ago appears once its intake activity ran
RETRY_SECONDS = 0.05
REQUEST_TIMEOUT = 30.0
ACTIONS = ("intake", *UPDATES)
RECEIVE_STEPS = 3  # GrievanceWorkflow's receive(): record, route, record


@dataclass
class LoopRun:
    started: float = 0.0
    finished: float = 0.0
    loops: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    loop_seconds: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    retries: Counter = field(default_factory=Counter)
    tickets: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        elapsed = self.finished - self.started
        return {"loops": self.loops, "seconds": round(elapsed, 2),
                "loops_per_s": round(self.loops / elapsed, 3) if elapsed and self.loops else 0.0,
                "loop": latency_ms(self.loop_seconds), "actions": {a: latency_ms(v) for a, v in self.latencies.items()},
                "errors": dict(self.errors), "retries": dict(self.retries)}


class StepFailed(Exception):
    pass


async def _timed(run: LoopRun, action: str, call) -> object:
    t0 = time.perf_counter()
    try:
        return await call()
    finally:
        run.latencies[action].append(time.perf_counter() - t0)


async def _drive(run: LoopRun, clients: int, loops: int, seconds: float, one_loop) -> LoopRun:
    """`clients` concurrent clients, each doing whole loops one after another, until `loops` or `seconds`."""
    issued = iter(range(loops))
    deadline = time.monotonic() + seconds

    async def client(index: int) -> None:
        for n in issued:
            if time.monotonic() > deadline:
                return
            t0 = time.perf_counter()
            try:
                await one_loop(n, index)
            except StepFailed as exc:
                run.errors[str(exc)] += 1
                continue
            run.loop_seconds.append(time.perf_counter() - t0)
            run.loops += 1

    run.started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    run.finished = time.perf_counter()
    return run


# ---- ours: the JSON API ----


async def run_ours(stack: BenchStack, *, clients: int, loops: int, seconds: float) -> LoopRun:
    run = LoopRun()
    auth = {name: {"Authorization": f"Bearer {token}"} for name, token in stack.tokens.items()}

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT,
                                 limits=httpx.Limits(max_connections=clients * 2)) as http:
        async def post(action: str, url: str, who: str | None, body: dict | None, *, retry_404: bool = False) -> dict:
            async def call() -> dict:
                while True:
                    try:
                        response = await http.post(url, json=body, headers=auth.get(who, {}))
                    except httpx.HTTPError as exc:
                        raise StepFailed(f"{action}: {type(exc).__name__}") from None
                    if response.status_code == NOT_YET and retry_404:
                        run.retries[action] += 1
                        await asyncio.sleep(RETRY_SECONDS)
                        continue
                    if response.status_code >= 300:
                        raise StepFailed(f"{action}: {response.status_code}")
                    return response.json()
            return await _timed(run, action, call)

        async def one_loop(n: int, index: int) -> None:
            base = stack.web_urls[index % len(stack.web_urls)]
            filed = await _file(http, run, base, auth["operator"], n)
            ticket, secret = filed["ticket_id"], filed["secret"]
            case = f"{base}/api/v1/tickets/{ticket}"
            await post("dispatch", f"{case}/dispatch", "dispatcher", {"item_code": ITEM}, retry_404=True)
            await post("accept", f"{case}/accept", "h-market", None)
            await post("submit", f"{case}/submit", "h-market", {"summary": "已现场处理完毕", "outcome": "resolved"})
            await post("review", f"{case}/review", "dispatcher", {"approve": True})
            await post("rate", f"{base}/api/v1/track/{ticket}/rating", None,
                       {"secret": secret, "rating": "satisfied", "resolved": True})
            run.tickets.append(ticket)

        return await _drive(run, clients, loops, seconds, one_loop)


async def _file(http: httpx.AsyncClient, run: LoopRun, base: str, auth: dict, n: int) -> dict:
    body = {"description": f"火锅店后厨污水横流，卫生条件差 #{n}", "channel": "hotline",
            "address": f"新华路{n % 300}号", "complainant": {"name": "张三", "phone": "13800000000"}}

    async def call() -> dict:
        try:
            response = await http.post(f"{base}/api/v1/tickets", json=body,
                                        headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
        except httpx.HTTPError as exc:
            raise StepFailed(f"intake: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise StepFailed(f"intake: {response.status_code}")
        return response.json()

    return await _timed(run, "intake", call)


# ---- the engine: the minimal workflow, straight through the Temporal client ----


async def _through_client(client: Client, name: str, start, steps, *, clients: int, loops: int, seconds: float
                          ) -> LoopRun:
    """Whole loops straight through the Temporal client: `start(ticket, n)` gives the workflow's run method, input
    and task queue; `steps(ticket)` the (action, update, input) of each update, sent one after another."""
    run = LoopRun()
    prefix = uuid.uuid4().hex[:8]

    async def one_loop(n: int, index: int) -> None:
        ticket = f"{name}-{prefix}-{n}"
        method, intake, task_queue = start(ticket, n)
        try:
            handle = await _timed(run, "intake", lambda: client.start_workflow(
                method, intake, id=ticket, task_queue=task_queue))
            for action, update, arg in steps(ticket):
                await _timed(run, action, lambda update=update, arg=arg: handle.execute_update(update, arg))
        except Exception as exc:  # counted: the figure says how many loops failed and why
            raise StepFailed(f"{type(exc).__name__}") from None
        run.tickets.append(ticket)

    return await _drive(run, clients, loops, seconds, one_loop)


async def run_engine(client: Client, shape: LoopShape, *, clients: int, loops: int, seconds: float) -> LoopRun:
    updates = {"dispatch": MinimalLoopWorkflow.dispatch, "accept": MinimalLoopWorkflow.accept,
               "submit": MinimalLoopWorkflow.submit, "review": MinimalLoopWorkflow.review,
               "rate": MinimalLoopWorkflow.rate}

    def start(ticket: str, n: int) -> tuple:
        return MinimalLoopWorkflow.run, MinimalInput(ticket, f"火锅店后厨污水横流，卫生条件差 #{n}", shape), TASK_QUEUE

    def steps(ticket: str) -> list[tuple]:
        return [(step, updates[step], StepInput(ticket, step)) for step in UPDATES]

    return await _through_client(client, "bench", start, steps, clients=clients, loops=loops, seconds=seconds)


# ---- ours without the web: our workflow driven like the engine, with a real loop's inputs ----

LOOP_UPDATES = {"dispatch": (GrievanceWorkflow.dispatch, DispatchInput),
                "accept": (GrievanceWorkflow.accept, AcceptInput),
                "submit_result": (GrievanceWorkflow.submit_result, SubmitResultInput),
                "review": (GrievanceWorkflow.review, ReviewInput),
                "rate": (GrievanceWorkflow.rate, RateInput)}
STEP_OF = {"submit_result": "submit"}  # the update's name -> the action's, as the JSON API names it


async def loop_inputs(events, converter) -> tuple[GrievanceInput | None, list[tuple[str, object]]]:
    """The intake and each update's input of one loop of ours, decoded from its history events, in order."""
    start, updates = None, []
    for event in events:
        kind = event.WhichOneof("attributes")
        if kind == "workflow_execution_started_event_attributes":
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            (start,) = await converter.decode(payloads, [GrievanceInput])
        elif kind == "workflow_execution_update_accepted_event_attributes":
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request.input
            (arg,) = await converter.decode(request.args.payloads, [LOOP_UPDATES[request.name][1]])
            updates.append((request.name, arg))
    return start, updates


async def run_direct(client: Client, start: GrievanceInput, updates: list[tuple[str, object]], *, clients: int,
                     loops: int, seconds: float) -> LoopRun:
    """Our workflow on our worker, started and updated straight through the Temporal client as the engine is: what
    the loop costs without the web and its HTTP."""
    def begin(ticket: str, n: int) -> tuple:
        intake = dataclasses.replace(start, ticket_id=ticket, received_at=datetime.now(UTC))
        return GrievanceWorkflow.run, intake, TASK_QUEUE_OURS

    def steps(ticket: str) -> list[tuple]:
        found = []
        for name, arg in updates:
            if name == "rate":  # the citizen of this case, by its own number
                arg = dataclasses.replace(arg, actor=citizen_actor(ticket))
            found.append((STEP_OF.get(name, name), LOOP_UPDATES[name][0], arg))
        return found

    return await _through_client(client, "bench-direct", begin, steps, clients=clients, loops=loops, seconds=seconds)


# ---- the shape of our loop, read from a real history ----


def shape_of(events) -> tuple[LoopShape, dict]:
    """Local and regular activities of each step of one finished loop of ours (its history events), and its
    timers."""
    steps: dict[str, Counter] = {}
    intake: list[str] = []  # the kinds of receive()'s activities, in order
    current, seen_update = "intake", False
    for event in events:
        kind = event.WhichOneof("attributes")
        if kind == "workflow_execution_update_accepted_event_attributes":
            current = event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            seen_update = True
            continue
        if kind == "workflow_execution_update_completed_event_attributes":
            current = "after" if current == "rate" else "between" if seen_update else current
            continue
        bucket = steps.setdefault(current, Counter())
        if kind == "marker_recorded_event_attributes":
            bucket[event.marker_recorded_event_attributes.marker_name] += 1
            if current == "intake" and event.marker_recorded_event_attributes.marker_name == "core_local_activity":
                intake.append("local")
        elif kind == "activity_task_scheduled_event_attributes":
            bucket["activity"] += 1
            if current == "intake":
                intake.append("activity")
        elif kind == "timer_started_event_attributes":
            bucket["timer"] += 1
    counted = {step: dict(c) for step, c in steps.items()}
    local = "core_local_activity"
    names = {STEP_OF.get(name, name): name for name in LOOP_UPDATES}  # the action -> its update's name
    update_locals = {step: steps.get(name, Counter())[local] for step, name in names.items()}
    # receive() records, routes and records; with routing as a regular activity (cases started before the
    # local-routing patch) its second row could land in the task that accepted the waiting dispatch.
    late = max(0, RECEIVE_STEPS - len(intake))
    update_locals["dispatch"] = max(0, update_locals["dispatch"] - late)
    shape = LoopShape(intake=tuple(intake) + ("local",) * late, update_locals=update_locals,
                      background_on_dispatch=steps.get("dispatch", Counter())["activity"])
    return shape, counted


# ---- where the CPU goes ----


def cpu_per_loop(before: dict[str, float], after: dict[str, float], loops: int) -> dict[str, float]:
    """Milliseconds of CPU per loop for each part of the stack between two readings of BenchStack.cpu_seconds,
    and their total: on a machine the loops fill, loops/s is at most the cores' seconds over this total."""
    if not loops:
        return {}
    spent = {role: round((after[role] - before.get(role, 0.0)) * 1000 / loops, 1) for role in after}
    return spent | {"total": round(sum(spent.values()), 1)}


async def run_loops(stack: BenchStack, client: Client, *, clients: int, loops: int, seconds: float) -> dict:
    start = stack.cpu_seconds()
    ours = await run_ours(stack, clients=clients, loops=loops, seconds=seconds)
    ours_cpu = cpu_per_loop(start, stack.cpu_seconds(), ours.loops)
    shape, counted, direct, direct_cpu = LoopShape(), {}, LoopRun(), {}
    if ours.tickets:
        await asyncio.sleep(1)  # the last loop's case publishes and ends
        history = [event async for event in client.get_workflow_handle(ours.tickets[0]).fetch_history_events()]
        shape, counted = shape_of(history)
        intake, updates = await loop_inputs(history, client.data_converter)
        start = stack.cpu_seconds()
        direct = await run_direct(client, intake, updates, clients=clients, loops=loops, seconds=seconds)
        direct_cpu = cpu_per_loop(start, stack.cpu_seconds(), direct.loops)
    start = stack.cpu_seconds()
    engine = await run_engine(client, shape, clients=clients, loops=loops, seconds=seconds)
    engine_cpu = cpu_per_loop(start, stack.cpu_seconds(), engine.loops)
    ours_rate, engine_rate = ours.summary()["loops_per_s"], engine.summary()["loops_per_s"]
    direct_rate = direct.summary()["loops_per_s"]
    return {"clients": clients, "ours": ours.summary(), "engine": engine.summary(),
            "loop_efficiency": round(ours_rate / engine_rate, 3) if engine_rate else None,
            "ours_without_http": direct.summary(),
            "loop_efficiency_without_http": round(direct_rate / engine_rate, 3) if engine_rate else None,
            "cpu_ms_per_loop": {"ours": ours_cpu, "ours_without_http": direct_cpu, "engine": engine_cpu},
            # What loop_efficiency would be if both loops kept every core busy: the engine's CPU per loop over ours.
            "cpu_bound_efficiency": round(engine_cpu["total"] / ours_cpu["total"], 3)
            if ours_cpu.get("total") and engine_cpu.get("total") else None,
            "engine_shape": {"update_locals": shape.update_locals, "intake": list(shape.intake),
                             "background_on_dispatch": shape.background_on_dispatch, "finish": list(shape.finish)},
            "our_history_counts": counted}
