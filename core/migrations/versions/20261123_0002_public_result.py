"""The published result gets its own column instead of being glued to the grievance with "---".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:15:20.648371
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEPARATOR = "\n---\n"  # how 0001-era publication joined the masked grievance and result
tickets = sa.table("tickets", sa.column("id", sa.String), sa.column("public_summary", sa.Text),
                   sa.column("public_result", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_result", sa.Text(), nullable=True))

    conn = op.get_bind()
    published = conn.execute(sa.select(tickets.c.id, tickets.c.public_summary)
                             .where(tickets.c.public_summary.contains(SEPARATOR))).all()
    for ticket_id, summary in published:
        grievance, result = summary.split(SEPARATOR, 1)
        conn.execute(tickets.update().where(tickets.c.id == ticket_id)
                     .values(public_summary=grievance, public_result=result))


def downgrade() -> None:
    conn = op.get_bind()
    published = conn.execute(sa.select(tickets.c.id, tickets.c.public_summary, tickets.c.public_result)
                             .where(tickets.c.public_result != "")).all()
    for ticket_id, grievance, result in published:
        conn.execute(tickets.update().where(tickets.c.id == ticket_id)
                     .values(public_summary=grievance + SEPARATOR + result))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("public_result")
