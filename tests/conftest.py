"""Shared fixtures: a fresh SQLite read model per test; Temporal environments live in tests/workflows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import create_schema, make_engine
from tests.utils.pool_watch import NestedCheckouts

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'read-model.db'}")
    create_schema(eng)
    nested = NestedCheckouts(eng)
    yield eng
    eng.dispose()
    assert not nested.found, "a thread took a second connection while holding one:\n" + nested.found[0]


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("TEST_ARTIFACTS", ARTIFACTS))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """Dev server + worker + uvicorn on 127.0.0.1 (tests/utils/live_site.py), for browser and HTTP tests."""
    from tests.utils.live_site import LiveSite

    site = LiveSite(tmp_path_factory.mktemp("live"))
    site.start()
    assert site.ready.wait(60), "the live site did not start"
    if site.error:
        raise site.error
    yield site
    site.stop()
