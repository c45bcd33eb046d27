"""record_event: writes one audit row and the ticket's latest snapshot, idempotently.

Keyed by (ticket, seq): a retried activity finds its row and does nothing; the ticket row only
moves forward in sequence, so late or repeated writes never roll it back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from core.messages import Actor, GrievanceState, Stage
from core.models.tickets import Ticket, TicketEvent
from core.vocabulary import PENDING_REVIEW


@dataclass
class RecordEventInput:
    ticket_id: str
    seq: int
    at: datetime
    actor: Actor
    action: str
    state: GrievanceState
    reason: str = ""
    unit_id: str | None = None
    stage_before: Stage | None = None
    details: dict = field(default_factory=dict)


class ReadModelActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def record_event(self, input: RecordEventInput) -> None:
        with Session(self.engine) as session:
            exists = session.exec(
                select(TicketEvent.id).where(TicketEvent.ticket_id == input.ticket_id, TicketEvent.seq == input.seq)
            ).first()
            ticket = session.get(Ticket, input.ticket_id)
            if ticket is None:
                ticket = Ticket(**_ticket_fields(input.state), last_seq=input.seq, updated_at=input.at)
                session.add(ticket)
            elif ticket.last_seq < input.seq:
                for key, value in _ticket_fields(input.state).items():
                    setattr(ticket, key, value)
                ticket.last_seq, ticket.updated_at = input.seq, input.at
                session.add(ticket)
            if exists is None:
                session.flush()  # the ticket row first: events reference it
                session.add(
                    TicketEvent(
                        ticket_id=input.ticket_id,
                        seq=input.seq,
                        at=input.at,
                        actor_id=input.actor.id,
                        actor_name=input.actor.name,
                        role=input.actor.role.value,
                        unit_id=input.unit_id,
                        action=input.action,
                        reason=input.reason,
                        stage_before=input.stage_before.value if input.stage_before else "",
                        stage_after=input.state.stage.value,
                        details=input.details,
                    )
                )
            session.commit()


def _ticket_fields(s: GrievanceState) -> dict:
    intake = s.intake
    pending = s.pending.kind if s.pending else (PENDING_REVIEW if s.stage == Stage.REVIEW else "")
    next_cp = next((c.due for c in s.checkpoints if c.colour is None), None)
    return {
        "id": s.ticket_id,
        "stage": s.stage.value,
        "channel": intake.channel.value,
        "description": intake.description,
        "address": intake.address,
        "lat": intake.lat,
        "lng": intake.lng,
        "category_hint": intake.category_hint,
        "requested_item_code": intake.requested_item_code,
        "complainant_name": intake.complainant.name,
        "complainant_phone": intake.complainant.phone,
        "confidential": intake.confidential,
        "whistle_unit_id": intake.whistle_unit_id,
        "street_id": intake.street_id,
        "received_at": intake.received_at,
        "item_code": s.item_code,
        "item_name": s.item_name,
        "category": s.category,
        "catalog_version": s.catalog_version,
        "tier": s.clock.tier if s.clock else "",
        "dispatch_owner_id": s.dispatch_owner_id,
        "primary_unit_id": s.primary.id if s.primary else None,
        "cooperating_unit_ids": [u.id for u in s.cooperating],
        "district_id": s.district_id,
        "dispatched_at": s.dispatched_at,
        "accept_deadline": s.accept_deadline,
        "accepted_at": s.accepted_at,
        "closure_deadline": s.closure_deadline,
        "next_checkpoint_at": next_cp,
        "colour": s.colour.value,
        "overdue": s.overdue,
        "escalated": s.escalated,
        "pending_request": pending,
        "submitted_at": s.submitted_at,
        "closed_at": s.closed_at,
        "outcome": s.outcome.value if s.outcome else "",
        "rating": s.rating.value if s.rating else "",
        "rating_source": s.rating_source,
        "reopen_count": s.reopen_count,
        "calendar_fallback": s.calendar_fallback,
        "state": _jsonable(dataclasses.asdict(s)),
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
