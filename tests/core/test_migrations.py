"""The read model's schema comes from the Alembic migrations in core/migrations, and they match the models."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import core.models  # noqa: F401  (registers every table)
from core.db import BASELINE_REVISION, create_schema, make_engine, migrations_config
from core.models.routing import text_digest
from core.models.tickets import Ticket


def schema_drift(engine: Engine) -> list:
    """What autogenerate would still have to write: empty when the migrations produce the models."""
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": _built_on(conn.dialect.name)}
        return compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)


def _built_on(dialect: str):
    """An index the model builds on one dialect only (`ddl_if`) is not missing on the others."""
    def include(obj, name, type_, reflected, compare_to) -> bool:
        only = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return reflected or only is None or only == dialect
    return include


def head_revision() -> str:
    return ScriptDirectory.from_config(migrations_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ticket(ticket_id: str) -> Ticket:
    now = datetime.now(UTC)
    return Ticket(id=ticket_id, channel="web", description="路灯不亮", stage="received",
                  received_at=now, updated_at=now)


@pytest.fixture
def blank(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    yield engine
    engine.dispose()


def at_revision(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.upgrade(migrations_config(conn), revision)


def insert_ticket(engine: Engine, **values) -> None:
    """A tickets row in whatever schema the database has now, the required columns filled with blanks."""
    with engine.begin() as conn:
        table = Table("tickets", MetaData(), autoload_with=conn)
        blanks = {}
        for column in table.columns:
            if column.nullable or column.name in values:
                continue
            python_type = column.type.python_type
            blanks[column.name] = (datetime(2026, 11, 1) if python_type is datetime
                                   else python_type() if python_type in (str, int, bool) else None)
        conn.execute(table.insert().values({**blanks, **values}))


def test_migrations_build_exactly_the_models_schema(engine: Engine):
    # The shared `engine` fixture is migrated like a real database; a model changed without a
    # migration shows up here as drift.
    assert schema_drift(engine) == []
    assert current_revision(engine) == head_revision()


def test_a_second_run_changes_nothing_and_keeps_the_data(engine: Engine):
    with Session(engine) as session:
        session.add(ticket("WR-20261123-0001"))
        session.commit()

    create_schema(engine)

    with Session(engine) as session:
        assert [t.id for t in session.exec(select(Ticket))] == ["WR-20261123-0001"]
    assert current_revision(engine) == head_revision()


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_cases(blank: Engine):
    # What `make run` left in data/ before the read model had migrations: the baseline's tables made
    # by create_all, with no alembic_version table.
    at_revision(blank, BASELINE_REVISION)
    with blank.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    insert_ticket(blank, id="WR-20261101-0007", stage="closed", channel="web", description="路灯不亮")

    create_schema(blank)

    assert current_revision(blank) == head_revision()
    with Session(blank) as session:
        assert session.get(Ticket, "WR-20261101-0007") is not None
    assert schema_drift(blank) == []


def test_every_migration_steps_down_and_up_again(blank: Engine):
    create_schema(blank)
    with blank.begin() as conn:
        command.downgrade(migrations_config(conn), "base")
    assert inspect(blank).get_table_names() == ["alembic_version"]

    create_schema(blank)

    assert schema_drift(blank) == []


def test_published_cases_of_the_baseline_get_their_result_split_out(blank: Engine):
    at_revision(blank, BASELINE_REVISION)
    insert_ticket(blank, id="T-1", stage="closed", channel="web", description="x", published=True,
                  public_summary="饭店油烟，张* 138****5678\n---\n已加装净化器")
    insert_ticket(blank, id="T-2", stage="closed", channel="web", description="y", public_summary="")

    create_schema(blank)

    with Session(blank) as session:
        published, unpublished = session.get(Ticket, "T-1"), session.get(Ticket, "T-2")
    assert (published.public_summary, published.public_result) == ("饭店油烟，张* 138****5678", "已加装净化器")
    assert (unpublished.public_summary, unpublished.public_result) == ("", None)


def test_the_baseline_is_the_first_revision():
    assert ScriptDirectory.from_config(migrations_config()).get_base() == BASELINE_REVISION


def test_cases_filed_before_0013_are_found_by_their_national_phone_number(blank: Engine):
    at_revision(blank, "0012")
    insert_ticket(blank, id="T-1", stage="closed", channel="web", description="x",
                  complainant_phone="+86 138-1234-5678")
    insert_ticket(blank, id="T-2", stage="closed", channel="web", description="y", complainant_phone="")
    at_revision(blank, "0013")
    with blank.connect() as conn:
        numbers = dict(conn.execute(text("SELECT id, complainant_phone_number FROM tickets")).all())
    assert numbers == {"T-1": "13812345678", "T-2": ""}


def test_confirmations_made_before_0016_are_found_by_their_digest(blank: Engine):
    at_revision(blank, "0015")
    with blank.begin() as conn:
        conn.execute(text("INSERT INTO routing_examples (item_code, text, created_at) "
                          "VALUES ('MK-001', '超市卖过期面包', '2026-11-01 08:00:00')"))
    at_revision(blank, "0016")
    with blank.connect() as conn:
        rows = conn.execute(text("SELECT text, text_digest FROM routing_examples")).all()
    assert rows == [("超市卖过期面包", text_digest("超市卖过期面包"))]
