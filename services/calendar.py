"""After an admin publishes or edits a year of the working-day calendar, every open case with a deadline in
or after that year is told (the workflow's calendar_revised signal) and counts its deadlines still ahead
again; those whose deadlines were counted on weekends only are told too. The case records what moved."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.service import RPCError

from core.models.tickets import Ticket
from core.vocabulary import OPEN_STAGES, values
from services.platform import Platform
from workflows.grievance import GrievanceWorkflow

log = logging.getLogger("services.calendar")


def affected_cases(engine: Engine, year: int) -> list[str]:
    """Open cases with a deadline from the start of `year` on, or counted under the weekends-only fallback."""
    since = datetime.combine(date(year, 1, 1), time(0), UTC)
    ahead = or_(Ticket.accept_deadline >= since, Ticket.closure_deadline >= since, Ticket.wait_due >= since,
                Ticket.calendar_fallback == True)  # noqa: E712
    with Session(engine) as session:
        return list(session.exec(select(Ticket.id).where(col(Ticket.stage).in_(values(OPEN_STAGES)), ahead)).all())


async def recount_open_cases(platform: Platform, year: int) -> tuple[int, int]:
    """Tells every affected case; (told, not reached). A case not reached keeps its deadlines until the
    admin asks again (the calendar page offers it for a published year)."""
    ids = await asyncio.to_thread(affected_cases, platform.engine, year)
    client = await platform.temporal.get()
    failed = 0
    for ticket_id in ids:
        try:
            await client.get_workflow_handle(ticket_id).signal(GrievanceWorkflow.calendar_revised)
        except RPCError as exc:
            failed += 1
            log.warning("calendar revision not delivered to %s: %s", ticket_id, exc)
    return len(ids) - failed, failed
