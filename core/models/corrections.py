"""Corrections of the figures: unreasonable demands (不合理诉求) left out, and units' appeals of a rating or a
criticism. The figures' own log, apart from ticket_events (which only the case's workflow writes).

Append-only: a proposal or appeal is a new row; its decision fills the decision columns once; nothing is
deleted. Counting applies only decisions made before its cut-off (core.evaluation.corrections).
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


# One proposed exclusion or one appeal, and the decision on it (decided_* empty while pending).
class FigureCorrection(SQLModel, table=True):
    __tablename__ = "figure_corrections"
    __table_args__ = (
        # One appeal per case, kind and unit; exclusions have no unit (NULLs never collide), so a rejected
        # proposal may be followed by another.
        UniqueConstraint("ticket_id", "kind", "unit_id", name="uq_figure_correction_appeal"),
        Index("ix_figure_corrections_decision", "kind", "decision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="tickets.id", index=True, max_length=32)
    kind: str = Field(max_length=32)  # exclusion | rating_appeal | criticism_appeal
    reason_code: str = Field(default="", max_length=64)  # exclusions: one of settings.unreasonable_reasons
    text: str = Field(default="", sa_column=Column(Text, nullable=False))  # the reason, or the appeal's evidence
    unit_id: str | None = Field(default=None, max_length=64)  # the appealing (judged) unit
    proposed_by: str = Field(max_length=64)  # user name
    proposed_by_name: str = ""
    proposed_at: datetime = Field(sa_type=UTCDateTime)
    decision: str = Field(default="pending", max_length=16)  # pending | approved | upheld | rejected
    decided_by: str = Field(default="", max_length=64)
    decided_by_name: str = ""
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
