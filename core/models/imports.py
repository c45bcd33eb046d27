"""Bulk imports run by the worker (a hotline call log): the job with its progress, and one row per record.

The web stores both when a file passes validation; only the import workflow's activities write them afterwards,
keyed by (job, row), so a retried batch rewrites the same rows and the counters are recounted, never added to.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class ImportStatus(StrEnum):
    QUEUED = "queued"  # stored; its workflow not started yet
    RUNNING = "running"
    DONE = "done"  # every row handled (some may have failed, each with its reason)
    FAILED = "failed"  # stopped as a whole (its workflow could not be started)


# One uploaded file: who sent it, how far its filing has come, and how it ended.
class ImportJob(SQLModel, table=True):
    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_owner_created", "owner_id", "created_at"),)

    id: str = Field(primary_key=True, max_length=32)  # also names its workflow: hotline-import-<id>
    kind: str = "hotline"
    owner_id: str = Field(max_length=64)  # the account's user name (core.messages.Actor.id)
    filename: str = ""
    status: str = ImportStatus.QUEUED.value
    total: int = 0
    done: int = 0  # rows handled: filed now, filed before, or failed
    filed: int = 0  # new tickets
    failed: int = 0
    error: str = ""  # why the whole job stopped (status failed)
    created_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# One record of a job: its workflow input (ticket number still blank) until filed, then its ticket or failure.
class ImportRow(SQLModel, table=True):
    __tablename__ = "import_rows"

    job_id: str = Field(primary_key=True, foreign_key="import_jobs.id", max_length=32)
    row: int = Field(primary_key=True)  # as a spreadsheet counts: the header is row 1
    call_id: str = Field(max_length=100)
    payload: dict = Field(sa_column=Column(JSON))  # GrievanceInput as JSON, built by services.intake
    ticket_id: str | None = Field(default=None, max_length=32)
    created: bool = False  # False with a ticket: the call was filed before (same call_id)
    error: str = ""
