"""Corrections of the figures: unreasonable demands left out and units' appeals, with their decisions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.models.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("unit_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("proposed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("proposed_by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("decided_by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "kind", "unit_id", name="uq_figure_correction_appeal"),
    )
    with op.batch_alter_table("figure_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_figure_corrections_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_figure_corrections_decision", ["kind", "decision"], unique=False)


def downgrade() -> None:
    op.drop_table("figure_corrections")
