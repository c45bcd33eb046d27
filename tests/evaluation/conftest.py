"""Evaluation tests: the generated October 2026 in a fresh read model; Temporal servers for the workflow tests."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from core.config import Settings
from tests.evaluation.month import october_2026
from tests.temporal_env import start_dev_server, time_skipping_env
from tests.utils.catalog import seed_small_catalog


@pytest.fixture
def october(session: Session) -> Session:
    seed_small_catalog(session)
    october_2026(session)
    return session


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def configured(**values) -> Settings:
    """Settings with these fields changed, the rest declared defaults; unvalidated, so a test can hand the
    evaluation a value Settings would refuse and see the evaluation's own check."""
    return Settings.model_construct(**values)


@pytest.fixture(scope="session")
async def eval_ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def eval_dev_env(tmp_path_factory):
    env = await start_dev_server(str(tmp_path_factory.mktemp("temporal") / "schedules.db"))
    yield env
    await env.shutdown()
