"""The web and the worker freeze the objects they start with, so a full garbage collection no longer walks them
(issue 19: ~200,000 of them, a 100-160 ms pause in a request every few seconds at 100,000 cases)."""

from __future__ import annotations

import asyncio
import gc

import pytest

import worker
from app.main import create_app
from core.config import Settings
from core.heap import settle_startup_objects


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_settling_freezes_what_is_alive(unfrozen):
    assert gc.get_freeze_count() == 0
    assert settle_startup_objects() == gc.get_freeze_count() > 1000


async def test_the_web_settles_before_its_first_request(unfrozen, engine, tmp_path):
    app = create_app(Settings(environment="test", data_dir=tmp_path), engine=engine, temporal_client=object())
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 1000


class _Started(Exception):
    pass


async def test_the_worker_settles_before_it_takes_work(unfrozen, monkeypatch):
    async def client(settings):
        return object()

    async def schedule(*args, **kwargs):
        return None

    def started(*args, **kwargs):
        assert gc.get_freeze_count() > 1000  # settled before the worker polls
        raise _Started

    monkeypatch.setattr(worker, "get_engine", lambda url: object())
    monkeypatch.setattr(worker, "ping", lambda engine: None)
    monkeypatch.setattr(worker, "connect", client)
    monkeypatch.setattr(worker, "ensure_monthly_schedule", schedule)
    monkeypatch.setattr(worker, "build_activities", lambda engine, settings: [])
    monkeypatch.setattr(worker, "Worker", started)
    with pytest.raises(_Started):
        await worker.run_worker(asyncio.Event())
