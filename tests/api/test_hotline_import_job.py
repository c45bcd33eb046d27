"""Bulk hotline import as a background job: the upload answers 202 at once, the worker's workflow files every
row as a started grievance, progress is polled; a re-import files nothing twice; a bad file is refused whole."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, col, func, select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import ActivityEnvironment

from activities.hotline_import import FileImportBatchInput, HotlineImportActivities
from bench.hotline_csv import make_csv
from core.models.imports import ImportJob, ImportRow
from core.models.tickets import Intake
from services.accounts import issue_token

ROWS = 30


@pytest.fixture
def tokens(api) -> dict[str, dict[str, str]]:
    with Session(api.app.state.platform.engine) as session:
        return {name: {"Authorization": f"Bearer {issue_token(session, name, 'test')}"}
                for name in ("operator", "h-ecology", "admin")}


async def upload(api, data: bytes, headers: dict):
    return await api.post("/api/v1/tickets/bulk", files={"file": ("calls.csv", data, "text/csv")}, headers=headers)


async def finished(api, url: str, headers: dict, tries: int = 400) -> dict:
    for _ in range(tries):
        job = (await api.get(url, headers=headers)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the import never finished: {job}")


def started_intakes(api) -> int:
    with Session(api.app.state.platform.engine) as session:
        return session.exec(select(func.count()).select_from(Intake)
                            .where(col(Intake.idempotency_key).startswith("hotline:"), Intake.started)).one()


async def test_an_import_answers_at_once_and_the_worker_files_every_row_once(api, tokens):
    data = make_csv(ROWS, street_id="s-east-1")
    accepted = await upload(api, data, tokens["operator"])
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["status"] == "queued" and body["total"] == ROWS and accepted.headers["location"] == body["url"]

    job = await finished(api, body["url"], tokens["operator"])
    assert job["status"] == "done" and job["done"] == job["total"] == ROWS
    assert (job["filed"], job["already_filed"], job["failed"], job["percent"]) == (ROWS, 0, 0, 100)
    tickets = (await api.get(body["url"], params={"tickets": "true"}, headers=tokens["operator"])).json()["tickets"]
    assert len(set(tickets.values())) == ROWS and started_intakes(api) == ROWS
    client = api.app.state.platform.temporal._client
    for ticket_id in list(tickets.values())[:: ROWS // 5]:  # every one runs its grievance workflow
        info = (await client.workflow_service.describe_workflow_execution(DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=ticket_id)))).workflow_execution_info
        assert info.type.name == "GrievanceWorkflow" and info.status == WorkflowExecutionStatus.RUNNING

    again = await finished(api, (await upload(api, data, tokens["operator"])).json()["url"], tokens["operator"])
    assert (again["done"], again["filed"], again["already_filed"]) == (ROWS, 0, ROWS)
    assert started_intakes(api) == ROWS
    mine = (await api.get("/api/v1/imports", headers=tokens["operator"])).json()
    assert [j["id"] for j in mine] == [again["id"], job["id"]]


async def test_a_bad_file_is_refused_whole_and_jobs_are_private(api, tokens):
    bad = make_csv(3).decode("utf-8").replace(",,", ",s-nowhere,", 1).encode()
    refused = await upload(api, bad, tokens["operator"])
    assert refused.status_code == 400 and "row 2" in refused.json()["detail"]
    with Session(api.app.state.platform.engine) as session:
        assert session.exec(select(func.count()).select_from(ImportJob)).one() == 0
    assert (await upload(api, make_csv(2), tokens["h-ecology"])).status_code == 403

    url = (await upload(api, make_csv(2), tokens["operator"])).json()["url"]
    assert (await api.get(url, headers=tokens["h-ecology"])).status_code == 404
    assert (await api.get(url, headers=tokens["admin"])).status_code == 200
    assert (await finished(api, url, tokens["operator"]))["filed"] == 2


async def test_a_file_over_the_row_limit_is_refused(api, tokens):
    api.app.state.platform.settings.hotline_import_max_rows = 5
    refused = await upload(api, make_csv(6), tokens["operator"])
    assert refused.status_code == 400 and "at most 5 records" in refused.json()["detail"]


async def test_a_batch_retried_after_a_crash_files_nothing_twice(api, tokens):
    """The worker died after filing a batch but before recording it: the retry finds every call filed."""
    url = (await upload(api, make_csv(5, prefix="R"), tokens["operator"])).json()["url"]
    job = await finished(api, url, tokens["operator"])
    before = (await api.get(url, params={"tickets": "true"}, headers=tokens["operator"])).json()["tickets"]
    platform = api.app.state.platform
    with Session(platform.engine) as session:
        for row in session.exec(select(ImportRow).where(ImportRow.job_id == job["id"])):
            row.ticket_id, row.created = None, False  # as if the batch's outcome was never written
            session.add(row)
        session.commit()
    activities = HotlineImportActivities(platform.engine, platform.settings)
    retried = await ActivityEnvironment(client=platform.temporal._client).run(
        activities.file_import_batch, FileImportBatchInput(job["id"], 0, 100))
    assert (retried.done, retried.filed, retried.failed) == (5, 5, 0) and started_intakes(api) == 5
    again = (await api.get(url, params={"tickets": "true"}, headers=tokens["operator"])).json()
    assert again["tickets"] == before and len(before) == 5 and again["filed"] == 5
