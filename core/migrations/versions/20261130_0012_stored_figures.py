"""Pages at 100,000 cases: live figures stored (stored_figures) so the board, the monthly report and the
dashboard stop recounting the audit log per request; an index that finds, counts and sorts the supervisor's
requests to rule without reading the cases.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.models.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_figures",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("stamp", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_pending_stage_updated", ["pending_request", "stage", "updated_at", "id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_pending_stage_updated")
    op.drop_table("stored_figures")
