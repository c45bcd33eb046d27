"""Corrections of the figures: a supervisor proposes leaving an unreasonable demand out and a second person
approves; the judged unit appeals a rating or a criticism once and a supervisor rules.

Writes only the append-only figure_corrections log (never ticket_events, which is the workflows' own);
counting applies the decisions (core.evaluation.corrections). Every refusal is a translated ServiceError.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.config import Settings
from core.evaluation.corrections import (
    APPEALS,
    DECISION_LABELS,
    KIND_LABELS,
    CorrectionKind,
    Decision,
    reason_codes,
)
from core.i18n import _
from core.messages import Role
from core.models.corrections import FigureCorrection
from core.models.tickets import Ticket, TicketEvent
from core.reports.corrections import reason_label
from core.vocabulary import AuditAction, Detail, ErrorKind
from services.accounts import CurrentUser, denied
from services.cases import ticket_or_404
from services.errors import ServiceError

log = logging.getLogger("services.corrections")
MAX_TEXT = 4000
DECIDERS = {CorrectionKind.EXCLUSION: (Role.SUPERVISOR, Role.ADMIN),  # a second person: never the proposer
            CorrectionKind.RATING_APPEAL: (Role.SUPERVISOR,), CorrectionKind.CRITICISM_APPEAL: (Role.SUPERVISOR,)}
OUTCOMES = {CorrectionKind.EXCLUSION: Decision.APPROVED, CorrectionKind.RATING_APPEAL: Decision.UPHELD,
            CorrectionKind.CRITICISM_APPEAL: Decision.UPHELD}
APPELLANTS = (Role.HANDLER, Role.STREET)


@dataclass
class CorrectionView:
    row: FigureCorrection
    may_decide: bool

    @property
    def kind_label(self) -> str:
        return _(KIND_LABELS[CorrectionKind(self.row.kind)])

    @property
    def decision_label(self) -> str:
        return _(DECISION_LABELS[Decision(self.row.decision)])

    @property
    def reason_label(self) -> str:
        return reason_label(self.row.reason_code) if self.row.reason_code else ""

    @property
    def is_appeal(self) -> bool:
        return self.row.kind in APPEALS


@dataclass
class Panel:
    """What the case page shows of its corrections, and which forms this user gets."""

    rows: list[CorrectionView] = field(default_factory=list)
    may_propose: bool = False
    appeals: list[str] = field(default_factory=list)  # the kinds this user's unit may still appeal
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (code, label)


def reasons(settings: Settings) -> list[tuple[str, str]]:
    return [(code, reason_label(code)) for code in reason_codes(settings.unreasonable_reasons)]


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(ErrorKind.MISSING_REASON, _("Give %(what)s.", what=what))
    if len(value) > MAX_TEXT:
        raise ServiceError(ErrorKind.BAD_INPUT, _("A field is too long (at most %(max)s characters).", max=MAX_TEXT))
    return value


def _in_area(user: CurrentUser, ticket: Ticket) -> bool:
    """A city-level supervisor or admin acts on every case; a district's only on its district's."""
    return user.is_city_level or ticket.district_id == user.district_id


def _exclusion_open(session: Session, ticket_id: str) -> bool:
    """An exclusion of the case is pending or approved."""
    return session.exec(select(FigureCorrection.id).where(
        FigureCorrection.ticket_id == ticket_id, FigureCorrection.kind == CorrectionKind.EXCLUSION,
        col(FigureCorrection.decision).in_((Decision.PENDING, Decision.APPROVED)))).first() is not None


def may_propose(session: Session, user: CurrentUser, ticket: Ticket) -> bool:
    return user.role == Role.SUPERVISOR and _in_area(user, ticket) and not _exclusion_open(session, ticket.id)


def propose_exclusion(session: Session, settings: Settings, user: CurrentUser, ticket_id: str, reason_code: str,
                      text: str) -> FigureCorrection:
    """A supervisor of the case's area proposes leaving the case out of the figures; it waits for approval."""
    ticket = ticket_or_404(session, ticket_id)
    if user.role != Role.SUPERVISOR or not _in_area(user, ticket):
        raise denied(user, f"ticket {ticket.id} exclusion", "not a supervisor of the case's area",
                     _("Only a supervisor of the case's area may propose leaving it out of the figures."))
    if reason_code not in reason_codes(settings.unreasonable_reasons):
        raise ServiceError(ErrorKind.BAD_INPUT, _("Choose one of the listed reasons."), f"reason {reason_code!r}")
    if _exclusion_open(session, ticket.id):
        raise ServiceError(ErrorKind.WRONG_STATE, _("This case is already proposed or approved for exclusion."))
    row = FigureCorrection(ticket_id=ticket.id, kind=CorrectionKind.EXCLUSION, reason_code=reason_code,
                           text=_text(text, _("the facts behind the reason")), unit_id=None)
    return _store(session, user, row)


def appealable(session: Session, user: CurrentUser, ticket_id: str) -> list[str]:
    """The kinds the user's unit may still appeal on this case: it is the judged unit and has not appealed."""
    if user.role not in APPELLANTS or not user.unit_id:
        return []
    judged = []
    closed = session.exec(select(TicketEvent.unit_id, TicketEvent.details).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.action == AuditAction.CLOSED)
        .order_by(col(TicketEvent.seq).desc())).first()
    if closed is not None and closed[0] == user.unit_id and (closed[1] or {}).get(Detail.RATING):
        judged.append(CorrectionKind.RATING_APPEAL)
    if session.exec(select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.action == AuditAction.BOUNCE_DENIED,
            TicketEvent.unit_id == user.unit_id)).first() is not None:
        judged.append(CorrectionKind.CRITICISM_APPEAL)
    done = set(session.exec(select(FigureCorrection.kind).where(
        FigureCorrection.ticket_id == ticket_id, FigureCorrection.unit_id == user.unit_id)).all())
    return [k.value for k in judged if k not in done]


def appeal(session: Session, user: CurrentUser, ticket_id: str, kind: str, evidence: str) -> FigureCorrection:
    """The judged unit appeals the case's final rating or its first-receiver criticism, once, with evidence."""
    ticket = ticket_or_404(session, ticket_id)
    if kind not in APPEALS:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Appeal a rating or a criticism."), f"kind {kind!r}")
    if session.exec(select(FigureCorrection.id).where(
            FigureCorrection.ticket_id == ticket.id, FigureCorrection.kind == kind,
            FigureCorrection.unit_id == user.unit_id)).first() is not None:
        raise ServiceError(ErrorKind.WRONG_STATE, _("Your unit has already appealed this on this case."))
    if kind not in appealable(session, user, ticket.id):
        raise denied(user, f"ticket {ticket.id} appeal", f"{kind}: not the judged unit",
                     _("Only the unit that was judged on this case may appeal it."))
    row = FigureCorrection(ticket_id=ticket.id, kind=kind, text=_text(evidence, _("your evidence")),
                           unit_id=user.unit_id)
    return _store(session, user, row)


def _store(session: Session, user: CurrentUser, row: FigureCorrection) -> FigureCorrection:
    row.proposed_by, row.proposed_by_name, row.proposed_at = user.username, user.display_name, datetime.now(UTC)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same appeal sent twice at once: the unique key keeps one
        session.rollback()
        raise ServiceError(ErrorKind.WRONG_STATE, _("Your unit has already appealed this on this case.")) from None
    session.refresh(row)
    log.info("figure correction %s: %s on %s by %s (%s)", row.id, row.kind, row.ticket_id, user.username,
             row.reason_code or row.unit_id)
    return row


def may_decide(user: CurrentUser, row: FigureCorrection, ticket: Ticket) -> bool:
    return row.decision == Decision.PENDING and _may_not_decide(user, row, ticket) is None


def _may_not_decide(user: CurrentUser, row: FigureCorrection, ticket: Ticket) -> tuple[str, str] | None:
    """(what the log says, what the user reads) when `user` may not decide on `row`; None when they may."""
    if user.username == row.proposed_by:
        return "own proposal", _("A second person decides: you cannot decide on your own proposal or appeal.")
    if user.role not in DECIDERS[CorrectionKind(row.kind)] or not _in_area(user, ticket):
        return (f"role {user.role.value} may not decide {row.kind}",
                _("Only a supervisor of the case's area may decide this."))
    return None


def decide(session: Session, user: CurrentUser, correction_id: int, approve: bool, reason: str
           ) -> FigureCorrection:
    """Approve or reject an exclusion (a second person), or uphold or reject an appeal (a supervisor); once."""
    row = session.get(FigureCorrection, correction_id)
    if row is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such correction."))
    ticket = ticket_or_404(session, row.ticket_id)
    if refusal := _may_not_decide(user, row, ticket):
        raise denied(user, f"correction {row.id}", *refusal)
    decision = OUTCOMES[CorrectionKind(row.kind)] if approve else Decision.REJECTED
    filled = session.exec(
        update(FigureCorrection)
        .where(FigureCorrection.id == row.id, FigureCorrection.decision == Decision.PENDING)
        .values(decision=decision, decided_by=user.username, decided_by_name=user.display_name,
                decided_at=datetime.now(UTC), decision_reason=_text(reason, _("a reason for the decision"))))
    if filled.rowcount != 1:  # decided meanwhile by someone else: the first decision stands
        session.rollback()
        raise ServiceError(ErrorKind.WRONG_STATE, _("This has already been decided."))
    session.commit()
    session.refresh(row)
    log.info("figure correction %s on %s: %s by %s", row.id, row.ticket_id, decision, user.username)
    return row


def panel(session: Session, settings: Settings, user: CurrentUser, ticket: Ticket) -> Panel:
    rows = session.exec(select(FigureCorrection).where(FigureCorrection.ticket_id == ticket.id)
                        .order_by(FigureCorrection.proposed_at, FigureCorrection.id)).all()
    proposing = may_propose(session, user, ticket)
    return Panel(rows=[CorrectionView(r, may_decide(user, r, ticket)) for r in rows], may_propose=proposing,
                 appeals=appealable(session, user, ticket.id), reasons=reasons(settings) if proposing else [])


def pending(session: Session, user: CurrentUser) -> list[CorrectionView]:
    """Pending corrections of the cases in the user's area, oldest first, each with whether they may decide."""
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise denied(user, "/corrections", f"role {user.role.value}")
    stmt = (select(FigureCorrection, Ticket).join(Ticket, Ticket.id == FigureCorrection.ticket_id)
            .where(FigureCorrection.decision == Decision.PENDING)
            .order_by(FigureCorrection.proposed_at, FigureCorrection.id))
    if not user.is_city_level:
        stmt = stmt.where(Ticket.district_id == user.district_id)
    return [CorrectionView(row, may_decide(user, row, ticket)) for row, ticket in session.exec(stmt).all()]
