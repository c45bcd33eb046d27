"""Return visits (回访): why a case waits for the centre's call back, and whether the complainant confirmed it
solved (the figures count that, not the unit's own word).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing cases: nothing confirmed, no call back due, until their workflow next writes them.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_visit_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("resolved", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("resolved")
        batch_op.drop_column("return_visit_reason")
