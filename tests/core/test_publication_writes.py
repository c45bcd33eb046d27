"""The public board's summary of a closed case (activities.publication.publish_case) is one UPDATE of its three
columns: loading the ticket's whole row, state included, cost more than the masking (issue 19's loop)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from activities.publication import PublicationActivities, PublishCaseInput
from core.models.tickets import Ticket
from tests.utils.statements import statements_run


def _a_closed_case(engine) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(Ticket(id="2026-1130-000042", stage="closed", channel="web", description="d", received_at=now,
                           updated_at=now, dispatch_owner_id="centre", state={"big": "x" * 1000}))
        session.commit()


def test_a_case_is_published_masked_in_one_update_without_reading_its_row(engine):
    _a_closed_case(engine)
    with statements_run(engine) as statements:
        published = PublicationActivities(engine).publish_case(PublishCaseInput(
            "2026-1130-000042", "我是李娜，电话13812345678，楼下饭店油烟大", "已督促饭店加装净化器，李娜已确认", "李娜",
            "13812345678", confidential=False))
    assert published
    assert [s.split()[0] for s in statements] == ["UPDATE"]
    with Session(engine) as session:
        ticket = session.get(Ticket, "2026-1130-000042")
    assert ticket.published and "李娜" not in ticket.public_summary + ticket.public_result
    assert "13812345678" not in ticket.public_summary


def test_a_confidential_case_is_not_published_and_an_unknown_one_is_retried(engine):
    _a_closed_case(engine)
    activities = PublicationActivities(engine)
    assert not activities.publish_case(PublishCaseInput("2026-1130-000042", "d", "r", "", "", confidential=True))
    for confidential in (True, False):
        with pytest.raises(RuntimeError, match="not in the read model yet"):
            activities.publish_case(PublishCaseInput("2026-1130-009999", "d", "r", "", "", confidential))
