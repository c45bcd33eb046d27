"""The human actions' update payloads (one dataclass per action) and the answer every action gives.

Pure data, safe in the workflow sandbox; fields are only ever added with defaults, so running workflows and
stored histories keep decoding (the converter stores fields, never these module paths).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.messages import Actor, Outcome, Rating, Stage


@dataclass
class DispatchInput:
    actor: Actor
    item_code: str
    primary_unit_id: str
    cooperating_unit_ids: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class JoinInput:
    """Tickets merged into a case: their complainants follow it, are told its result and rate it."""

    ticket_ids: list[str]




@dataclass
class RejectInput:
    actor: Actor
    reason: str
    duplicate_of: str | None = None  # set: merge into that ticket instead of rejecting


@dataclass
class AcceptInput:
    actor: Actor


@dataclass
class ProgressInput:
    actor: Actor
    note: str


@dataclass
class BounceRequestInput:
    actor: Actor
    reason: str
    claimed_item_code: str  # the catalog item the unit says applies instead


@dataclass
class BounceRulingInput:
    actor: Actor
    approve: bool
    reason: str
    # On approval: where the case goes (defaults to the claimed item's primary unit).
    item_code: str | None = None
    primary_unit_id: str | None = None
    cooperating_unit_ids: list[str] = field(default_factory=list)


@dataclass
class ExtensionRequestInput:
    actor: Actor
    reason: str
    extra: str  # a duration, e.g. "3wd"


@dataclass
class RulingInput:
    """A yes or no on a request that needs nothing more (an extension, a pause)."""

    actor: Actor
    approve: bool
    reason: str


@dataclass
class PauseRequestInput:
    actor: Actor
    reason: str  # why the unit waits on the citizen: unreachable, a site visit the citizen arranges


@dataclass
class ResumeInput:
    actor: Actor
    reason: str  # e.g. the citizen was reached


@dataclass
class EscalateInput:
    actor: Actor
    reason: str


@dataclass
class ReassignInput:
    actor: Actor
    reason: str
    primary_unit_id: str
    item_code: str | None = None
    cooperating_unit_ids: list[str] = field(default_factory=list)


@dataclass
class ConsultationInput:
    actor: Actor
    reason: str
    unit_ids: list[str]  # the units in dispute


@dataclass
class ConsultationRulingInput:
    actor: Actor
    reason: str
    primary_unit_id: str
    item_code: str | None = None
    cooperating_unit_ids: list[str] = field(default_factory=list)
    propose_catalog_change: bool = False


@dataclass
class PositionInput:
    """A unit named in a consultation states its view of the dispute (它的意见); a restatement replaces it."""

    actor: Actor
    position: str


@dataclass
class SubmitResultInput:
    actor: Actor
    summary: str
    outcome: Outcome | None = None  # the unit says which; the complainant confirms "resolved" or not


@dataclass
class ReviewInput:
    actor: Actor
    approve: bool
    reason: str = ""


@dataclass
class RateInput:
    actor: Actor
    rating: Rating
    comment: str = ""
    score: int | None = None  # a whistling street's 0-100 score of the department
    resolved: bool | None = None  # the rater's answer to "was the problem solved?" (None: not answered)


@dataclass
class ReturnVisitInput:
    """A 12345 operator's call back to the complainant (回访): their answer is the case's rating."""

    actor: Actor
    reached: bool
    resolved: bool | None = None
    rating: Rating | None = None
    note: str = ""


@dataclass
class ActionResult:
    ticket_id: str
    stage: Stage
    seq: int
