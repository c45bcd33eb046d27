"""Grievance read model: one row per ticket, an append-only audit log, the intake outbox, notices.

Written only by activities (idempotently: events keyed by ticket and sequence and fenced by the
workflow task that wrote them, see activities.read_model) and read by lists, dashboards, rates and
publication.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


# The latest known state of one grievance, as the workflow last reported it.
class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_stage_deadline", "stage", "closure_deadline"),
        # The work lists' WHERE + ORDER BY (migration 0010): dispatch queue, bounce and ruling requests,
        # a unit's new cases, Open311's newest-first pages.
        Index("ix_tickets_owner_stage_received", "dispatch_owner_id", "stage", "received_at"),
        Index("ix_tickets_pending_owner", "pending_request", "dispatch_owner_id", "updated_at"),
        Index("ix_tickets_unit_stage_accept", "primary_unit_id", "stage", "accept_deadline"),
        Index("ix_tickets_received_id", "received_at", "id"),
        # the supervisor's requests to rule, oldest first: found, counted and sorted in the index (0012)
        Index("ix_tickets_pending_stage_updated", "pending_request", "stage", "updated_at", "id"),
        # a caller's cases, newest first, straight from the index (search, the hotline's caller history; 0013)
        Index("ix_tickets_phone_received", "complainant_phone_number", "received_at", "id"),
        # A unit's cases in hand, found and counted in the index alone on SQLite: the JSON lists of cooperating
        # and consulted units are searched there, not in the large rows (0014). PostgreSQL keeps no b-tree order
        # of json, so there the list is a scan of the open cases.
        Index("ix_tickets_stage_units", "stage", "primary_unit_id", "cooperating_unit_ids", "consulted_unit_ids",
              "whistle_unit_id", "closure_deadline", "colour", "id").ddl_if(dialect="sqlite"),
        # A text search newest first on SQLite: the texts it reads are in the index, so a word found nowhere
        # walks the index, not the large rows (0015; 136 -> 22 ms at 100,000 cases). PostgreSQL: pg_trgm's job.
        Index("ix_tickets_text_search", "received_at", "id", "description", "address", "complainant_name")
        .ddl_if(dialect="sqlite"),
    )

    id: str = Field(primary_key=True, max_length=32)  # ticket number = workflow id
    last_seq: int = 0
    # The workflow task that last wrote this case (its history length): a write from an older,
    # superseded task (a frozen worker waking up) is stale and ignored.
    audit_fence: int = 0
    stage: str = Field(index=True)
    channel: str = Field(index=True)
    description: str = Field(sa_column=Column(Text))
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    category_hint: str = ""
    requested_item_code: str = ""  # asked for by an Open311 client; item_code is what the dispatcher chose
    complainant_name: str = ""
    complainant_phone: str = ""
    complainant_phone_number: str = ""  # core.phones.national_number: a caller's cases, found by search
    confidential: bool = False
    whistle_unit_id: str | None = Field(default=None, index=True)  # the street / grid that whistled
    item_code: str | None = Field(default=None, index=True)
    item_name: str = ""
    category: str = ""
    catalog_version: int | None = None
    tier: str = ""
    dispatch_owner_id: str | None = None  # who dispatches it now (indexed with stage: the dispatch queue)
    primary_unit_id: str | None = Field(default=None, index=True)
    cooperating_unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # The units an open consultation (会商) names: they may open the case to state their position.
    consulted_unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    district_id: str | None = Field(default=None, index=True)
    street_id: str | None = Field(default=None, index=True)
    received_at: datetime = Field(sa_type=UTCDateTime)  # indexed with id: ix_tickets_received_id
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accept_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closure_deadline: datetime | None = Field(default=None, index=True, sa_type=UTCDateTime)
    next_checkpoint_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wait_kind: str = ""  # who the case waits for now (review, bounce, extension, consultation, rework)
    wait_due: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    wait_overdue: bool = False
    colour: str = "green"
    overdue: bool = Field(default=False, index=True)
    escalated: bool = Field(default=False, index=True)
    pending_request: str = ""  # bounce | extension | consultation | review
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, index=True, sa_type=UTCDateTime)
    outcome: str = ""  # resolved | explained | rejected | merged
    rating: str = ""
    rating_source: str = ""  # citizen | street | dispatcher | timeout | return_visit
    resolved: bool | None = None  # the complainant confirmed it solved (True) or not (False); None: unconfirmed
    return_visit_reason: str = ""  # why it waits for the centre's call back: dissatisfied, unrated, ...
    reopen_count: int = 0
    calendar_fallback: bool = False
    published: bool = False
    # What the public board shows once published: the grievance and its result, personal data masked.
    public_summary: str = Field(default="", sa_column=Column(Text))
    public_result: str = Field(default="", sa_column=Column(Text))
    state: dict = Field(default_factory=dict, sa_column=Column(JSON))  # the workflow's full snapshot
    updated_at: datetime = Field(sa_type=UTCDateTime)


# One attributable action on a ticket (who, role, what, why, when, state before/after).
class TicketEvent(SQLModel, table=True):
    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq", name="uq_ticket_event_seq"),
        Index("ix_events_action_at", "action", "at"),
        Index("ix_events_unit_action", "unit_id", "action"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="tickets.id", index=True)
    seq: int
    fence: int = 0  # the writing workflow task (see Ticket.audit_fence): a newer task's row replaces it
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: str = ""
    actor_name: str = ""
    role: str = ""
    unit_id: str | None = None  # the unit the action is counted for (e.g. the unit that bounced)
    action: str
    reason: str = Field(default="", sa_column=Column(Text))
    stage_before: str = ""
    stage_after: str = ""
    details: dict = Field(default_factory=dict, sa_column=Column(JSON))


# The intake outbox: an accepted submission, kept until its workflow has surely started.
class Intake(SQLModel, table=True):
    __tablename__ = "intakes"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    ticket_id: str = Field(unique=True, max_length=32)
    payload: dict = Field(sa_column=Column(JSON))
    created_at: datetime = Field(sa_type=UTCDateTime)
    started: bool = Field(default=False, index=True)


# Per-day ticket counter behind readable ticket numbers (2026-1122-000123).
class TicketCounter(SQLModel, table=True):
    __tablename__ = "ticket_counters"

    day: date = Field(primary_key=True)
    last: int = 0


# A notice to a unit or supervisor (checkpoint warnings, escalations), idempotent by key.
class Notice(SQLModel, table=True):
    __tablename__ = "notices"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    ticket_id: str = Field(index=True)
    unit_id: str | None = Field(default=None, index=True)
    audience: str = ""  # unit | supervisor | citizen | dispatcher
    kind: str
    message: str = Field(sa_column=Column(Text))
    created_at: datetime = Field(sa_type=UTCDateTime)
    read: bool = False
