"""Fixtures for the fault tests: a real dev server and worker.py as a child process (tests/security/faults.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from core.config import Settings
from core.db import create_schema, make_engine
from core.models.tickets import TicketCounter
from core.temporal import connect
from tests.security.faults import Stack, WorkerProcess
from tests.utils.catalog import seed_small_catalog
from tests.web.conftest import seed_accounts


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A read-model file with the small catalog and the test accounts, for apps built per test."""
    path = tmp_path / "read-model.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    with Session(engine) as session:
        seed_small_catalog(session)
        seed_accounts(session)
        # Tests may share a Temporal server: each starts its ticket numbers elsewhere.
        session.add(TicketCounter(day=datetime.now(ZoneInfo("Asia/Shanghai")).date(), last=uuid.uuid4().int % 900_000))
        session.commit()
    engine.dispose()
    return path


@pytest.fixture
async def dev_server():
    from tests.temporal_env import start_dev_server

    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture
async def stack(dev_server, tmp_path):
    url = f"sqlite:///{tmp_path / 'read-model.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine) as session:
        seed_small_catalog(session)
    address = dev_server.client.service_client.config.target_host
    settings = Settings(temporal_address=address, temporal_task_queue=f"faults-{uuid.uuid4().hex[:6]}",
                        database_url=url, data_dir=tmp_path, environment="test")
    worker = WorkerProcess(Stack.environment(address, url, settings.temporal_task_queue, tmp_path),
                           tmp_path / "worker.log")
    worker.start()
    client = await connect(settings)
    try:
        yield Stack(client, engine, worker, settings)
    finally:
        worker.stop()
        engine.dispose()
