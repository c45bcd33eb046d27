"""Who may do what, in which stage, with what input: the one statement of every human action's rules.

`PERMISSIONS` names each action's roles and its rule over the case's state; the workflow's update
validators, the console's forms and the JSON API all ask `authorize`; core.input_rules says when an input
is whole, and `validate` is every validator. Each check raises ApplicationError with a
core.vocabulary.ErrorKind type (built in core.refusals). Deterministic: no I/O here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio.exceptions import ApplicationError

from core.input_rules import INPUT_RULES
from core.messages import Actor, GrievanceState, Role, Stage
from core.refusals import (  # noqa: F401 - BAD_INPUT, fail, judges_own_work: the workflows name them guards.*
    BAD_INPUT,
    FORBIDDEN,
    WRONG_STATE,
    fail,
    is_street_whistle,
    judges_own_work,
    require_dispatch_owner,
    require_involved_unit,
    require_no_pending,
    require_pending,
    require_primary_unit,
    require_role,
    require_stage,
    require_supervisor_area,
    require_whistling_street,
)
from core.vocabulary import (
    CLOCKED_STAGES,
    PENDING_BOUNCE,
    PENDING_CONSULTATION,
    PENDING_EXTENSION,
    PENDING_PAUSE,
    Action,
)

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


def _state_position(s: GrievanceState, actor: Actor) -> None:
    """A unit the open consultation names states its view of the dispute before the ruling."""
    require_pending(s, PENDING_CONSULTATION)
    if actor.unit_id not in s.pending.unit_ids:
        raise fail(f"the consultation on ticket {s.ticket_id} does not name your unit", FORBIDDEN)


def _review(s: GrievanceState, actor: Actor) -> None:
    """The whistling street reviews its whistles handled by others; the dispatch centre or district the rest."""
    require_stage(s, Stage.REVIEW)
    if is_street_whistle(s) and not judges_own_work(s):
        require_whistling_street(s, actor, "reviews")
        return
    require_case_dispatcher(s, actor, "reviewed")


def require_case_dispatcher(s: GrievanceState, actor: Actor, what: str) -> None:
    """The dispatcher of the district (or city centre) that dispatched the case."""
    require_role(actor, Role.DISPATCHER)
    if actor.unit_id not in (s.dispatch_owner_id, s.intake.dispatch_owner_id):
        raise fail(f"ticket {s.ticket_id} is {what} by {s.dispatch_owner_id}", FORBIDDEN)


def _rate(s: GrievanceState, actor: Actor) -> None:
    """The complainant rates; a whistle is rated by its street, or by its dispatcher when the street handled
    it itself."""
    require_stage(s, Stage.RATING)
    if judges_own_work(s):
        require_case_dispatcher(s, actor, "rated")
        return
    if is_street_whistle(s):
        require_whistling_street(s, actor, "rates")
        return
    require_role(actor, Role.CITIZEN)
    if actor.id not in complainants(s):
        raise fail("only the complainant rates this ticket", FORBIDDEN)
    if actor.id in {a.actor_id for a in s.answers}:
        raise fail("this complainant has rated the result already", WRONG_STATE)


def citizen_id(ticket_id: str) -> str:
    """The complainant's actor id, proven by the ticket's tracking secret."""
    return f"citizen:{ticket_id}"


def complainants(state: GrievanceState) -> list[str]:
    """Who rates the case: its complainant and those of the duplicates merged into it (each by own secret)."""
    return [citizen_id(state.ticket_id), *(citizen_id(t) for t in state.joined)]


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
    Action.STATE_POSITION: Permission(HANDLERS, _state_position),
    Action.SUBMIT: Permission(HANDLERS, _primary_at_work),
    Action.REVIEW: Permission((Role.DISPATCHER, Role.STREET), _review),
    Action.RATE: Permission((Role.STREET, Role.CITIZEN, Role.DISPATCHER), _rate),
    Action.RETURN_VISIT: Permission((Role.OPERATOR,), lambda s, actor: require_stage(s, Stage.RETURN_VISIT)),
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


def validate(action: Action, state: GrievanceState, input: Any, now: datetime) -> None:
    """An update's validator: who may act now, then whether the input is whole. Raises the refusal."""
    authorize(action, state, input.actor)
    INPUT_RULES[action](state, input, now)
