"""send_notice: puts a notice for a unit, a supervisor queue or a dispatcher into the notices table.

Idempotent by key. Delivery by SMS or messaging apps reads this table later (an outbox), never
from workflow code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from core.models.tickets import Notice


@dataclass
class SendNoticeInput:
    key: str
    ticket_id: str
    kind: str  # checkpoint_yellow | checkpoint_red | overdue | escalated | acceptance_overdue | ...
    audience: str  # unit | supervisor | dispatcher | citizen
    message: str
    at: datetime
    unit_id: str | None = None


class NoticeActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def send_notice(self, input: SendNoticeInput) -> None:
        with Session(self.engine) as session:
            if session.exec(select(Notice.id).where(Notice.key == input.key)).first() is not None:
                return
            session.add(
                Notice(
                    key=input.key,
                    ticket_id=input.ticket_id,
                    unit_id=input.unit_id,
                    audience=input.audience,
                    kind=input.kind,
                    message=input.message,
                    created_at=input.at,
                )
            )
            session.commit()
