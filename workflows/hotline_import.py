"""HotlineImportWorkflow: files a stored hotline call log (services.import_jobs) batch by batch, durably.

A worker restart resumes at the batch in hand; the batches are idempotent (activities.hotline_import), so a
retried one files nothing twice. Deterministic: the rows and the progress live in the read model, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.hotline_import import (
        FileImportBatchInput,
        FinishImportInput,
        HotlineImportActivities,
        ImportProgress,
    )

BATCH_TIMEOUT = timedelta(minutes=10)
BATCH_HEARTBEAT = timedelta(minutes=1)  # one call's store and start: seconds, unless Temporal or the database stall
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


def import_workflow_id(job_id: str) -> str:
    return f"hotline-import-{job_id}"


@dataclass
class HotlineImportInput:
    job_id: str
    total: int
    batch: int
    offset: int = 0  # rows already handled, when continued as new


@workflow.defn
class HotlineImportWorkflow:
    @workflow.run
    async def run(self, input: HotlineImportInput) -> ImportProgress:
        offset = input.offset
        while offset < input.total:
            await workflow.execute_activity_method(
                HotlineImportActivities.file_import_batch, FileImportBatchInput(input.job_id, offset, input.batch),
                start_to_close_timeout=BATCH_TIMEOUT, heartbeat_timeout=BATCH_HEARTBEAT, retry_policy=RETRY)
            offset += input.batch
            if offset < input.total and workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(HotlineImportInput(input.job_id, input.total, input.batch, offset))
        return await workflow.execute_activity_method(
            HotlineImportActivities.finish_import, FinishImportInput(input.job_id),
            start_to_close_timeout=timedelta(minutes=1), retry_policy=RETRY)
