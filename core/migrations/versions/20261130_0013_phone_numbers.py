"""Search by phone at 100,000 cases: each case's phone as its national number (core.phones), indexed with the
received time, so the operator's caller history and the staff search read a caller's cases newest first from the
index without reading every case.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.phones import national_number

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complainant_phone_number", sa.String(), nullable=False, server_default=""))
        batch_op.create_index("ix_tickets_phone_received", ["complainant_phone_number", "received_at", "id"],
                              unique=False)
    _fill_numbers()


def _fill_numbers() -> None:
    """The cases filed before: their numbers from the phones they were filed with, a batch at a time."""
    conn = op.get_bind()
    tickets = sa.table("tickets", sa.column("id"), sa.column("complainant_phone"),
                       sa.column("complainant_phone_number"))
    after = ""
    while True:
        rows = conn.execute(sa.select(tickets.c.id, tickets.c.complainant_phone)
                            .where(tickets.c.id > after, tickets.c.complainant_phone != "")
                            .order_by(tickets.c.id).limit(BATCH)).all()
        if not rows:
            return
        numbers = [{"ticket": ticket_id, "number": national_number(phone) or ""} for ticket_id, phone in rows]
        conn.execute(tickets.update().where(tickets.c.id == sa.bindparam("ticket"))
                     .values(complainant_phone_number=sa.bindparam("number")), numbers)
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_phone_received")
        batch_op.drop_column("complainant_phone_number")
