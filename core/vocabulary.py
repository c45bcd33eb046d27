"""The platform's shared words: stage groups, audit actions and their detail keys, error kinds, unit kinds.

The workflow writes these, the read model stores them, evaluation, reports, Open311 and the console
read them: every layer names them from here, never as string literals. Pure data: safe in the sandbox.
"""

from __future__ import annotations

from enum import StrEnum

from core.messages import Stage

# ---- stage groups ----

CLOCKED_STAGES = (Stage.RECEIVED, Stage.DISPATCHED, Stage.IN_PROGRESS, Stage.REVIEW)  # a clock runs on the case
FINAL_STAGES = (Stage.CLOSED, Stage.REJECTED, Stage.MERGED)  # the workflow is done
OPEN_STAGES = (*CLOCKED_STAGES, Stage.RATING, Stage.RETURN_VISIT)  # not final: Open311's "open"
WORKING_STAGES = (Stage.IN_PROGRESS, Stage.REVIEW, Stage.RATING, Stage.RETURN_VISIT)  # accepted, not yet closed
SUBMITTED_STAGES = (Stage.REVIEW, Stage.RATING, Stage.RETURN_VISIT, Stage.CLOSED)  # the unit delivered a result


def values(stages: tuple[Stage, ...]) -> tuple[str, ...]:
    """The stored strings of a group, for SQL `IN (...)`."""
    return tuple(s.value for s in stages)


# ---- the audit log ----


class AuditAction(StrEnum):
    """Every transition the workflow records (ticket_events.action)."""

    RECEIVED = "received"
    ROUTED = "routed"
    DISPATCHED = "dispatched"
    HANDED_TO_DISTRICT = "handed_to_district"
    MERGED = "merged"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    PROGRESS = "progress"
    BOUNCE_REQUESTED = "bounce_requested"
    BOUNCE_DENIED = "bounce_denied"
    BOUNCE_APPROVED = "bounce_approved"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_DENIED = "extension_denied"
    EXTENSION_APPROVED = "extension_approved"
    ESCALATED = "escalated"
    REASSIGNED = "reassigned"
    CONSULTATION_OPENED = "consultation_opened"
    CONSULTATION_RULED = "consultation_ruled"
    POSITION_STATED = "position_stated"  # a unit named in a consultation stated its view (event's unit_id)
    RESULT_SUBMITTED = "result_submitted"
    REVIEW_APPROVED = "review_approved"
    REVIEW_RETURNED = "review_returned"
    RATED = "rated"
    REOPENED = "reopened"
    CLOSED = "closed"
    PUBLISHED = "published"
    KEPT_CONFIDENTIAL = "kept_confidential"
    ACCEPTANCE_OVERDUE = "acceptance_overdue"
    CHECKPOINT = "checkpoint"
    RATING_TIMEOUT = "rating_timeout"
    WAIT_OVERDUE = "wait_overdue"  # a party the case waited for (reviewer, ruling, rework) passed its limit
    PAUSE_REQUESTED = "pause_requested"  # the unit waits on the citizen (unreachable, a visit they arrange)
    PAUSE_APPROVED = "pause_approved"
    PAUSE_DENIED = "pause_denied"
    RESUMED = "resumed"
    CLOCKS_RECOUNTED = "clocks_recounted"  # an admin revised the calendar: the case's future deadlines moved
    RETURN_VISIT_DUE = "return_visit_due"  # the case waits for the centre to call the complainant back
    RETURN_VISITED = "return_visited"  # the operator's call: reached or not, resolved, the rating
    RETURN_VISIT_MISSED = "return_visit_missed"  # nobody called within the window: closed unconfirmed
    COMPLAINANT_JOINED = "complainant_joined"  # a duplicate was merged in: one more complainant follows the case


class Detail(StrEnum):
    """Keys of ticket_events.details that evaluation and the pages read."""

    CHANNEL = "channel"
    PROPOSED = "proposed"
    CONFIDENCE = "confidence"
    ITEM_CODE = "item_code"
    PRIMARY = "primary"
    COOPERATING = "cooperating"
    NOTE = "note"
    INTO = "into"
    ON_TIME = "on_time"
    CLAIMED_ITEM_CODE = "claimed_item_code"
    EXTRA = "extra"
    OLD_DEADLINE = "old_deadline"
    NEW_DEADLINE = "new_deadline"
    UNITS = "units"
    REPLACES = "replaces"
    RULED_UNIT = "ruled_unit"
    CATALOG_CHANGE = "catalog_change"
    OUTCOME = "outcome"
    RATING = "rating"
    SOURCE = "source"
    SCORE = "score"
    REOPENED = "reopened"
    INDEX = "index"
    COLOUR = "colour"
    LAGGING = "lagging"
    OLD_ACCEPT_DEADLINE = "old_accept_deadline"
    NEW_ACCEPT_DEADLINE = "new_accept_deadline"
    PAUSED_FOR = "paused_for"  # seconds a pause held the unit's clocks
    WAIT = "wait"  # which waiting: review, bounce, extension, consultation, rework
    FIRED_AT = "fired_at"  # a clock's event carries its due time; when the timer actually fired, apart
    RESOLVED = "resolved"  # the complainant's answer: solved (true), not solved (false), not confirmed (null)
    REACHED = "reached"  # a return visit reached the complainant
    CONFIRMED = "confirmed"  # on a close: "solved", "not_solved" or "unconfirmed" by the complainant
    TICKETS = "tickets"  # the merged tickets whose complainants joined
    VISIT_REASON = "visit_reason"  # why a case is called back: dissatisfied, unrated, unconfirmed, sampled


A, D = AuditAction, Detail
DETAIL_KEYS: dict[AuditAction, tuple[Detail, ...]] = {
    A.RECEIVED: (D.CHANNEL,),
    A.ROUTED: (D.PROPOSED, D.CONFIDENCE),
    A.DISPATCHED: (D.ITEM_CODE, D.PRIMARY, D.COOPERATING, D.PROPOSED, D.NOTE),
    A.HANDED_TO_DISTRICT: (D.ITEM_CODE, D.PRIMARY, D.COOPERATING, D.PROPOSED, D.NOTE),
    A.MERGED: (D.INTO,),
    A.ACCEPTED: (D.ON_TIME,),
    A.BOUNCE_REQUESTED: (D.CLAIMED_ITEM_CODE,),
    A.BOUNCE_APPROVED: (D.ITEM_CODE, D.PRIMARY),
    A.EXTENSION_REQUESTED: (D.EXTRA,),
    A.EXTENSION_APPROVED: (D.EXTRA, D.OLD_DEADLINE, D.NEW_DEADLINE),
    A.REASSIGNED: (D.ITEM_CODE, D.PRIMARY),
    A.CONSULTATION_OPENED: (D.UNITS, D.REPLACES),
    A.CONSULTATION_RULED: (D.RULED_UNIT, D.ITEM_CODE, D.COOPERATING, D.CATALOG_CHANGE),
    A.RESULT_SUBMITTED: (D.OUTCOME, D.ON_TIME),
    A.RATED: (D.RATING, D.SOURCE, D.SCORE, D.RESOLVED),
    A.CLOSED: (D.OUTCOME, D.RATING, D.ON_TIME, D.REOPENED, D.CONFIRMED),
    A.RETURN_VISIT_DUE: (D.VISIT_REASON,),
    A.RETURN_VISITED: (D.REACHED, D.RESOLVED, D.RATING),
    A.RETURN_VISIT_MISSED: (D.FIRED_AT,),
    A.COMPLAINANT_JOINED: (D.TICKETS,),
    A.CHECKPOINT: (D.INDEX, D.COLOUR, D.LAGGING, D.FIRED_AT),
    A.RATING_TIMEOUT: (D.RATING, D.SOURCE, D.FIRED_AT),
    A.ACCEPTANCE_OVERDUE: (D.FIRED_AT,),
    A.ESCALATED: (D.FIRED_AT, D.WAIT),
    A.WAIT_OVERDUE: (D.WAIT, D.FIRED_AT),
    A.RESUMED: (D.PAUSED_FOR,),
    A.CLOCKS_RECOUNTED: (D.OLD_DEADLINE, D.NEW_DEADLINE, D.OLD_ACCEPT_DEADLINE, D.NEW_ACCEPT_DEADLINE),
}
del A, D

# What a complainant sees of the audit log, on the tracking page and in the API alike: the outward steps of
# their case without the staff's names (disputes between units and internal clocks stay inside).
_ = AuditAction
CITIZEN_ACTIONS = (_.RECEIVED, _.DISPATCHED, _.HANDED_TO_DISTRICT, _.ACCEPTED, _.PROGRESS, _.EXTENSION_APPROVED,
                   _.PAUSE_APPROVED, _.RESUMED,
                   _.REASSIGNED, _.RESULT_SUBMITTED, _.REVIEW_APPROVED, _.REVIEW_RETURNED, _.RATED, _.REOPENED,
                   _.CLOSED, _.PUBLISHED, _.REJECTED, _.MERGED, _.RATING_TIMEOUT, _.RETURN_VISITED)
del _
CITIZEN_REASONS = (AuditAction.PROGRESS, AuditAction.RESULT_SUBMITTED, AuditAction.REJECTED, AuditAction.MERGED,
                   AuditAction.EXTENSION_APPROVED)

# Pending requests a ruling closes (tickets.pending_request); "review" marks a result waiting for review.
PENDING_BOUNCE, PENDING_EXTENSION, PENDING_CONSULTATION, PENDING_REVIEW = "bounce", "extension", "consultation", \
    "review"
PENDING_PAUSE = "pause"  # a pause of the clocks while the unit waits on the citizen
RULED_REQUESTS = (PENDING_BOUNCE, PENDING_EXTENSION, PENDING_CONSULTATION, PENDING_PAUSE)


# ---- the human actions (core.guards says who may do each, core.input_rules with what input) ----


class Action(StrEnum):
    """Every human action on a case: the console's form paths and the JSON API's action paths."""

    DISPATCH = "dispatch"
    REJECT = "reject"
    MERGE = "merge"
    ACCEPT = "accept"
    PROGRESS = "progress"
    REQUEST_BOUNCE = "request_bounce"
    RULE_BOUNCE = "rule_bounce"
    REQUEST_EXTENSION = "request_extension"
    RULE_EXTENSION = "rule_extension"
    ESCALATE = "escalate"
    REASSIGN = "reassign"
    OPEN_CONSULTATION = "open_consultation"
    RULE_CONSULTATION = "rule_consultation"
    STATE_POSITION = "state_position"
    SUBMIT = "submit"
    REVIEW = "review"
    RATE = "rate"
    REQUEST_PAUSE = "request_pause"
    RULE_PAUSE = "rule_pause"
    RESUME = "resume"
    RETURN_VISIT = "return_visit"


# ---- errors: one kind per way an action can fail, each with its HTTP status ----


class ErrorKind(StrEnum):
    """The workflow's ApplicationError types and the services' own refusals."""

    FORBIDDEN = "Forbidden"
    WRONG_STATE = "WrongState"
    MISSING_REASON = "MissingReason"
    BAD_INPUT = "BadInput"
    NOT_ON_CATALOG = "NotOnCatalog"
    NOT_FOUND = "NotFound"
    FINISHED = "Finished"
    UNAUTHENTICATED = "Unauthenticated"
    TOO_MANY = "TooMany"
    TOO_LARGE = "TooLarge"
    UNAVAILABLE = "Unavailable"
    INTERNAL = "Internal"


HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.WRONG_STATE: 409,
    ErrorKind.MISSING_REASON: 400,
    ErrorKind.BAD_INPUT: 400,
    ErrorKind.NOT_ON_CATALOG: 400,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FINISHED: 409,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.TOO_MANY: 429,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.INTERNAL: 500,
}


# ---- units ----


class UnitKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    DEPARTMENT = "department"
    STREET = "street"
    TOWNSHIP = "township"
    COMMUNITY = "community"
    CENTRE = "centre"  # a dispatch centre
    SUPERVISION = "supervision"  # a supervision office


TERRITORIAL_KINDS = (UnitKind.STREET, UnitKind.TOWNSHIP)  # streets and townships: 属地
HANDLING_KINDS = (UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.TOWNSHIP, UnitKind.COMMUNITY, UnitKind.DISTRICT)
