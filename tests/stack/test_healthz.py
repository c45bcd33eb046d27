"""GET /healthz: 200 when Temporal and the database answer, 503 naming the one that does not."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from core.config import Settings
from core.db import create_schema, make_engine
from tests.temporal_env import start_dev_server
from tests.utils.net import free_port


@pytest.fixture(scope="module")
async def dev_server():
    env = await start_dev_server()
    yield env
    await env.shutdown()


def _read_model(tmp_path) -> str:
    """A SQLite read model with its schema: /healthz reads a real table."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    return url


async def _get(app, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path)


@pytest.mark.devserver
async def test_healthz_ok_when_both_reachable(dev_server, tmp_path):
    settings = Settings(database_url=_read_model(tmp_path),
                        temporal_address=dev_server.client.service_client.config.target_host)
    response = await _get(create_app(settings), "/healthz")
    assert response.status_code == 200
    assert response.json() == {"temporal": "ok", "database": "ok"}


async def test_healthz_names_temporal_when_unreachable(tmp_path):
    settings = Settings(database_url=_read_model(tmp_path), temporal_address=f"127.0.0.1:{free_port()}")
    response = await _get(create_app(settings), "/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["temporal"].startswith("unavailable")


@pytest.mark.devserver
async def test_healthz_names_database_when_unreachable(dev_server):
    settings = Settings(database_url=f"postgresql://nobody:secret@127.0.0.1:{free_port()}/none",
                        temporal_address=dev_server.client.service_client.config.target_host)
    response = await _get(create_app(settings), "/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["temporal"] == "ok" and body["database"].startswith("unavailable")
