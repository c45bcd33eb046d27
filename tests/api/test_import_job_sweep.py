"""The import sweep (services.import_jobs.start_queued_imports, run by the worker): a job whose web process died
between storing it and starting its workflow is started and finished; a fresh job, or one started before, is
left alone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bench.hotline_csv import make_csv
from core.messages import Actor, Role
from core.models.imports import ImportJob
from services.import_jobs import start_hotline_import, start_queued_imports, store_hotline_import
from tests.api.test_hotline_import_job import finished, started_intakes, tokens  # noqa: F401  (fixture)

ROWS = 6
OPERATOR = Actor(id="operator", role=Role.OPERATOR, unit_id="centre")


async def test_a_job_stored_but_never_started_is_started_by_the_sweep(api, tokens):  # noqa: F811
    platform = api.app.state.platform
    client, engine, settings = platform.temporal._client, platform.engine, platform.settings
    job = store_hotline_import(engine, settings, OPERATOR, make_csv(ROWS, prefix="S"), "calls.csv")  # then it died
    assert job.status == "queued"

    assert await start_queued_imports(client, engine, settings) == 0  # still within the grace: its request's
    assert await start_queued_imports(client, engine, settings, grace=timedelta(0)) == 1
    done = await finished(api, f"/api/v1/imports/{job.id}", tokens["operator"])
    assert (done["status"], done["done"], done["filed"], done["failed"]) == ("done", ROWS, ROWS, 0)
    assert started_intakes(api) == ROWS

    assert await start_queued_imports(client, engine, settings, grace=timedelta(0)) == 0  # done: not queued


async def test_the_sweep_never_runs_a_job_twice(api, tokens):  # noqa: F811
    """The web started it and it ran; the sweep read it as queued just before (a race): same id, no second run."""
    platform = api.app.state.platform
    client, engine, settings = platform.temporal._client, platform.engine, platform.settings
    job = await start_hotline_import(platform, OPERATOR, make_csv(ROWS, prefix="W"), "calls.csv")
    assert (await finished(api, f"/api/v1/imports/{job.id}", tokens["operator"]))["status"] == "done"
    with Session(engine) as session:
        stored = session.get(ImportJob, job.id)
        stored.status = "queued"
        session.add(stored)
        session.commit()
    assert await start_queued_imports(client, engine, settings, grace=timedelta(0)) == 0
    assert started_intakes(api) == ROWS
