"""A unit's district and street come from its chain of units, read in one query: every signed-in request and
every dispatch reads them (issue 19), and walking up one unit per query cost a query per level."""

from __future__ import annotations

from sqlmodel import Session

from core import catalog
from core.models.catalog import Unit
from tests.utils.catalog import seed_small_catalog
from tests.utils.statements import statements_run


def test_a_units_district_and_street_come_from_one_query(engine):
    with Session(engine) as session:
        seed_small_catalog(session)
    with statements_run(engine) as statements, Session(engine) as session:
        chain = catalog.chain_of(session, "c-east-1")
    assert len(statements) == 1
    assert [unit_id for unit_id, _ in chain] == ["c-east-1", "s-east-1", "d-east", "city"]
    assert catalog.nearest_of_kind(chain, catalog.STREET_KINDS) == "s-east-1"
    assert catalog.nearest_of_kind(chain, catalog.DISTRICT_KINDS) == "d-east"
    with Session(engine) as session:
        assert catalog.district_of(session, "dept-market") is None  # a city department has no district
        assert catalog.street_of(session, "d-east-urban") is None
        assert catalog.district_of(session, "d-east-urban") == "d-east"
        assert catalog.chain_of(session, None) == [] and catalog.chain_of(session, "nobody") == []


def test_the_chains_statement_is_built_once_not_per_request(engine, monkeypatch):
    # Building the recursive CTE took about 1 ms, twenty times what running it takes.
    with Session(engine) as session:
        seed_small_catalog(session)
    monkeypatch.setattr(catalog, "select", None)  # any statement built now would fail
    with Session(engine) as session:
        assert [unit_id for unit_id, _ in catalog.chain_of(session, "s-east-1")] == ["s-east-1", "d-east", "city"]


def test_a_cycle_in_the_unit_tree_ends_the_chain(engine):
    with Session(engine) as session:
        session.add(Unit(id="a", name_zh="甲", kind="department"))
        session.add(Unit(id="b", name_zh="乙", kind="department", parent_id="a"))
        session.commit()
        session.get(Unit, "a").parent_id = "b"
        session.commit()
        chain = catalog.chain_of(session, "a")
    assert len(chain) == catalog.MAX_DEPTH + 1 and catalog.nearest_of_kind(chain, catalog.DISTRICT_KINDS) is None
