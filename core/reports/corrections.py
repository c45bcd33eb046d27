"""The monthly report's list of corrections: exclusions (rule, proposer, approver) and appeals with outcomes.

Read from the append-only corrections log as it stood at the cut-off (a frozen run's `frozen_at`), so a
frozen report lists the same lines whenever it is rendered. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from core import evaluation as ev
from core.evaluation.corrections import (
    DECISION_LABELS,
    KIND_LABELS,
    REASON_LABELS,
    CorrectionKind,
    Decision,
)
from core.i18n import N_, current_locale, translations
from core.models.catalog import Unit
from core.models.corrections import FigureCorrection
from core.models.tickets import TicketEvent
from core.vocabulary import AuditAction

TITLE = N_("Corrections of the figures")
HEADINGS = (N_("Correction"), N_("Ticket"), N_("Unit"), N_("Rule or evidence"), N_("Proposed by"), N_("Decision"),
            N_("Decided by"), N_("Reason for the decision"))
# The audit event whose figure each kind corrects (any counted event for an exclusion).
JUDGED_EVENT = {CorrectionKind.RATING_APPEAL: AuditAction.CLOSED,
                CorrectionKind.CRITICISM_APPEAL: AuditAction.BOUNCE_DENIED}


@dataclass
class CorrectionLine:
    kind: str
    ticket_id: str
    unit_name: str  # the appealing unit; "" for an exclusion
    reason_code: str
    text: str
    proposed_by_name: str
    decision: str  # as it stood at the cut-off: a later decision shows as pending
    decided_by_name: str
    decision_reason: str

    def cells(self, locale: str | None = None) -> list[str]:
        """The row of the report's table, in `locale` (the current one by default)."""
        text = translations(locale or current_locale()).gettext
        rule = reason_label(self.reason_code, locale) if self.reason_code else ""
        return [text(KIND_LABELS[CorrectionKind(self.kind)]), self.ticket_id, self.unit_name,
                f"{rule}: {self.text}" if rule else self.text, self.proposed_by_name,
                text(DECISION_LABELS[Decision(self.decision)]), self.decided_by_name, self.decision_reason]


def month_corrections(session: Session, period: ev.Period, scope: str, decided_before: datetime | None = None
                      ) -> list[CorrectionLine]:
    """Corrections proposed before the cut-off whose case counted in the month for a unit in scope."""
    stmt = select(FigureCorrection).order_by(FigureCorrection.proposed_at, FigureCorrection.id)
    if decided_before is not None:
        stmt = stmt.where(FigureCorrection.proposed_at < decided_before)
    rows = session.exec(stmt).all()
    counted = _counted_in_month(session, period, scope, {r.ticket_id for r in rows})
    names = dict(session.exec(select(Unit.id, Unit.name_zh)).all())
    lines = []
    for r in rows:
        event = JUDGED_EVENT.get(CorrectionKind(r.kind))
        if not any((unit_id == r.unit_id or r.unit_id is None) and (event is None or action == event)
                   for action, unit_id in counted.get(r.ticket_id, ())):
            continue
        decided = r.decided_at is not None and (decided_before is None or r.decided_at < decided_before)
        lines.append(CorrectionLine(
            kind=r.kind, ticket_id=r.ticket_id, unit_name=names.get(r.unit_id, r.unit_id or ""),
            reason_code=r.reason_code, text=r.text, proposed_by_name=r.proposed_by_name,
            decision=r.decision if decided else Decision.PENDING,
            decided_by_name=r.decided_by_name if decided else "", decision_reason=r.decision_reason if decided else ""))
    return lines


def _counted_in_month(session: Session, period: ev.Period, scope: str, tickets: set[str]
                      ) -> dict[str, set[tuple[str, str]]]:
    """Per ticket: the (action, unit) of its events counted in the period for a unit in scope."""
    found: dict[str, set[tuple[str, str]]] = {}
    if not tickets:
        return found
    units = None if scope == ev.CITY else sorted(ev.units_under(ev.unit_table(session), scope))
    for chunk in (sorted(tickets)[i:i + ev.IN_CHUNK] for i in range(0, len(tickets), ev.IN_CHUNK)):
        stmt = (select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.unit_id)
                .where(col(TicketEvent.ticket_id).in_(chunk), TicketEvent.at >= period.start,
                       TicketEvent.at < period.end, col(TicketEvent.unit_id).is_not(None)))
        if units is not None:
            stmt = stmt.where(col(TicketEvent.unit_id).in_(units))
        for ticket_id, action, unit_id in session.exec(stmt):
            found.setdefault(ticket_id, set()).add((action, unit_id))
    return found


def reason_label(code: str, locale: str | None = None) -> str:
    """A reason code's label in the locale (the current one by default); an unknown code as itself."""
    return translations(locale or current_locale()).gettext(REASON_LABELS[code]) if code in REASON_LABELS else code


def correction_table(lines: list[CorrectionLine], locale: str = "zh_Hans") -> tuple[list[str], list[list[str]]]:
    """Headings and rows in `locale`, for the CSV, XLSX and PDF reports."""
    return headings(locale), [c.cells(locale) for c in lines]


def headings(locale: str | None = None) -> list[str]:
    text = translations(locale or current_locale()).gettext
    return [text(h) for h in HEADINGS]
