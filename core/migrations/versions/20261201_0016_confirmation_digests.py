"""Routing's "was this text confirmed for this item already?" on every dispatch read each of the item's confirmed
texts: a popular item gathers hundreds a day. Each confirmation now carries its text's digest, indexed with the
item (18.7 ms at 100,000 confirmations of one item before, growing with them).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 00:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.models.routing import text_digest

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("routing_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_digest", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index("ix_routing_examples_item_digest", ["item_code", "text_digest"], unique=False)
    _fill_digests()


def _fill_digests() -> None:
    """The confirmations made before: their digests, a batch at a time."""
    conn = op.get_bind()
    examples = sa.table("routing_examples", sa.column("id"), sa.column("text"), sa.column("text_digest"))
    after = 0
    while True:
        rows = conn.execute(sa.select(examples.c.id, examples.c.text).where(examples.c.id > after)
                            .order_by(examples.c.id).limit(BATCH)).all()
        if not rows:
            return
        digests = [{"example": row_id, "digest": text_digest(text or "")} for row_id, text in rows]
        conn.execute(examples.update().where(examples.c.id == sa.bindparam("example"))
                     .values(text_digest=sa.bindparam("digest")), digests)
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("routing_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_examples_item_digest")
        batch_op.drop_column("text_digest")
