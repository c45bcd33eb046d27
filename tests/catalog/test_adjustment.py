from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from core.catalog import (
    CatalogError,
    accept_proposal,
    adjustment_candidates,
    current_version,
    get_item,
    reject_proposal,
)
from core.demo_catalog import load_demo_catalog
from core.models.catalog import CatalogChangeProposal
from core.models.tickets import Ticket, TicketEvent

NOW = datetime.now(UTC)


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo_catalog(session)
    return session


class Log:
    """Synthetic tickets and audit events, as the workflow's activities would write them."""

    def __init__(self, session: Session):
        self.session = session
        self.n = 0

    def ticket(self, item_code: str | None, *events: tuple[str, dict], at: datetime = NOW) -> None:
        self.n += 1
        ticket_id = f"2026-1123-{self.n:06d}"
        self.session.add(
            Ticket(
                id=ticket_id,
                stage="closed",
                channel="hotline",
                description="test",
                item_code=item_code,
                received_at=at,
                updated_at=at,
            )
        )
        self.session.flush()
        for seq, (action, details) in enumerate(events, start=1):
            self.session.add(TicketEvent(ticket_id=ticket_id, seq=seq, at=at, action=action, details=details))
        self.session.flush()


def bounce() -> tuple[str, dict]:
    return ("bounce_requested", {})


def rated(rating: str, action: str = "rated") -> tuple[str, dict]:
    return (action, {"rating": rating})


def test_adjustment_candidates_flag_bounces_low_satisfaction_and_disputes(demo: Session):
    log = Log(demo)
    for _ in range(3):
        log.ticket("EC-001", bounce(), rated("dissatisfied"))
    log.ticket("EC-001", rated("satisfied"))
    log.ticket("EC-001", rated("basically_satisfied", "rating_timeout"))
    for _ in range(2):
        log.ticket("TR-005", ("consultation_opened", {}), rated("satisfied"))
    for _ in range(6):
        log.ticket("UM-001", rated("satisfied"))
    log.ticket("MK-001", bounce(), bounce())  # two bounces: under the threshold
    log.ticket("HS-001", *[bounce()] * 5, at=NOW - timedelta(days=60))  # before the window
    log.ticket(None, bounce(), bounce(), bounce())  # never routed: not an item's problem

    result = adjustment_candidates(demo, since=NOW - timedelta(days=30))

    assert [r["item_code"] for r in result] == ["EC-001", "TR-005"]
    fumes, parking = result
    assert fumes == {
        "item_code": "EC-001",
        "item_name": "餐饮油烟污染",
        "bounce_requests": 3,
        "consultations": 0,
        "rated": 5,
        "satisfied_share": 0.4,
        "reasons": ["bounces", "satisfaction"],
    }
    assert parking["reasons"] == ["consultations"] and parking["satisfied_share"] == 1.0


def test_adjustment_thresholds_are_parameters(demo: Session):
    log = Log(demo)
    log.ticket("MK-001", bounce(), rated("dissatisfied"))
    since = NOW - timedelta(days=1)

    assert adjustment_candidates(demo, since=since) == []
    [row] = adjustment_candidates(demo, since=since, min_bounces=1, min_rated=1)
    assert row["reasons"] == ["bounces", "satisfaction"] and row["satisfied_share"] == 0.0


def proposal(session: Session, **fields) -> CatalogChangeProposal:
    row = CatalogChangeProposal(
        source_key=fields.pop("source_key", "2026-1123-000001:7"),
        reason=fields.pop("reason", "consultation ruled fumes belong to urban management"),
        proposed_by="supervisor-1",
        created_at=NOW,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def test_accept_proposal_publishes_the_new_primary_unit(demo: Session):
    row = proposal(demo, ticket_id="2026-1123-000001", item_code="EC-001", proposed_primary_unit_id="urban")

    version = accept_proposal(demo, row.id, admin="admin-1")

    assert current_version(demo) == version.id == 2
    assert version.author == "admin-1" and "urban management" in version.reason
    item = get_item(demo, "EC-001")
    assert item.primary_unit_id == "urban" and "urban" not in item.cooperating_unit_ids
    assert get_item(demo, "EC-001", 1).primary_unit_id == "ecology"
    assert (row.status, row.decided_by) == ("accepted", "admin-1") and row.decided_at is not None
    with pytest.raises(CatalogError):
        accept_proposal(demo, row.id, admin="admin-1")


def test_reject_proposal_changes_no_catalog(demo: Session):
    row = proposal(demo, item_code="EC-001", proposed_primary_unit_id="urban")

    reject_proposal(demo, row.id, admin="admin-1")

    assert row.status == "rejected" and row.decided_by == "admin-1"
    assert current_version(demo) == 1
    with pytest.raises(CatalogError):
        accept_proposal(demo, row.id, admin="admin-1")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"item_code": "EC-001"},
        {"item_code": "XX-1", "proposed_primary_unit_id": "urban"},
        {"item_code": "EC-001", "proposed_primary_unit_id": "nobody"},
    ],
)
def test_accept_proposal_needs_a_real_item_and_unit(demo: Session, fields: dict):
    row = proposal(demo, **fields)
    with pytest.raises(CatalogError):
        accept_proposal(demo, row.id, admin="admin-1")
    assert row.status == "open" and current_version(demo) == 1
