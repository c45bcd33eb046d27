"""DATABASE_URL pointing at PostgreSQL: the same schema, seed, intake numbering, workflow read-model
writes, health check and evaluation queries run on a real PostgreSQL server (Debian's binaries)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, func, select
from temporalio.worker import Worker

from activities import build_activities
from app.main import create_app
from core.config import Settings
from core.db import make_engine
from core.evaluation import compute_unit_figures
from core.intake_outbox import next_ticket_id
from core.messages import Actor, Channel, GrievanceInput, Rating, Role
from core.models.catalog import CatalogItem
from core.models.tickets import Ticket, TicketEvent
from core.models.users import User
from core.payloads import AcceptInput, DispatchInput, RateInput, ReviewInput, SubmitResultInput
from core.seed import seed_all
from tests.core.test_migrations import current_revision, head_revision, schema_drift
from tests.temporal_env import time_skipping_env
from tests.utils.postgres import TempPostgres, pg_bin
from workflows.grievance import GrievanceWorkflow

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL is not installed (apt-get install postgresql)")]


@pytest.fixture(scope="module")
def pg_url():
    server = TempPostgres()
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="module")
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    seed_all(engine)
    yield engine
    engine.dispose()


def test_seed_and_ticket_numbers_on_postgres(pg_engine):
    with Session(pg_engine) as session:
        assert session.exec(select(func.count()).select_from(CatalogItem)).one() >= 150
        assert session.exec(select(func.count()).select_from(User)).one() > 10
    seed_all(pg_engine)  # a second start seeds nothing twice
    with Session(pg_engine) as session:
        assert session.exec(select(func.count()).select_from(User).where(User.username == "admin")).one() == 1
    now = datetime(2026, 11, 23, 2, tzinfo=UTC)
    assert next_ticket_id(pg_engine, now, "Asia/Shanghai") == "2026-1123-000001"
    assert next_ticket_id(pg_engine, now, "Asia/Shanghai") == "2026-1123-000002"


async def test_a_whole_case_writes_its_read_model_to_postgres(pg_engine, pg_url):
    env = await time_skipping_env()
    settings = Settings(database_url=pg_url, temporal_task_queue=f"pg-{uuid.uuid4()}", return_visit_share=0.0)
    ticket_id = f"PG-{uuid.uuid4().hex[:8]}"
    dispatcher = Actor(id="dispatcher", role=Role.DISPATCHER, unit_id="centre")
    handler = Actor(id="h-ecology", role=Role.HANDLER, unit_id="ecology")
    try:
        with ThreadPoolExecutor(max_workers=8) as executor:
            async with Worker(env.client, task_queue=settings.temporal_task_queue, workflows=[GrievanceWorkflow],
                              activities=build_activities(pg_engine, settings), activity_executor=executor):
                handle = await env.client.start_workflow(
                    GrievanceWorkflow.run,
                    GrievanceInput(ticket_id=ticket_id, channel=Channel.HOTLINE, description="饭店油烟扰民",
                                   received_at=datetime.now(UTC), reporter=Actor(id="op", role=Role.OPERATOR),
                                   dispatch_owner_id="centre"),
                    id=ticket_id, task_queue=settings.temporal_task_queue)
                await handle.execute_update(GrievanceWorkflow.dispatch, DispatchInput(dispatcher, "EC-001", "ecology"))
                await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(handler))
                await handle.execute_update(GrievanceWorkflow.submit_result, SubmitResultInput(handler, "已整改"))
                await handle.execute_update(GrievanceWorkflow.review, ReviewInput(dispatcher, True))
                await handle.execute_update(GrievanceWorkflow.rate, RateInput(
                    Actor(id=f"citizen:{ticket_id}", role=Role.CITIZEN), Rating.SATISFIED, resolved=True))
                for _ in range(100):
                    with Session(pg_engine) as session:
                        ticket = session.get(Ticket, ticket_id)
                    if ticket is not None and ticket.published:
                        break
                    await env.sleep(timedelta(seconds=1))
                app = create_app(settings, engine=pg_engine, temporal_client=env.client)
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                    health = await client.get("/healthz")
    finally:
        await env.shutdown()
    assert health.json() == {"temporal": "ok", "database": "ok"}
    with Session(pg_engine) as session:
        ticket = session.get(Ticket, ticket_id)
        actions = [e.action for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                                  .order_by(TicketEvent.seq))]
        month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
        figures = compute_unit_figures(session, month, datetime.now(UTC) + timedelta(days=1))
    assert (ticket.stage, ticket.rating, ticket.published) == ("closed", "satisfied", True)
    assert ticket.received_at.tzinfo is not None and ticket.closure_deadline > ticket.dispatched_at
    assert actions == ["received", "routed", "dispatched", "accepted", "result_submitted", "review_approved",
                       "rated", "closed", "published"]
    ecology = next(f for f in figures if f.unit_id == "ecology")
    assert ecology.closed == 1


def test_migrations_build_the_models_schema_on_postgres(pg_engine):
    assert schema_drift(pg_engine) == []
    assert current_revision(pg_engine) == head_revision()


def test_migrating_postgres_again_is_a_no_op(pg_engine):
    def users() -> int:
        with Session(pg_engine) as session:
            return session.exec(select(func.count()).select_from(User)).one()

    before = users()
    seed_all(pg_engine)  # the compose migrate service on every `docker compose up`

    assert current_revision(pg_engine) == head_revision()
    assert users() == before
