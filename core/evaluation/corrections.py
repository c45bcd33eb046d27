"""Corrections the counting applies: approved exclusions (不合理诉求) and upheld appeals, as SQL clauses.

Only decisions made before the cut-off count, so a month re-counted with the same cut-off (a frozen run's
`frozen_at`) gives the same figures. Pure query building: the log itself is core.models.corrections,
its writers services.corrections.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, case, exists, not_, select
from sqlmodel import col

from core.i18n import N_
from core.models.corrections import FigureCorrection as FC
from core.vocabulary import AuditAction


class CorrectionKind(StrEnum):
    EXCLUSION = "exclusion"  # an unreasonable demand: the case leaves every figure
    RATING_APPEAL = "rating_appeal"  # the judged unit contests the case's final rating
    CRITICISM_APPEAL = "criticism_appeal"  # the unit contests a denied bounce (first-receiver failure)


class Decision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # an exclusion, by a second person
    UPHELD = "upheld"  # an appeal
    REJECTED = "rejected"


APPEALS = (CorrectionKind.RATING_APPEAL, CorrectionKind.CRITICISM_APPEAL)
# Linyi's eight kinds of unreasonable demand; a city lists the codes it uses in settings.unreasonable_reasons
# (a code not named here is shown as itself).
REASON_LABELS = {
    "outside_jurisdiction": N_("Outside the jurisdiction"),
    "litigation_or_petition": N_("Already in litigation, arbitration or petition"),
    "unlawful": N_("Demands something unlawful"),
    "secrets": N_("Involves state secrets"),
    "untrue": N_("Untrue"),
    "unreasonable": N_("Unreasonable demand"),
    "hearing_unreasonable": N_("Found unreasonable at a hearing"),
    "malicious": N_("Malicious"),
}
KIND_LABELS = {
    CorrectionKind.EXCLUSION: N_("Unreasonable demand excluded"),
    CorrectionKind.RATING_APPEAL: N_("Appeal against the rating"),
    CorrectionKind.CRITICISM_APPEAL: N_("Appeal against the first-receiver criticism"),
}
DECISION_LABELS = {
    Decision.PENDING: N_("Pending"),
    Decision.APPROVED: N_("Approved"),
    Decision.UPHELD: N_("Upheld"),
    Decision.REJECTED: N_("Rejected"),
}


def reason_codes(configured: str) -> list[str]:
    """The configured codes ("a,b,c"), in order, without blanks or repeats."""
    return list(dict.fromkeys(c.strip() for c in configured.split(",") if c.strip()))


def _decided(decided_before: datetime | None) -> tuple:
    clauses = (col(FC.decided_at).is_not(None),)
    return clauses if decided_before is None else (*clauses, col(FC.decided_at) < decided_before)


def excluded_tickets(decided_before: datetime | None = None):
    """SELECT of the tickets whose exclusion was approved before the cut-off (None: every decision so far)."""
    return select(FC.ticket_id).where(FC.kind == CorrectionKind.EXCLUSION, FC.decision == Decision.APPROVED,
                                      *_decided(decided_before))


def _upheld(event, kind: CorrectionKind, decided_before: datetime | None):
    """The event's unit won an appeal of `kind` on the event's case before the cut-off."""
    return exists().where(FC.ticket_id == event.ticket_id, FC.unit_id == event.unit_id, FC.kind == kind,
                          FC.decision == Decision.UPHELD, *_decided(decided_before))


def counted(event, decided_before: datetime | None = None):
    """Events of `event` (the table or an alias) that count: not of an excluded case, and no denied bounce
    whose criticism the unit's appeal overturned."""
    return and_(col(event.ticket_id).not_in(excluded_tickets(decided_before)),
                not_(and_(event.action == AuditAction.BOUNCE_DENIED,
                          _upheld(event, CorrectionKind.CRITICISM_APPEAL, decided_before))))


def rating_counted(event, rating, decided_before: datetime | None = None):
    """The rating expression, or "" (unrated) where the rated unit's appeal against it was upheld."""
    return case((_upheld(event, CorrectionKind.RATING_APPEAL, decided_before), ""), else_=rating)


def score_counted(event, decided_before: datetime | None = None):
    """A street's score counts unless the scored unit's appeal against the rating was upheld."""
    return not_(_upheld(event, CorrectionKind.RATING_APPEAL, decided_before))
