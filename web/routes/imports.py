"""Bulk hotline import pages (the operator's console): upload a call log, then watch its job's progress.

The upload is checked whole in the request and answered with a redirect to the job's page; the worker files
the rows (services.import_jobs), and the page's progress card refreshes itself (htmx) until the job ends.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.datastructures import UploadFile

from core.i18n import _
from core.messages import Role
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep
from services import import_jobs, intake
from services.accounts import actor_for
from services.errors import ServiceError
from services.platform import Platform
from web.auth import CurrentUser, require_roles
from web.routes.common import see_other
from web.templating import render

router = APIRouter()
Importer = Annotated[CurrentUser, Depends(require_roles(Role.OPERATOR, Role.ADMIN))]
UPLOAD_PATH = "/intake/imports"


def _upload_page(request: Request, session: Session, user: CurrentUser, error: str = "", status_code: int = 200):
    jobs = import_jobs.recent_jobs(session, actor_for(user))
    return render(request, "imports.html", {"jobs": jobs, "error": error, "max_rows": _max_rows(request)},
                  status_code=status_code)


def _max_rows(request: Request) -> int:
    return request.app.state.platform.settings.hotline_import_max_rows


@router.get(UPLOAD_PATH)
def import_form(request: Request, session: SessionDep, user: Importer):
    return _upload_page(request, session, user)


@router.post(UPLOAD_PATH)
async def import_upload(request: Request, platform: PlatformDep, user: Importer):
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _refused(request, platform, user, _("Choose a CSV file."))
    data = await upload.read(intake.BULK_MAX_BYTES + 1)
    try:
        job = await import_jobs.start_hotline_import(platform, actor_for(user), data, upload.filename)
    except ServiceError as exc:
        if exc.kind != ErrorKind.BAD_INPUT:
            raise
        return await _refused(request, platform, user, exc.message)
    return see_other(f"{UPLOAD_PATH}/{job.id}")


async def _refused(request: Request, platform: Platform, user: CurrentUser, error: str):
    def page():
        with Session(platform.engine) as session:
            return _upload_page(request, session, user, error, status_code=400)

    return await run_in_threadpool(page)


@router.get(UPLOAD_PATH + "/{job_id}")
def import_page(request: Request, job_id: str, session: SessionDep, user: Importer):
    return render(request, "import_job.html", {"view": import_jobs.job_view(session, actor_for(user), job_id)})


@router.get(UPLOAD_PATH + "/{job_id}/progress")
def import_progress(request: Request, job_id: str, session: SessionDep, user: Importer):
    """The self-refreshing progress card (htmx polls it until the job ends; without JS, reload the page)."""
    return render(request, "_import_progress.html", {"view": import_jobs.job_view(session, actor_for(user), job_id)})
