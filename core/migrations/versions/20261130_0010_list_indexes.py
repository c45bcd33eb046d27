"""Indexes for the work lists at 100,000 cases: each list's WHERE and ORDER BY served by one index, so a page
reads its rows instead of sorting every open case.

Three single-column indexes become the first column of a composite one (same lookups, one index fewer to write).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# name -> columns; the replaced index each one covers, if any
NEW = {
    "ix_tickets_owner_stage_received": (["dispatch_owner_id", "stage", "received_at"], "ix_tickets_dispatch_owner_id"),
    "ix_tickets_pending_owner": (["pending_request", "dispatch_owner_id", "updated_at"], None),
    "ix_tickets_unit_stage_accept": (["primary_unit_id", "stage", "accept_deadline"], "ix_tickets_unit_stage"),
    "ix_tickets_received_id": (["received_at", "id"], "ix_tickets_received_at"),
}
REPLACED = {
    "ix_tickets_dispatch_owner_id": ["dispatch_owner_id"],
    "ix_tickets_unit_stage": ["primary_unit_id", "stage"],
    "ix_tickets_received_at": ["received_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, (columns, replaced) in NEW.items():
            batch_op.create_index(name, columns, unique=False)
            if replaced:
                batch_op.drop_index(replaced)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, columns in REPLACED.items():
            batch_op.create_index(name, columns, unique=False)
        for name in NEW:
            batch_op.drop_index(name)
