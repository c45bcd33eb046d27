"""Who may do what, in which stage, with what input: the one statement of every human action's rules.

`PERMISSIONS` names each action's roles and its rule over the case's state; the workflow's update
validators, the console's forms and the JSON API all ask `authorize`; `INPUT_RULES` says when an input is
whole, and `validate` is every validator. Each check raises ApplicationError with a core.vocabulary.ErrorKind
type. Deterministic: no I/O here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from temporalio.exceptions import ApplicationError

from core.durations import DurationError, parse_duration
from core.messages import Actor, Channel, GrievanceState, Rating, Role, Stage
from core.vocabulary import (
    CLOCKED_STAGES,
    PENDING_BOUNCE,
    PENDING_CONSULTATION,
    PENDING_EXTENSION,
    PENDING_PAUSE,
    ErrorKind,
)

# Error types, kept as names for the validators (core.vocabulary.HTTP_STATUS maps them to HTTP statuses).
FORBIDDEN = ErrorKind.FORBIDDEN.value
WRONG_STATE = ErrorKind.WRONG_STATE.value
MISSING_REASON = ErrorKind.MISSING_REASON.value
BAD_INPUT = ErrorKind.BAD_INPUT.value
MAX_TEXT = 4000


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
    SUBMIT = "submit"
    REVIEW = "review"
    RATE = "rate"
    REQUEST_PAUSE = "request_pause"
    RULE_PAUSE = "rule_pause"
    RESUME = "resume"


def fail(message: str, kind: str, **details: object) -> ApplicationError:
    return ApplicationError(message, details or None, type=kind, non_retryable=True)


# ---- the building blocks ----


def require_reason(text: str, what: str = "reason") -> None:
    if not text or not text.strip():
        raise fail(f"a {what} is required", MISSING_REASON, field=what)
    if len(text) > MAX_TEXT:
        raise fail(f"the {what} is longer than {MAX_TEXT} characters", BAD_INPUT, field=what)


def require_stage(state: GrievanceState, *stages: Stage) -> None:
    if state.stage not in stages:
        allowed = ", ".join(s.value for s in stages)
        raise fail(f"ticket {state.ticket_id} is {state.stage.value}, not {allowed}", WRONG_STATE,
                   stage=state.stage.value)


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise fail(f"role {actor.role.value} may not do this", FORBIDDEN, role=actor.role.value)


def require_dispatch_owner(state: GrievanceState, actor: Actor) -> None:
    """The dispatcher of the level that now owns dispatching (city centre or a district)."""
    if actor.unit_id != state.dispatch_owner_id:
        raise fail(f"ticket {state.ticket_id} is dispatched by {state.dispatch_owner_id}", FORBIDDEN,
                   owner=state.dispatch_owner_id)


def require_primary_unit(state: GrievanceState, actor: Actor) -> None:
    if state.primary is None or actor.unit_id != state.primary.id:
        raise fail(f"ticket {state.ticket_id} is not assigned to your unit", FORBIDDEN)


def require_involved_unit(state: GrievanceState, actor: Actor) -> None:
    """The primary unit or one of the cooperating units (配合单位)."""
    units = {u.id for u in state.cooperating} | ({state.primary.id} if state.primary else set())
    if actor.unit_id not in units:
        raise fail(f"your unit is not working on ticket {state.ticket_id}", FORBIDDEN)


def require_supervisor_area(state: GrievanceState, actor: Actor) -> None:
    """A city supervisor acts on every case; a district supervisor only on its district's."""
    if actor.district_id and actor.district_id != state.district_id:
        raise fail(f"ticket {state.ticket_id} is outside your district", FORBIDDEN)


def is_street_whistle(state: GrievanceState) -> bool:
    return state.intake.channel == Channel.WHISTLE and bool(state.intake.whistle_unit_id)


def require_whistling_street(state: GrievanceState, actor: Actor, what: str) -> None:
    require_role(actor, Role.STREET)
    if actor.unit_id != state.intake.whistle_unit_id:
        raise fail(f"only the street that whistled {what} this ticket", FORBIDDEN)


def require_no_pending(state: GrievanceState) -> None:
    if state.pending is not None:
        raise fail(f"a {state.pending.kind} request is still open on ticket {state.ticket_id}", WRONG_STATE,
                   pending=state.pending.kind)


def require_pending(state: GrievanceState, kind: str) -> None:
    if state.pending is None or state.pending.kind != kind:
        raise fail(f"ticket {state.ticket_id} has no open {kind} request", WRONG_STATE)


# ---- each action's rule (after its roles were checked) ----


def _dispatch(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, Stage.RECEIVED)
    require_dispatch_owner(s, actor)


def _accept(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, Stage.DISPATCHED)
    require_primary_unit(s, actor)
    require_no_pending(s)


def _progress(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, Stage.DISPATCHED, Stage.IN_PROGRESS)
    require_involved_unit(s, actor)
    if s.stage == Stage.DISPATCHED and s.primary is not None and actor.unit_id == s.primary.id:
        raise fail("accept the ticket before reporting progress", WRONG_STATE)


def _request_bounce(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, Stage.DISPATCHED, Stage.IN_PROGRESS)
    require_primary_unit(s, actor)
    require_no_pending(s)


def _rule_bounce(s: GrievanceState, actor: Actor) -> None:
    require_pending(s, PENDING_BOUNCE)
    _supervisor_or(s, actor, require_dispatch_owner)


def _supervisor_or(s: GrievanceState, actor: Actor, otherwise: Callable[[GrievanceState, Actor], None]) -> None:
    """A supervisor acts within its area; anyone else by `otherwise`."""
    (require_supervisor_area if actor.role == Role.SUPERVISOR else otherwise)(s, actor)


def _primary_at_work(s: GrievanceState, actor: Actor) -> None:
    """The accepted case's primary unit, with nothing waiting for a ruling (extension, result)."""
    require_stage(s, Stage.IN_PROGRESS)
    require_primary_unit(s, actor)
    require_no_pending(s)


def _supervisor_rules_on(kind: str) -> Callable[[GrievanceState, Actor], None]:
    """A request of `kind` waits, and a supervisor of the case's area rules on it."""

    def rule(s: GrievanceState, actor: Actor) -> None:
        require_pending(s, kind)
        require_supervisor_area(s, actor)

    return rule


def _resume(s: GrievanceState, actor: Actor) -> None:
    """The paused case's unit when the citizen is back, or a supervisor of its area."""
    require_stage(s, Stage.IN_PROGRESS)
    if s.paused_at is None:
        raise fail(f"ticket {s.ticket_id} is not paused", WRONG_STATE)
    _supervisor_or(s, actor, require_primary_unit)


def _supervise(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, *CLOCKED_STAGES)
    require_supervisor_area(s, actor)


def _open_consultation(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, Stage.DISPATCHED, Stage.IN_PROGRESS)
    require_supervisor_area(s, actor)
    if s.pending is not None and s.pending.kind != PENDING_BOUNCE:  # a consultation may replace a bounce
        require_no_pending(s)


def _review(s: GrievanceState, actor: Actor) -> None:
    """The whistling street reviews its own whistles; the dispatch centre or district reviews the rest."""
    require_stage(s, Stage.REVIEW)
    if is_street_whistle(s):
        require_whistling_street(s, actor, "reviews")
        return
    require_role(actor, Role.DISPATCHER)
    if actor.unit_id not in (s.dispatch_owner_id, s.intake.dispatch_owner_id):
        raise fail(f"ticket {s.ticket_id} is reviewed by {s.dispatch_owner_id}", FORBIDDEN)


def _rate(s: GrievanceState, actor: Actor) -> None:
    require_stage(s, Stage.RATING)
    if is_street_whistle(s):
        require_whistling_street(s, actor, "rates")
        return
    require_role(actor, Role.CITIZEN)
    if actor.id != citizen_id(s.ticket_id):
        raise fail("only the complainant rates this ticket", FORBIDDEN)


def citizen_id(ticket_id: str) -> str:
    """The complainant's actor id, proven by the ticket's tracking secret."""
    return f"citizen:{ticket_id}"


@dataclass(frozen=True)
class Permission:
    roles: tuple[Role, ...]
    rule: Callable[[GrievanceState, Actor], None]


HANDLERS = (Role.HANDLER, Role.STREET)
PERMISSIONS: dict[Action, Permission] = {
    Action.DISPATCH: Permission((Role.DISPATCHER,), _dispatch),
    Action.REJECT: Permission((Role.DISPATCHER,), _dispatch),
    Action.MERGE: Permission((Role.DISPATCHER,), _dispatch),
    Action.ACCEPT: Permission(HANDLERS, _accept),
    Action.PROGRESS: Permission(HANDLERS, _progress),
    Action.REQUEST_BOUNCE: Permission(HANDLERS, _request_bounce),
    Action.RULE_BOUNCE: Permission((Role.DISPATCHER, Role.SUPERVISOR), _rule_bounce),
    Action.REQUEST_EXTENSION: Permission(HANDLERS, _primary_at_work),
    Action.RULE_EXTENSION: Permission((Role.SUPERVISOR,), _supervisor_rules_on(PENDING_EXTENSION)),
    Action.ESCALATE: Permission((Role.SUPERVISOR,), _supervise),
    Action.REASSIGN: Permission((Role.SUPERVISOR,), _supervise),
    Action.OPEN_CONSULTATION: Permission((Role.SUPERVISOR,), _open_consultation),
    Action.RULE_CONSULTATION: Permission((Role.SUPERVISOR,), _supervisor_rules_on(PENDING_CONSULTATION)),
    Action.SUBMIT: Permission(HANDLERS, _primary_at_work),
    Action.REVIEW: Permission((Role.DISPATCHER, Role.STREET), _review),
    Action.RATE: Permission((Role.STREET, Role.CITIZEN), _rate),
    Action.REQUEST_PAUSE: Permission(HANDLERS, _primary_at_work),
    Action.RULE_PAUSE: Permission((Role.SUPERVISOR,), _supervisor_rules_on(PENDING_PAUSE)),
    Action.RESUME: Permission((*HANDLERS, Role.SUPERVISOR), _resume),
}


def authorize(action: Action, state: GrievanceState, actor: Actor) -> None:
    """Raises the refusal when `actor` may not do `action` on the case now; returns when they may."""
    permission = PERMISSIONS[action]
    require_role(actor, *permission.roles)
    permission.rule(state, actor)


def permitted(action: Action, state: GrievanceState, actor: Actor) -> bool:
    try:
        authorize(action, state, actor)
    except ApplicationError:
        return False
    return True


# ---- each action's input (checked after the permission, before anything reaches history) ----


def _dispatch_input(s: GrievanceState, i: Any, now: datetime) -> None:
    if not i.item_code or not i.primary_unit_id:
        raise fail("choose a catalog item and a responsible unit", BAD_INPUT)


def _reject_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason)
    if i.duplicate_of == s.ticket_id:
        raise fail("a ticket cannot be a duplicate of itself", BAD_INPUT)


def _bounce_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason)
    if s.bounce_deadline is not None and now > s.bounce_deadline:
        window = s.clock.bounce_window if s.clock else ""
        raise fail(f"a bounce is asked within {window} of the dispatch", WRONG_STATE, bounce_window=window)
    if not i.claimed_item_code:
        raise fail("name the catalog item that applies instead", BAD_INPUT, field="claimed_item_code")
    if i.claimed_item_code == s.item_code:
        raise fail("the claimed item is the one this ticket was dispatched under", BAD_INPUT)


# No extension, whatever a plan allows, may reach further than this (a calendar equivalent: "4000wh" would
# keep the deadline activity scanning years of calendar and hold the case).
LONGEST_EXTENSION = timedelta(days=60)


def _extension_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason)
    try:
        extra = parse_duration(i.extra)
    except DurationError as exc:
        raise fail(str(exc), BAD_INPUT, field="extra") from None
    plan = s.clock
    if plan is not None and plan.extension_choices and i.extra not in plan.extension_choices:
        raise fail(f"an extension is one of {', '.join(plan.extension_choices)}", BAD_INPUT, field="extra",
                   choices=list(plan.extension_choices))
    if extra.as_calendar() > LONGEST_EXTENSION:
        raise fail(f"an extension is at most {LONGEST_EXTENSION.days} days", BAD_INPUT, field="extra")
    if plan is not None and plan.extension_max_count and s.extension_count >= plan.extension_max_count:
        raise fail(f"at most {plan.extension_max_count} extensions per case", WRONG_STATE,
                   limit=plan.extension_max_count)
    if s.closure_deadline and now >= s.closure_deadline:
        raise fail("an extension is requested before the closure deadline", WRONG_STATE)
    if plan is not None and plan.extension_cutoff and _local_clock(now, plan) >= plan.extension_cutoff:
        raise fail(f"extension requests are taken until {plan.extension_cutoff}", WRONG_STATE,
                   cutoff=plan.extension_cutoff)


def _local_clock(now: datetime, plan: Any) -> str:
    """The city's local time of day as "HH:MM" (the plan carries its UTC offset: no time zone files here)."""
    return (now + timedelta(minutes=plan.utc_offset_minutes)).strftime("%H:%M")


def _reassign_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason)
    if not (i.item_code or s.item_code):
        raise fail("choose a catalog item", BAD_INPUT, field="item_code")


def _consultation_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason)
    if len(set(i.unit_ids)) < 2:
        raise fail("a consultation names at least two units in dispute", BAD_INPUT, field="unit_ids")


def _ruling_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason, "ruling")
    if not i.primary_unit_id:
        raise fail("the ruling names the responsible unit", BAD_INPUT, field="primary_unit_id")


def _review_input(s: GrievanceState, i: Any, now: datetime) -> None:
    if not i.approve:
        require_reason(i.reason, "reason for rework")


def _rate_input(s: GrievanceState, i: Any, now: datetime) -> None:
    if i.score is not None and not 0 <= i.score <= 100:
        raise fail("a score is between 0 and 100", BAD_INPUT, field="score")
    if i.rating == Rating.DISSATISFIED and not (i.comment or "").strip():
        raise fail("say what is still wrong", MISSING_REASON, field="comment")


def _pause_input(s: GrievanceState, i: Any, now: datetime) -> None:
    require_reason(i.reason)
    if s.paused_at is not None:
        raise fail(f"ticket {s.ticket_id} is already paused", WRONG_STATE)


def _text(attribute: str, what: str = "reason") -> Callable[[GrievanceState, Any, datetime], None]:
    return lambda s, i, now: require_reason(getattr(i, attribute), what)


INPUT_RULES: dict[Action, Callable[[GrievanceState, Any, datetime], None]] = {
    Action.DISPATCH: _dispatch_input,
    Action.REJECT: _reject_input,
    Action.MERGE: _reject_input,
    Action.ACCEPT: lambda s, i, now: None,
    Action.PROGRESS: _text("note", "progress note"),
    Action.REQUEST_BOUNCE: _bounce_input,
    Action.RULE_BOUNCE: _text("reason"),
    Action.REQUEST_EXTENSION: _extension_input,
    Action.RULE_EXTENSION: _text("reason"),
    Action.ESCALATE: _text("reason"),
    Action.REASSIGN: _reassign_input,
    Action.OPEN_CONSULTATION: _consultation_input,
    Action.RULE_CONSULTATION: _ruling_input,
    Action.SUBMIT: _text("summary", "result summary"),
    Action.REVIEW: _review_input,
    Action.RATE: _rate_input,
    Action.REQUEST_PAUSE: _pause_input,
    Action.RULE_PAUSE: _text("reason"),
    Action.RESUME: _text("reason"),
}


def validate(action: Action, state: GrievanceState, input: Any, now: datetime) -> None:
    """An update's validator: who may act now, then whether the input is whole. Raises the refusal."""
    authorize(action, state, input.actor)
    INPUT_RULES[action](state, input, now)
