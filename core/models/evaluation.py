"""Frozen monthly evaluations (评 / 报): one run per month and scope, one result row per unit.

Written only by the evaluation activities. A re-run for the same (period, scope) replaces the rows of the
same run in one transaction, so the frozen figures of a month are always those of its latest run.
"""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


# One frozen month for one scope ("city" or a district id): when, under which definitions, its totals.
class EvaluationRun(SQLModel, table=True):
    __tablename__ = "evaluation_runs"
    __table_args__ = (UniqueConstraint("period", "scope", name="uq_evaluation_period_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(index=True, max_length=16)  # "2026-10"
    scope: str = Field(max_length=64)  # "city" or a district's unit id
    period_start: datetime = Field(sa_type=UTCDateTime)
    period_end: datetime = Field(sa_type=UTCDateTime)
    frozen_at: datetime = Field(sa_type=UTCDateTime)  # the latest run
    runs: int = 1  # how many times the month was frozen
    definitions_version: str
    parameters: dict = Field(default_factory=dict, sa_column=Column(JSON))  # weights, minimum sample, street weight
    totals: dict = Field(default_factory=dict, sa_column=Column(JSON))  # scope totals, hot spots, map, failures
    digest: str = ""  # sha256 of the frozen figures: equal digests, equal figures


# One unit's frozen figures in one run: the integer counts, the derived rates, its rank and flags.
class UnitResult(SQLModel, table=True):
    __tablename__ = "evaluation_unit_results"
    __table_args__ = (UniqueConstraint("run_id", "unit_id", name="uq_evaluation_run_unit"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="evaluation_runs.id", index=True)
    unit_id: str = Field(index=True, max_length=64)
    unit_name: str = ""
    unit_kind: str = ""
    group: str = ""  # department | street | district | other
    dispatched: int = 0
    accepted_on_time: int = 0
    response_failures: int = 0
    closed: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    closed_on_time: int = 0
    bounce_requests: int = 0
    bounces_denied: int = 0
    bounces_approved: int = 0
    escalations: int = 0
    extension_requests: int = 0
    extensions_approved: int = 0
    extensions_denied: int = 0
    street_scores: int = 0
    street_score_total: int = 0
    sample: int = 0
    # Derived, for sorting and display; the exact values follow from the counts and the run's parameters.
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    on_time_rate: float | None = None
    street_score: float | None = None
    platform_score: float | None = None
    rank: int | None = None  # within the group; None: listed, not ranked
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    first_receiver_cases: list[str] = Field(default_factory=list, sa_column=Column(JSON))


# Figures counted live (a month not frozen, the public board's window), stored so pages read them instead of
# recounting the audit log per request; `stamp` names the state of the log they were counted from
# (core.reports.stored decides when they are still exact or recent enough).
class StoredFigures(SQLModel, table=True):
    __tablename__ = "stored_figures"

    key: str = Field(primary_key=True, max_length=96)  # "figures:2026-11:city", "snapshot:...", "board:city"
    stamp: str = Field(max_length=128)
    computed_at: datetime = Field(sa_type=UTCDateTime)  # the counting's "now"
    seconds: float = 0.0  # how long the counting took
    body: dict = Field(default_factory=dict, sa_column=Column(JSON))
