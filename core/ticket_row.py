"""A case's read-model row from its state: what activities.read_model writes with every audit event, and what the
actions read of a case filed a moment ago whose first event is not written yet (services.tickets)."""

from __future__ import annotations

from core.messages import GrievanceState, Stage
from core.payload_types import plain
from core.phones import national_number
from core.vocabulary import PENDING_CONSULTATION, PENDING_REVIEW


def ticket_fields(s: GrievanceState) -> dict:
    """The read-model row's columns for a case in state `s` (what the workflow's latest snapshot shows)."""
    intake = s.intake
    pending = s.pending.kind if s.pending else (PENDING_REVIEW if s.stage == Stage.REVIEW else "")
    next_cp = next((c.due for c in s.checkpoints if c.colour is None), None)
    wait = min(s.waits, key=lambda w: (w.overdue, w.due), default=None)  # the open one first
    waiting = (wait.kind, wait.due, wait.overdue) if wait else ("", None, False)
    if s.stage == Stage.RETURN_VISIT:  # the centre's call back is the waiting, on its own clock
        waiting = ("return_visit", s.return_visit_deadline, False)
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
        "complainant_phone_number": national_number(intake.complainant.phone) or "",
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
        "consulted_unit_ids": list(s.pending.unit_ids) if s.pending and s.pending.kind == PENDING_CONSULTATION else [],
        "district_id": s.district_id,
        "dispatched_at": s.dispatched_at,
        "accept_deadline": s.accept_deadline,
        "accepted_at": s.accepted_at,
        "closure_deadline": s.closure_deadline,
        "next_checkpoint_at": next_cp,
        "wait_kind": waiting[0],
        "wait_due": waiting[1],
        "wait_overdue": waiting[2],
        "colour": s.colour.value,
        "overdue": s.overdue,
        "escalated": s.escalated,
        "pending_request": pending,
        "submitted_at": s.submitted_at,
        "closed_at": s.closed_at,
        "outcome": s.outcome.value if s.outcome else "",
        "rating": s.rating.value if s.rating else "",
        "rating_source": s.rating_source,
        "resolved": s.resolved,
        "return_visit_reason": s.return_visit_reason if s.stage == Stage.RETURN_VISIT else "",
        "reopen_count": s.reopen_count,
        "calendar_fallback": s.calendar_fallback,
        "state": plain(s),
    }
