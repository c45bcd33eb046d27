"""Who a case waits for (a review, a ruling, a rework), until when, and whether that is overdue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.models.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing cases wait for nobody until their workflow next writes them.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("wait_due", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("wait_overdue", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_tickets_wait_due"), ["wait_due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_wait_due"))
        batch_op.drop_column("wait_overdue")
        batch_op.drop_column("wait_due")
        batch_op.drop_column("wait_kind")
