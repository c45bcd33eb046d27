"""API tests: the app on a fresh read model with the small catalog, a worker on the time-skipping server."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session
from temporalio.worker import Worker

from activities import build_activities
from app.main import create_app
from core.config import Settings
from core.models.users import ApiToken
from core.security import hash_token
from tests.temporal_env import time_skipping_env
from tests.utils.catalog import seed_small_catalog
from tests.web.conftest import seed_accounts
from workflows.grievance import GrievanceWorkflow
from workflows.hotline_import import HotlineImportWorkflow

API_KEY = "test-open311-key"


@pytest.fixture
async def api_temporal():
    """One server per test: ticket numbers restart with each fresh database, workflow ids must too."""
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture
async def api(api_temporal, engine, tmp_path):
    with Session(engine) as session:
        seed_small_catalog(session)
        seed_accounts(session)
        session.add(ApiToken(token_hash=hash_token(API_KEY), name="test client", scope="open311",
                             created_at=datetime.now(UTC)))
        session.commit()
    settings = Settings(extension_cutoff="", return_visit_share=0.0, temporal_task_queue=f"tq-{uuid.uuid4()}",
                        data_dir=tmp_path,
                        environment="test")
    app = create_app(settings, engine=engine, temporal_client=api_temporal.client)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with Worker(api_temporal.client, task_queue=settings.temporal_task_queue,
                          workflows=[GrievanceWorkflow, HotlineImportWorkflow],
                          activities=build_activities(engine, settings), activity_executor=executor):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                client.app = app
                yield client
