"""Acting on a case filed a moment ago (issue 19): its workflow runs, its first audit row is not written yet. The
actions take it as the row it will have, from its intake; pages still wait for the real row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter
from sqlmodel import Session, select

from core.config import Settings
from core.messages import Actor, Channel, GrievanceInput, Role
from core.models.tickets import Intake, Ticket
from core.models.users import User
from core.seed import seed_all
from core.vocabulary import ErrorKind
from services.accounts import load_user
from services.cases import visible_ticket
from services.errors import ServiceError

TICKET = "2026-1130-000777"


SETTINGS = Settings()


def user(session: Session, username: str):
    return load_user(session, session.exec(select(User).where(User.username == username)).one().id)


@pytest.fixture
def filed(engine):
    seed_all(engine)
    grievance = GrievanceInput(ticket_id=TICKET, channel=Channel.HOTLINE, description="饭店油烟扰民",
                               received_at=datetime(2026, 11, 30, 2, tzinfo=UTC),
                               reporter=Actor("operator", Role.OPERATOR, "centre"), dispatch_owner_id="centre",
                               street_id="s-east-1")
    with Session(engine) as session:
        session.add(Intake(idempotency_key="k", ticket_id=TICKET, created_at=datetime.now(UTC), started=True,
                           payload=TypeAdapter(GrievanceInput).dump_python(grievance, mode="json")))
        session.commit()
    return engine


def test_an_action_finds_a_case_filed_a_moment_ago_as_its_first_row_will_read(filed):
    with Session(filed) as session:
        ticket = visible_ticket(session, SETTINGS, user(session, "dispatcher"), TICKET, filed_now=True)
        assert (ticket.id, ticket.stage, ticket.dispatch_owner_id, ticket.street_id) == (
            TICKET, "received", "centre", "s-east-1")
        assert session.get(Ticket, TICKET) is None  # nothing stored: the worker writes the row


def test_only_who_may_see_it_and_only_for_actions(filed):
    with Session(filed) as session:
        with pytest.raises(ServiceError) as not_theirs:
            visible_ticket(session, SETTINGS, user(session, "h-market"), TICKET, filed_now=True)
        assert not_theirs.value.kind == ErrorKind.FORBIDDEN
        with pytest.raises(ServiceError) as page:
            visible_ticket(session, SETTINGS, user(session, "dispatcher"), TICKET)
        assert page.value.kind == ErrorKind.NOT_FOUND
