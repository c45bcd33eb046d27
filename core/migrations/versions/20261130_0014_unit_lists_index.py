"""A unit's cases in hand at 100,000 cases: on SQLite an index holds what the inbox reads (stage, the unit lists,
the deadline and colour), so the cooperating and consulted units' JSON lists are searched in the index, not in
the rows. PostgreSQL keeps no b-tree order of json: there the model leaves it out (`ddl_if`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ["stage", "primary_unit_id", "cooperating_unit_ids", "consulted_unit_ids", "whistle_unit_id",
           "closure_deadline", "colour", "id"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_tickets_stage_units", "tickets", COLUMNS, unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_tickets_stage_units", table_name="tickets")
