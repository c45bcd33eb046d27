"""Workflow tests: the native time-skipping server, a fresh read model and a worker per test."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import build_activities
from core.config import Settings
from tests.temporal_env import start_time_skipping
from tests.utils.catalog import seed_small_catalog
from workflows.grievance import GrievanceWorkflow
from workflows.messages import Actor, Channel, Complainant, GrievanceInput, Role


@pytest.fixture(scope="session")
async def ts_env():
    env = await start_time_skipping()
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
async def harness(ts_env, engine):
    with Session(engine) as session:
        seed_small_catalog(session)
    settings = Settings(rating_default="satisfied")
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


# Actors of the small test catalog (tests/utils/catalog.py).
CENTRE = Actor(id="u-disp", role=Role.DISPATCHER, name="派单员", unit_id="centre")
EAST_DISPATCH = Actor(id="u-east", role=Role.DISPATCHER, name="东城区派单员", unit_id="d-east", district_id="d-east")
ECOLOGY = Actor(id="u-eco", role=Role.HANDLER, name="生态局", unit_id="dept-ecology")
MARKET = Actor(id="u-mkt", role=Role.HANDLER, name="市场监管局", unit_id="dept-market")
HOUSING = Actor(id="u-hs", role=Role.HANDLER, name="住建局", unit_id="dept-housing")
EAST_URBAN = Actor(id="u-eu", role=Role.HANDLER, name="东城城管", unit_id="d-east-urban", district_id="d-east")
SUPERVISOR = Actor(id="u-sup", role=Role.SUPERVISOR, name="督查员", unit_id="supervision")
STREET = Actor(id="u-street", role=Role.STREET, name="东关街道", unit_id="s-east-1", district_id="d-east")


def citizen(ticket_id: str) -> Actor:
    return Actor(id=f"citizen:{ticket_id}", role=Role.CITIZEN, name="市民")
