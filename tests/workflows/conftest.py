"""Workflow tests: the native time-skipping server, a fresh read model and a worker per test."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import build_activities
from core.config import Settings
from core.messages import Actor, Channel, Complainant, GrievanceInput, Role
from tests.temporal_env import time_skipping_env
from tests.utils.catalog import seed_small_catalog
from workflows.grievance import GrievanceWorkflow


@pytest.fixture(scope="session")
async def ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@dataclass
class Harness:
    env: WorkflowEnvironment
    client: Client
    task_queue: str
    engine: object
    settings: Settings

    async def start(self, ticket_id: str | None = None, **overrides) -> WorkflowHandle:
        grievance = make_input(ticket_id or f"T-{uuid.uuid4().hex[:8]}", **overrides)
        return await self.client.start_workflow(
            GrievanceWorkflow.run, grievance, id=grievance.ticket_id, task_queue=self.task_queue
        )


def make_input(ticket_id: str, **overrides) -> GrievanceInput:
    fields = dict(
        ticket_id=ticket_id,
        channel=Channel.HOTLINE,
        description="楼下饭店油烟很大，晚上十点还在排油烟，张三 13812345678",
        received_at=datetime.now(UTC),
        reporter=Actor(id="op-1", role=Role.OPERATOR, name="接线员", unit_id="centre"),
        dispatch_owner_id="centre",
        address="东关街道建设路12号",
        complainant=Complainant(name="张三", phone="13812345678"),
        street_id="s-east-1",
    )
    fields.update(overrides)
    return GrievanceInput(**fields)


@pytest.fixture
def harness_settings() -> Settings:
    """The tests' city also offers calendar-day extensions and takes requests at any hour, so no test
    depends on the time of day the suite runs (tests/workflows/test_extensions.py keeps the defaults). It
    makes no return visits (tests/workflows/test_return_visits.py does)."""
    return Settings(rating_default="satisfied", extension_choices="1wd,2wd,3wd,5wd,10wd,3d", extension_cutoff="",
                    return_visit_window="")


@pytest.fixture
async def harness(ts_env, engine, harness_settings):
    with Session(engine) as session:
        seed_small_catalog(session)
    settings = harness_settings
    task_queue = f"tq-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with Worker(
            ts_env.client,
            task_queue=task_queue,
            workflows=[GrievanceWorkflow],
            activities=build_activities(engine, settings),
            activity_executor=executor,
        ):
            yield Harness(ts_env, ts_env.client, task_queue, engine, settings)


IDLE_WAIT_SECONDS = 60


@dataclass
class TrackedHarness(Harness):
    """A harness that remembers the cases it started, so the test can end them at teardown."""

    started: list[str] = field(default_factory=list)

    async def start(self, ticket_id: str | None = None, **overrides) -> WorkflowHandle:
        handle = await super().start(ticket_id, **overrides)
        self.started.append(handle.id)
        return handle

    async def terminate_open(self) -> None:
        for workflow_id in self.started:
            handle = self.client.get_workflow_handle(workflow_id)
            # The test server keeps time locked for good if a case is terminated while one of its
            # activities or workflow tasks is in flight, so wait until the case is idle first.
            deadline = time.monotonic() + IDLE_WAIT_SECONDS
            try:
                while not await _idle(handle) and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
            except RPCError:
                continue  # never started
            try:
                await handle.terminate("test finished")
            except RPCError:
                pass  # already closed
        try:  # fail here, naming the cases, rather than in every later test's first sleep
            await asyncio.wait_for(self.env.sleep(timedelta(hours=1)), 10)
        except TimeoutError:
            raise AssertionError(f"the test server no longer skips time after ending {self.started}") from None


async def _idle(handle: WorkflowHandle) -> bool:
    """From one history snapshot: closed, or its last workflow task completed and no activity open."""
    open_activities: set[int] = set()
    last_task = None
    for event in (await handle.fetch_history()).events:
        kind = event.event_type
        if kind in _CLOSED:
            return True
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            open_activities.add(event.event_id)
        elif kind in _ACTIVITY_CLOSED:
            attributes = getattr(event, _ACTIVITY_CLOSED[kind])
            open_activities.discard(attributes.scheduled_event_id)
        elif kind in _WORKFLOW_TASK_EVENTS:
            last_task = kind
    return not open_activities and last_task == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED


_CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}
_ACTIVITY_CLOSED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
}
_WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}


@pytest.fixture
async def cases(harness):
    """`harness`, and every case still open at the end is terminated: a timer left on a task queue that
    nobody polls any more stops the shared time-skipping server from skipping time in later tests."""
    tracked = TrackedHarness(harness.env, harness.client, harness.task_queue, harness.engine, harness.settings)
    yield tracked
    await tracked.terminate_open()


# Actors of the small test catalog (tests/utils/catalog.py).
CENTRE = Actor(id="u-disp", role=Role.DISPATCHER, name="派单员", unit_id="centre")
EAST_DISPATCH = Actor(id="u-east", role=Role.DISPATCHER, name="东城区派单员", unit_id="d-east", district_id="d-east")
ECOLOGY = Actor(id="u-eco", role=Role.HANDLER, name="生态局", unit_id="dept-ecology")
MARKET = Actor(id="u-mkt", role=Role.HANDLER, name="市场监管局", unit_id="dept-market")
HOUSING = Actor(id="u-hs", role=Role.HANDLER, name="住建局", unit_id="dept-housing")
EAST_URBAN = Actor(id="u-eu", role=Role.HANDLER, name="东城城管", unit_id="d-east-urban", district_id="d-east")
SUPERVISOR = Actor(id="u-sup", role=Role.SUPERVISOR, name="督查员", unit_id="supervision")
STREET = Actor(id="u-street", role=Role.STREET, name="东关街道", unit_id="s-east-1", district_id="d-east")
WEST_STREET = Actor(id="u-wstreet", role=Role.STREET, name="西门街道", unit_id="s-west-1", district_id="d-west")
EAST_SUPERVISOR = Actor(id="u-esup", role=Role.SUPERVISOR, name="东城区督查员", unit_id="d-east", district_id="d-east")


def citizen(ticket_id: str) -> Actor:
    return Actor(id=f"citizen:{ticket_id}", role=Role.CITIZEN, name="市民")
