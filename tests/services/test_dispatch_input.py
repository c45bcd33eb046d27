"""A dispatch without a unit takes the item and its responsible unit from one catalog version (read once)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import Session

from core.messages import Actor, Role
from services.action_inputs import DispatchIn
from services.actions import _dispatch
from tests.utils.catalog import seed_small_catalog
from tests.utils.statements import statements_run

CENTRE = Actor(id="centre", role=Role.DISPATCHER, name="市级派单员")


def test_the_item_and_its_unit_come_from_one_reading_of_the_version(engine):
    with Session(engine) as session:
        seed_small_catalog(session)
        session.commit()
    with statements_run(engine) as statements, Session(engine) as session:
        street_case = SimpleNamespace(street_id="s-east-1")
        planned = _dispatch(DispatchIn(item_code="ST-001"), CENTRE, street_case, session)
    assert (planned.primary_unit_id, planned.item_code) == ("s-east-1", "ST-001")
    assert len([sql for sql in statements if "FROM catalog_versions" in sql]) == 1
