"""JSON API for bulk hotline imports: the upload answers 202 with its job at once; the job's progress is polled.

A thin adapter over services.import_jobs: the worker files the rows (workflows.hotline_import).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel, Field

from api.auth import ApiUser
from core.messages import Role
from http_common.deps import PlatformDep, SessionDep
from services import import_jobs, intake
from services.accounts import actor_for, require_role

router = APIRouter(prefix="/api/v1", tags=["imports"])


class FailureOut(BaseModel):
    row: int
    call_id: str
    reason: str


class ImportOut(BaseModel):
    id: str
    url: str = Field(description="poll this for progress")
    status: str = Field(description="queued | running | done | failed")
    filename: str
    total: int
    done: int = Field(description="rows handled: filed now, filed before, or failed")
    filed: int
    already_filed: int
    failed: int
    percent: int
    error: str = ""
    created_at: datetime
    finished_at: datetime | None
    failures: list[FailureOut] = Field(default_factory=list, description="the first 50 failed rows")
    tickets: dict[str, str] | None = Field(None, description="call_id -> ticket number, with ?tickets=true")


def import_out(view: import_jobs.JobView, tickets: dict[str, str] | None = None) -> ImportOut:
    job = view.job
    return ImportOut(
        id=job.id, url=f"/api/v1/imports/{job.id}", status=job.status, filename=job.filename, total=job.total,
        done=job.done, filed=job.filed, already_filed=job.done - job.filed - job.failed, failed=job.failed,
        percent=view.percent, error=job.error, created_at=job.created_at, finished_at=job.finished_at,
        failures=[FailureOut(row=r.row, call_id=r.call_id, reason=r.error) for r in view.failures], tickets=tickets)


@router.post("/tickets/bulk", status_code=202, response_model=ImportOut,
             summary="Import a CSV of hotline records (checked whole now, filed in the background)")
async def import_hotline_records(
    platform: PlatformDep, user: ApiUser, response: Response,
    file: Annotated[UploadFile, File(description="UTF-8 or GBK CSV, one row per call (see README)")],
) -> ImportOut:
    require_role(user, (Role.OPERATOR, Role.ADMIN), "/api/v1/tickets/bulk")
    data = await file.read(intake.BULK_MAX_BYTES + 1)
    job = await import_jobs.start_hotline_import(platform, actor_for(user), data, file.filename or "")
    response.headers["Location"] = f"/api/v1/imports/{job.id}"
    return import_out(import_jobs.JobView(job, []))


@router.get("/imports", response_model=list[ImportOut], summary="The caller's latest imports")
def list_imports(session: SessionDep, user: ApiUser) -> list[ImportOut]:
    return [import_out(import_jobs.JobView(job, [])) for job in import_jobs.recent_jobs(session, actor_for(user))]


@router.get("/imports/{job_id}", response_model=ImportOut, summary="One import's progress")
def get_import(job_id: str, session: SessionDep, user: ApiUser, tickets: bool = False) -> ImportOut:
    view = import_jobs.job_view(session, actor_for(user), job_id)
    return import_out(view, import_jobs.job_tickets(session, job_id) if tickets else None)
