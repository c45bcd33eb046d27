"""One case as its viewer may see it (the row, or for an action the row a case filed a moment ago will have), its
attachments, and its timeline (the citizen's view included). Who may see it: services.tickets.can_view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import true
from sqlmodel import Session, col, select

from core.config import Settings
from core.i18n import _
from core.intake_outbox import PAYLOAD as GRIEVANCE
from core.masking import mask_name, mask_phone, mask_text
from core.messages import GrievanceState, Stage
from core.models.tickets import Intake, Ticket, TicketEvent
from core.ticket_row import ticket_fields
from core.vocabulary import CITIZEN_ACTIONS, CITIZEN_REASONS, AuditAction, Detail, ErrorKind
from services.accounts import CurrentUser, denied, may_see_personal_data
from services.errors import ServiceError
from services.tickets import can_view


def ticket_or_404(session: Session, ticket_id: str, *, filed_now: bool = False) -> Ticket:
    """The read-model row; filed_now: or, for a case just filed, the row it will have (just_filed)."""
    ticket = session.get(Ticket, ticket_id[:32])
    if ticket is None and filed_now:
        ticket = just_filed(session, ticket_id)
    if ticket is None:
        raise ServiceError(ErrorKind.NOT_FOUND,
                           _("No such ticket. A ticket filed a moment ago appears within a few seconds."))
    return ticket


def just_filed(session: Session, ticket_id: str) -> Ticket | None:
    """A case whose workflow was started a moment ago and has not written its first audit row yet, as that row
    will read (core.ticket_row), from its intake: a client that files and acts at once is not sent back with a
    404. Never stored: the worker writes the real row."""
    intake = session.exec(select(Intake).where(Intake.ticket_id == ticket_id[:32], Intake.started == true())).first()
    if intake is None:
        return None
    grievance = GRIEVANCE.validate_python(intake.payload)
    state = GrievanceState(ticket_id=grievance.ticket_id, stage=Stage.RECEIVED, intake=grievance,
                           dispatch_owner_id=grievance.dispatch_owner_id)
    return Ticket(**ticket_fields(state), updated_at=grievance.received_at)


def visible_ticket(session: Session, settings: Settings, user: CurrentUser, ticket_id: str, where: str = "", *,
                   filed_now: bool = False) -> Ticket:
    """The ticket when `user` may open it; 404 when it does not exist, a logged 403 when it is not theirs.
    filed_now: a case just filed counts too (just_filed), for an action the workflow itself waits to take."""
    ticket = ticket_or_404(session, ticket_id, filed_now=filed_now)
    if not can_view(user, ticket, settings):
        raise denied(user, where or f"ticket {ticket.id}", f"ticket {ticket.id} outside the account's cases")
    return ticket


@dataclass
class CaseView:
    """A case as one viewer may see it: personal data unmasked only for those who handle it."""

    ticket: Ticket
    state: dict
    unmasked: bool
    complainant_name: str
    complainant_phone: str
    description: str
    address: str
    attachments: list[dict]
    checkpoints: list[dict]
    pending: dict | None
    candidates: list[dict]


def case_view(user: CurrentUser | None, ticket: Ticket) -> CaseView:
    unmasked = may_see_personal_data(user, ticket.primary_unit_id)
    known = [ticket.complainant_name, ticket.complainant_phone]
    state = ticket.state or {}
    intake = state.get("intake") or {}
    return CaseView(
        ticket=ticket, state=state, unmasked=unmasked,
        complainant_name=ticket.complainant_name if unmasked else mask_name(ticket.complainant_name),
        complainant_phone=ticket.complainant_phone if unmasked else mask_phone(ticket.complainant_phone),
        description=ticket.description if unmasked else mask_text(ticket.description, known),
        address=ticket.address if unmasked else mask_text(ticket.address, known),
        attachments=intake.get("attachments") or [],
        checkpoints=state.get("checkpoints") or [],
        pending=state.get("pending"),
        candidates=((state.get("proposal") or {}).get("candidates") or [])[:3],
    )


def attachment(ticket: Ticket, sha256: str) -> dict | None:
    """The case's attachment record with this content hash, if the case has one."""
    found = ((ticket.state or {}).get("intake") or {}).get("attachments") or []
    return next((a for a in found if a.get("sha256") == sha256), None)


# ---- timelines ----


def timeline(session: Session, ticket_id: str) -> list[TicketEvent]:
    """Every audit row of the case, for staff who may open it."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.seq))
    return list(session.exec(stmt).all())


def dispatch_note(events: list[TicketEvent]) -> str:
    """The note of the latest dispatch (or hand-down to a district) that carries one: what the unit is told."""
    dispatches = (AuditAction.DISPATCHED, AuditAction.HANDED_TO_DISTRICT)
    notes = [(e.details or {}).get(Detail.NOTE) for e in events if e.action in dispatches]
    return next((note for note in reversed(notes) if note), "")


@dataclass
class CitizenStep:
    """One step of the complainant's timeline: no staff names, reasons only where they explain the case."""

    seq: int
    at: datetime
    action: str
    role: str
    unit_id: str | None
    reason: str
    stage_before: str
    stage_after: str


def citizen_timeline(session: Session, ticket_id: str) -> list[CitizenStep]:
    """The same for the tracking page and /api/v1/track: core.vocabulary.CITIZEN_ACTIONS only."""
    stmt = (select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, col(TicketEvent.action).in_(CITIZEN_ACTIONS))
            .order_by(col(TicketEvent.seq)))
    return [CitizenStep(e.seq, e.at, e.action, e.role, e.unit_id,
                        e.reason if e.action in CITIZEN_REASONS else "", e.stage_before, e.stage_after)
            for e in session.exec(stmt)]
