"""publish_case (宣): the public board's masked summary of a closed case; and catalog change proposals.

Masking happens here, once, so the public board never holds a complainant's name, phone or exact
house number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from core.db import write_lock
from core.masking import mask_text, typed_names
from core.models.catalog import CatalogChangeProposal
from core.models.tickets import Ticket


@dataclass
class PublishCaseInput:
    ticket_id: str
    description: str
    result_summary: str
    complainant_name: str
    complainant_phone: str
    confidential: bool


@dataclass
class ProposeCatalogChangeInput:
    source_key: str
    ticket_id: str
    reason: str
    proposed_by: str
    at: datetime
    item_code: str | None = None
    proposed_primary_unit_id: str | None = None


TICKETS = Ticket.__table__


def _must_exist(found: object, ticket_id: str) -> None:
    if not found:  # the workflow retries: its first audit row is written by a local activity before this
        raise RuntimeError(f"ticket {ticket_id} not in the read model yet")


class PublicationActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def publish_case(self, input: PublishCaseInput) -> bool:
        """True when published; confidential cases are counted in the rates but never shown."""
        # One UPDATE of three columns: loading the ticket's row (its state is large) cost more than the masking.
        if input.confidential:
            with Session(self.engine) as session:
                found = session.exec(select(TICKETS.c.id).where(TICKETS.c.id == input.ticket_id)).first()
            _must_exist(found, input.ticket_id)
            return False
        # A name the complainant typed ("我是李娜") is masked in the unit's result too.
        known = [input.complainant_name, input.complainant_phone, *typed_names(input.description)]
        published = {"public_summary": mask_text(input.description, known),
                     "public_result": mask_text(input.result_summary, known), "published": True}
        with write_lock(self.engine), Session(self.engine) as session:
            written = session.execute(update(TICKETS).where(TICKETS.c.id == input.ticket_id).values(**published))
            _must_exist(written.rowcount or None, input.ticket_id)
            session.commit()
        return True

    @activity.defn
    def propose_catalog_change(self, input: ProposeCatalogChangeInput) -> int:
        with Session(self.engine) as session:
            found = session.exec(
                select(CatalogChangeProposal).where(CatalogChangeProposal.source_key == input.source_key)
            ).first()
            if found is not None:
                return found.id
            proposal = CatalogChangeProposal(
                source_key=input.source_key,
                ticket_id=input.ticket_id,
                item_code=input.item_code,
                proposed_primary_unit_id=input.proposed_primary_unit_id,
                reason=input.reason,
                proposed_by=input.proposed_by,
                created_at=input.at,
            )
            session.add(proposal)
            session.commit()
            return proposal.id
