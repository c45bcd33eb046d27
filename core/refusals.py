"""The building blocks of every refusal: the error kinds a validator raises, `fail`, and the checks the
permission rules (core.guards) and input rules (core.input_rules) are made of. Deterministic: no I/O here.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from core.messages import Actor, Channel, GrievanceState, Role, Stage
from core.vocabulary import ErrorKind

# Error types, kept as names for the validators (core.vocabulary.HTTP_STATUS maps them to HTTP statuses).
FORBIDDEN = ErrorKind.FORBIDDEN.value
WRONG_STATE = ErrorKind.WRONG_STATE.value
MISSING_REASON = ErrorKind.MISSING_REASON.value
BAD_INPUT = ErrorKind.BAD_INPUT.value
MAX_TEXT = 4000


def fail(message: str, kind: str, **details: object) -> ApplicationError:
    return ApplicationError(message, details or None, type=kind, non_retryable=True)



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


def judges_own_work(state: GrievanceState) -> bool:
    """A street's whistle that the same street handles (primary or cooperating): it may not review or rate
    its own handling, nor score it."""
    units = {u.id for u in state.cooperating} | ({state.primary.id} if state.primary else set())
    return is_street_whistle(state) and state.intake.whistle_unit_id in units


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
