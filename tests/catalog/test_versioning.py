from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from core.catalog import (
    CatalogError,
    current_version,
    get_item,
    items_at,
    new_version,
    remove_item,
    replace_item,
    responsible_unit,
)
from core.demo_catalog import load_demo_catalog


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo_catalog(session)
    return session


def test_replace_item_publishes_a_new_version_and_keeps_the_old_one(demo: Session):
    old = get_item(demo, "EC-001")
    version = new_version(demo, author="admin", reason="fumes move to urban management")
    fields = old.model_dump(exclude={"id", "version_from", "version_to"})
    replace_item(demo, version, {**fields, "primary_unit_id": "urban"})

    assert current_version(demo) == version.id
    assert get_item(demo, "EC-001").primary_unit_id == "urban"
    assert get_item(demo, "EC-001", 1).primary_unit_id == "ecology"
    assert len(items_at(demo, 1)) == len(items_at(demo, version.id))


def test_removed_item_stays_readable_at_its_old_version(demo: Session):
    version = new_version(demo, author="admin", reason="item retired")
    remove_item(demo, version, "MK-020")

    assert get_item(demo, "MK-020") is None
    assert get_item(demo, "MK-020", 1) is not None
    with pytest.raises(CatalogError):
        remove_item(demo, version, "MK-020")


def test_a_future_version_is_not_current_yet(demo: Session):
    version = new_version(
        demo, author="admin", reason="next month", effective_at=datetime.now(UTC) + timedelta(days=30)
    )
    fields = get_item(demo, "UM-001").model_dump(exclude={"id", "version_from", "version_to"})
    replace_item(demo, version, {**fields, "tier": "complex"})

    assert current_version(demo) == 1
    assert get_item(demo, "UM-001").tier == "standard"
    assert get_item(demo, "UM-001", version.id).tier == "complex"


def test_responsible_unit_applies_street_list_then_territory(demo: Session):
    parking = get_item(demo, "TR-005")
    assert responsible_unit(demo, parking, None, 1)[0] == "traffic-police"
    assert responsible_unit(demo, parking, "s-west-2", 1)[0] == "traffic-police"
    primary, cooperating = responsible_unit(demo, parking, "s-east-1", 1)
    assert primary == "s-east-1" and "traffic-police" in cooperating

    # A territorial item goes to the street where the problem lies.
    disputes = get_item(demo, "SG-002")
    assert disputes.level == "street"
    assert responsible_unit(demo, disputes, "s-west-3", 1)[0] == "s-west-3"
    # A department item does not, whatever the street.
    assert responsible_unit(demo, get_item(demo, "EC-001"), "s-west-3", 1)[0] == "ecology"
