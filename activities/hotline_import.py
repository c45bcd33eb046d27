"""Filing a stored bulk import (core.models.imports) one batch at a time, for workflows.hotline_import.

Each row goes through the intake outbox (core.intake_outbox) with its call id as idempotency key and starts its
GrievanceWorkflow exactly as a single intake does, so a retried batch or a re-imported file files nothing twice.
Progress is recounted from the rows after every batch, never added to, so a retry cannot count a row twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client

from core.config import Settings
from core.intake_outbox import PAYLOAD, start_intake, store_intake
from core.models.imports import ImportJob, ImportRow, ImportStatus

MAX_ERROR = 300


def hotline_key(call_id: str) -> str:
    """The intake idempotency key of a hotline call: the same call is one ticket, however often it is imported."""
    return f"hotline:{call_id}"


@dataclass
class FileImportBatchInput:
    job_id: str
    offset: int  # into the job's rows in file order
    limit: int


@dataclass
class ImportProgress:
    total: int
    done: int
    filed: int
    failed: int


@dataclass
class FinishImportInput:
    job_id: str


@dataclass
class _Outcome:
    row: int
    ticket_id: str | None = None
    created: bool = False
    error: str = ""


class HotlineImportActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings

    @activity.defn
    async def file_import_batch(self, input: FileImportBatchInput) -> ImportProgress:
        """Files the batch's rows not filed yet, a few at once, then records their tickets and the job's progress."""
        job, rows = await asyncio.to_thread(self._batch, input)
        client = activity.client()
        gate = asyncio.Semaphore(self.settings.hotline_import_concurrency)

        async def file_one(row: ImportRow) -> _Outcome:
            async with gate:
                outcome = await self._file_row(client, job, row)
            activity.heartbeat(row.row)
            return outcome

        outcomes = await asyncio.gather(*(file_one(row) for row in rows if row.ticket_id is None))
        return await asyncio.to_thread(self._record, input.job_id, outcomes)

    @activity.defn
    def finish_import(self, input: FinishImportInput) -> ImportProgress:
        with Session(self.engine) as session:
            job = session.get(ImportJob, input.job_id)
            job.status = ImportStatus.DONE.value
            job.finished_at = job.finished_at or datetime.now(UTC)
            session.add(job)
            session.commit()
            return ImportProgress(job.total, job.done, job.filed, job.failed)

    def _batch(self, input: FileImportBatchInput) -> tuple[ImportJob, list[ImportRow]]:
        with Session(self.engine) as session:
            job = session.get(ImportJob, input.job_id)
            if job is None:
                raise RuntimeError(f"import job {input.job_id} is not in the read model")
            if job.status == ImportStatus.QUEUED.value:  # its workflow runs: the console says so, the sweep skips it
                job.status = ImportStatus.RUNNING.value
                session.add(job)
                session.commit()
                session.refresh(job)
            rows = session.exec(select(ImportRow).where(ImportRow.job_id == input.job_id)
                                .order_by(col(ImportRow.row)).offset(input.offset).limit(input.limit)).all()
            return job, list(rows)

    async def _file_row(self, client: Client, job: ImportJob, row: ImportRow) -> _Outcome:
        tz = self.settings.timezone
        try:
            grievance = PAYLOAD.validate_python(row.payload)
            intake, created = await asyncio.to_thread(
                store_intake, self.engine, tz, lambda ticket_id: dataclasses.replace(grievance, ticket_id=ticket_id),
                hotline_key(row.call_id))
            ticket_id = intake.ticket_id
            if not intake.started:
                ticket_id = await start_intake(client, self.engine, self.settings.temporal_task_queue, intake, tz)
        except (ValueError, RuntimeError) as exc:  # this row only; Temporal or the database down fails the batch
            return _Outcome(row.row, error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        # Stored after this job began: filed by this job, even when a retried batch finds it already there.
        return _Outcome(row.row, ticket_id, created or intake.created_at >= job.created_at)

    def _record(self, job_id: str, outcomes: list[_Outcome]) -> ImportProgress:
        with Session(self.engine) as session:
            for outcome in outcomes:
                row = session.get(ImportRow, (job_id, outcome.row))
                row.ticket_id, row.created, row.error = outcome.ticket_id, outcome.created, outcome.error
                session.add(row)
            session.flush()
            handled = col(ImportRow.ticket_id).is_not(None) | (col(ImportRow.error) != "")
            done, filed, failed = session.exec(
                select(func.count(), func.sum(case((col(ImportRow.created), 1), else_=0)),
                       func.sum(case((col(ImportRow.error) != "", 1), else_=0)))
                .where(ImportRow.job_id == job_id, handled)
            ).one()
            job = session.get(ImportJob, job_id)
            job.done, job.filed, job.failed = done, filed or 0, failed or 0
            if job.status == ImportStatus.QUEUED.value:
                job.status = ImportStatus.RUNNING.value
            session.add(job)
            session.commit()
            return ImportProgress(job.total, job.done, job.filed, job.failed)
