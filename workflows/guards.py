"""Who may do what, in which stage: pure checks shared by update validators and handlers.

Each check raises ApplicationError with a stable `type` the API maps to an HTTP status and a
translated message. Deterministic: no I/O here.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from workflows.messages import Actor, Channel, GrievanceState, Role, Stage

# Error types, mapped to HTTP statuses in api/errors.py.
FORBIDDEN = "Forbidden"
WRONG_STATE = "WrongState"
MISSING_REASON = "MissingReason"
BAD_INPUT = "BadInput"


def fail(message: str, kind: str, **details: object) -> ApplicationError:
    return ApplicationError(message, details or None, type=kind, non_retryable=True)


def require_reason(text: str, what: str = "reason") -> None:
    if not text or not text.strip():
        raise fail(f"a {what} is required", MISSING_REASON, field=what)
    if len(text) > 4000:
        raise fail(f"the {what} is longer than 4000 characters", BAD_INPUT, field=what)


def require_stage(state: GrievanceState, *stages: Stage) -> None:
    if state.stage not in stages:
        allowed = ", ".join(s.value for s in stages)
        raise fail(f"ticket {state.ticket_id} is {state.stage.value}, not {allowed}", WRONG_STATE,
                   stage=state.stage.value)


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise fail(f"role {actor.role.value} may not do this", FORBIDDEN, role=actor.role.value)


def require_dispatcher(state: GrievanceState, actor: Actor) -> None:
    """The dispatcher of the level that now owns dispatching (city centre or a district)."""
    require_role(actor, Role.DISPATCHER)
    if actor.unit_id != state.dispatch_owner_id:
        raise fail(f"ticket {state.ticket_id} is dispatched by {state.dispatch_owner_id}", FORBIDDEN,
                   owner=state.dispatch_owner_id)


def require_primary_handler(state: GrievanceState, actor: Actor) -> None:
    require_role(actor, Role.HANDLER, Role.STREET)
    if state.primary is None or actor.unit_id != state.primary.id:
        raise fail(f"ticket {state.ticket_id} is not assigned to your unit", FORBIDDEN)


def require_involved_handler(state: GrievanceState, actor: Actor) -> None:
    """The primary unit or one of the cooperating units (配合单位)."""
    require_role(actor, Role.HANDLER, Role.STREET)
    units = {u.id for u in state.cooperating} | ({state.primary.id} if state.primary else set())
    if actor.unit_id not in units:
        raise fail(f"your unit is not working on ticket {state.ticket_id}", FORBIDDEN)


def require_supervisor(state: GrievanceState, actor: Actor) -> None:
    """A city supervisor acts on every case; a district supervisor only on its district's."""
    require_role(actor, Role.SUPERVISOR)
    if actor.district_id and actor.district_id != state.district_id:
        raise fail(f"ticket {state.ticket_id} is outside your district", FORBIDDEN)


def is_street_whistle(state: GrievanceState) -> bool:
    return state.intake.channel == Channel.WHISTLE and bool(state.intake.whistle_unit_id)


def require_reviewer(state: GrievanceState, actor: Actor) -> None:
    """The whistling street reviews its own whistles; the dispatch centre or district reviews the rest."""
    if is_street_whistle(state):
        require_role(actor, Role.STREET)
        if actor.unit_id != state.intake.whistle_unit_id:
            raise fail("only the street that whistled reviews this ticket", FORBIDDEN)
        return
    require_role(actor, Role.DISPATCHER)
    if actor.unit_id not in (state.dispatch_owner_id, state.intake.dispatch_owner_id):
        raise fail(f"ticket {state.ticket_id} is reviewed by {state.dispatch_owner_id}", FORBIDDEN)


def require_rater(state: GrievanceState, actor: Actor) -> None:
    if is_street_whistle(state):
        require_role(actor, Role.STREET)
        if actor.unit_id != state.intake.whistle_unit_id:
            raise fail("only the street that whistled rates this ticket", FORBIDDEN)
        return
    require_role(actor, Role.CITIZEN)
    if actor.id != f"citizen:{state.ticket_id}":
        raise fail("only the complainant rates this ticket", FORBIDDEN)


def require_no_pending(state: GrievanceState) -> None:
    if state.pending is not None:
        raise fail(f"a {state.pending.kind} request is still open on ticket {state.ticket_id}", WRONG_STATE,
                   pending=state.pending.kind)


def require_pending(state: GrievanceState, kind: str) -> None:
    if state.pending is None or state.pending.kind != kind:
        raise fail(f"ticket {state.ticket_id} has no open {kind} request", WRONG_STATE)
