"""Each human action's input rules: when an input is whole (checked after the permission, before anything
reaches history). core.guards.validate applies them; the refusals are core.refusals'. Deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from core.durations import DurationError, parse_duration
from core.messages import GrievanceState, Rating, Role
from core.refusals import BAD_INPUT, MAX_TEXT, MISSING_REASON, WRONG_STATE, fail, judges_own_work, require_reason
from core.vocabulary import Action


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
    if i.score is not None and (i.actor.role != Role.STREET or judges_own_work(s)):
        raise fail("only a whistling street scores the department that handled its whistle", BAD_INPUT,
                   field="score")
    if i.rating == Rating.DISSATISFIED and not (i.comment or "").strip():
        raise fail("say what is still wrong", MISSING_REASON, field="comment")


def _return_visit_input(s: GrievanceState, i: Any, now: datetime) -> None:
    """Reached: the complainant's two answers are both needed (they are the case's rating)."""
    if i.reached and (i.resolved is None or i.rating is None):
        raise fail("record whether it was resolved and how satisfied the complainant is", BAD_INPUT,
                   field="rating")
    if len(i.note or "") > MAX_TEXT:
        raise fail(f"the note is longer than {MAX_TEXT} characters", BAD_INPUT, field="note")


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
    Action.STATE_POSITION: _text("position"),
    Action.SUBMIT: _text("summary", "result summary"),
    Action.REVIEW: _review_input,
    Action.RATE: _rate_input,
    Action.REQUEST_PAUSE: _pause_input,
    Action.RULE_PAUSE: _text("reason"),
    Action.RESUME: _text("reason"),
    Action.RETURN_VISIT: _return_visit_input,
}
