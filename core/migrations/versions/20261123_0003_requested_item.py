"""The catalog item an Open311 client asked for, kept beside the one the dispatcher chose.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:23:45.336959
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing cases asked for nothing: the empty default fills them.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_item_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("requested_item_code")
