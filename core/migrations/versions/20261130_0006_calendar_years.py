"""Published calendar years: a year is known only once published, and revised when a day of it changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.models.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    years = op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("revised_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    # The years seeded from chinesecalendar were complete: they stay published. A year that only has days an
    # admin entered is not, until an admin publishes it.
    seeded = op.get_bind().execute(sa.text(
        "SELECT DISTINCT day FROM calendar_days WHERE source = 'chinesecalendar'")).scalars().all()
    now = datetime.now(UTC)
    found = sorted({(d if isinstance(d, str) else d.isoformat())[:4] for d in seeded})
    op.bulk_insert(years, [{"year": int(y), "published_at": now, "published_by": "chinesecalendar", "revised_at": now}
                           for y in found])


def downgrade() -> None:
    op.drop_table("calendar_years")
