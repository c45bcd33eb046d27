"""Alembic environment: migrates the read model on the connection core.db.migrate hands over.

From the command line (`alembic revision --autogenerate -m "..."` in the repository root) it opens
DATABASE_URL, or the embedded SQLite file when that is unset, like the rest of the system.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from core.config import get_settings
    from core.db import make_engine

    engine = make_engine(get_settings().effective_database_url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
