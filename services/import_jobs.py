"""Bulk hotline imports as background jobs: the upload is checked whole and stored, then the worker files it.

The request answers at once with the job; workflows.hotline_import files the rows in batches and writes the
progress read here. Database work runs in worker threads, one short transaction at a time, never across an await.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from core.config import Settings
from core.i18n import _
from core.intake_outbox import PAYLOAD
from core.messages import Actor, Channel, Complainant, Role
from core.models.imports import ImportJob, ImportRow, ImportStatus
from core.vocabulary import ErrorKind
from services.errors import ServiceError
from services.hotline_import import HotlineRecord, parse
from services.intake import BULK_MAX_BYTES, IntakeRequest, check_channel
from services.platform import Platform
from services.temporal import unreachable
from workflows.hotline_import import HotlineImportInput, HotlineImportWorkflow, import_workflow_id

log = logging.getLogger(__name__)
RECENT_JOBS = 20
SHOWN_FAILURES = 50
PROBLEMS_SHOWN = 50
SWEEP_GRACE = timedelta(seconds=30)  # a fresh job is still being started by its own request
SWEEP_LIMIT = 100


@dataclass
class JobView:
    """A job as the console and the API show it."""

    job: ImportJob
    failures: list[ImportRow]  # the first SHOWN_FAILURES failed rows, with their reasons

    @property
    def percent(self) -> int:
        return 100 if not self.job.total else self.job.done * 100 // self.job.total

    @property
    def finished(self) -> bool:
        return self.job.status in (ImportStatus.DONE.value, ImportStatus.FAILED.value)


async def start_hotline_import(platform: Platform, reporter: Actor, data: bytes, filename: str = "") -> ImportJob:
    """Checks the whole file (row and column of every problem), stores it as a job and starts its workflow."""
    check_channel(reporter.role, Channel.HOTLINE)
    if len(data) > BULK_MAX_BYTES:
        raise ServiceError(ErrorKind.BAD_INPUT, _("The file is larger than 5 MB."))
    settings, engine = platform.settings, platform.engine
    job = await asyncio.to_thread(store_hotline_import, engine, settings, reporter, data, filename)
    try:
        client = await platform.temporal.get()
        await client.start_workflow(
            HotlineImportWorkflow.run, HotlineImportInput(job.id, job.total, settings.hotline_import_batch),
            id=import_workflow_id(job.id), task_queue=settings.temporal_task_queue)
    except RPCError as exc:
        await asyncio.to_thread(_mark_failed, engine, job.id, str(exc))
        raise unreachable(str(exc)) from None
    except ServiceError as exc:
        await asyncio.to_thread(_mark_failed, engine, job.id, exc.detail or str(exc))
        raise
    return job


async def start_queued_imports(client: Client, engine: Engine, settings: Settings,
                               grace: timedelta = SWEEP_GRACE) -> int:
    """The import sweep (run by the worker next to the intake outbox's): starts the workflow of every job still
    queued after `grace`, i.e. stored by a web process that died before starting it. Idempotent: the same
    workflow id as the web's start, and an id already used (running or ended) is left alone."""
    jobs = await asyncio.to_thread(_queued_jobs, engine, datetime.now(UTC) - grace)
    started = 0
    for job_id, total in jobs:
        try:
            await client.start_workflow(
                HotlineImportWorkflow.run, HotlineImportInput(job_id, total, settings.hotline_import_batch),
                id=import_workflow_id(job_id), task_queue=settings.temporal_task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
        except WorkflowAlreadyStartedError:
            continue  # the web started it after all; its first batch marks it running
        log.info("started import job %s from the sweep", job_id)
        started += 1
    return started


def _queued_jobs(engine: Engine, cutoff: datetime) -> list[tuple[str, int]]:
    with Session(engine) as session:
        return list(session.exec(select(ImportJob.id, ImportJob.total).where(
            ImportJob.status == ImportStatus.QUEUED.value, col(ImportJob.created_at) < cutoff)
            .order_by(col(ImportJob.created_at)).limit(SWEEP_LIMIT)).all())


def store_hotline_import(engine: Engine, settings: Settings, reporter: Actor, data: bytes,
                         filename: str = "") -> ImportJob:
    """The request's first half: the checked file stored as a queued job (its workflow not started yet)."""
    with Session(engine) as session:
        report = parse(session, data, settings.timezone, settings.hotline_import_max_rows)
    if report.problems:
        shown = report.problems[:PROBLEMS_SHOWN]
        lines = "; ".join(f"row {p.row} {p.column}: {p.message}".replace("row 0 : ", "") for p in shown)
        raise ServiceError(ErrorKind.BAD_INPUT, _("The file was not imported: %(problems)s", problems=lines), lines)
    job = ImportJob(id=uuid.uuid4().hex, owner_id=reporter.id, filename=filename[:200], total=len(report.records),
                    created_at=datetime.now(UTC))
    rows = [{"job_id": job.id, "row": record.row, "call_id": record.call_id, "created": False, "error": "",
             "payload": _payload(record, reporter, settings)} for record in report.records]
    with Session(engine) as session:
        session.add(job)
        session.flush()
        session.connection().execute(ImportRow.__table__.insert(), rows)  # one statement for thousands of rows
        session.commit()
        session.refresh(job)
    return job


def _payload(record: HotlineRecord, reporter: Actor, settings: Settings) -> dict:
    """The row's workflow input, built by intake's one builder; the worker fills in the ticket number."""
    request = IntakeRequest(
        Channel.HOTLINE, reporter, record.description, address=record.address, category_hint=record.category,
        street_id=record.street_id, complainant=Complainant(name=record.name, phone=record.phone),
        confidential=record.confidential, received_at=record.received_at)
    return PAYLOAD.dump_python(request.grievance("", settings), mode="json")


def _mark_failed(engine: Engine, job_id: str, reason: str) -> None:
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        job.status, job.error, job.finished_at = ImportStatus.FAILED.value, reason[:500], datetime.now(UTC)
        session.add(job)
        session.commit()


def job_view(session: Session, viewer: Actor, job_id: str) -> JobView:
    """The job with its first failures; only its owner and admins see it (others get 404, not 403)."""
    job = session.get(ImportJob, job_id)
    if job is None or (job.owner_id != viewer.id and viewer.role != Role.ADMIN):
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such import."), f"import job {job_id}")
    failures = session.exec(select(ImportRow).where(ImportRow.job_id == job_id, col(ImportRow.error) != "")
                            .order_by(col(ImportRow.row)).limit(SHOWN_FAILURES)).all()
    return JobView(job, list(failures))


def recent_jobs(session: Session, owner: Actor) -> list[ImportJob]:
    """The account's latest imports, newest first."""
    return list(session.exec(select(ImportJob).where(ImportJob.owner_id == owner.id)
                             .order_by(col(ImportJob.created_at).desc()).limit(RECENT_JOBS)).all())


def job_tickets(session: Session, job_id: str) -> dict[str, str]:
    """call id -> ticket number for the rows filed so far (now or by an earlier import)."""
    rows = session.exec(select(ImportRow.call_id, ImportRow.ticket_id)
                        .where(ImportRow.job_id == job_id, col(ImportRow.ticket_id).is_not(None))).all()
    return dict(rows)
