"""Display names of the workflow's codes (stages, roles, audit actions, ...), translated when shown."""

from __future__ import annotations

from core.catalog import CATEGORY_LABELS
from core.i18n import N_, _, current_locale

STAGES = {
    "received": N_("Received"),
    "dispatched": N_("Dispatched"),
    "in_progress": N_("In progress"),
    "review": N_("Under review"),
    "rating": N_("Awaiting rating"),
    "return_visit": N_("Awaiting return visit"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
    "merged": N_("Merged"),
}
ROLES = {
    "citizen": N_("Citizen"),
    "grid": N_("Grid worker"),
    "street": N_("Street office"),
    "operator": N_("Hotline operator"),
    "dispatcher": N_("Dispatcher"),
    "handler": N_("Department handler"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
    "system": N_("System"),
}
ACTIONS = {
    "received": N_("received the case"),
    "routed": N_("proposed routing"),
    "dispatched": N_("dispatched"),
    "handed_to_district": N_("handed down to the district"),
    "merged": N_("merged as a duplicate"),
    "rejected": N_("rejected as invalid"),
    "accepted": N_("accepted"),
    "progress": N_("reported progress"),
    "bounce_requested": N_("requested a bounce"),
    "bounce_denied": N_("denied the bounce"),
    "bounce_approved": N_("approved the bounce"),
    "extension_requested": N_("requested an extension"),
    "extension_denied": N_("denied the extension"),
    "extension_approved": N_("approved the extension"),
    "escalated": N_("escalated"),
    "reassigned": N_("reassigned"),
    "consultation_opened": N_("opened a consultation"),
    "consultation_ruled": N_("ruled on the consultation"),
    "position_stated": N_("stated its position in the consultation"),
    "result_submitted": N_("submitted the result"),
    "review_approved": N_("approved the result"),
    "review_returned": N_("returned the result for rework"),
    "rated": N_("rated"),
    "reopened": N_("reopened"),
    "closed": N_("closed"),
    "published": N_("published"),
    "kept_confidential": N_("kept confidential"),
    "acceptance_overdue": N_("acceptance time limit passed"),
    "checkpoint": N_("supervision checkpoint"),
    "rating_timeout": N_("rating window ended"),
    "wait_overdue": N_("waited past its limit"),
    "clocks_recounted": N_("deadlines counted again on the revised calendar"),
    "pause_requested": N_("asked to pause the clocks"),
    "pause_approved": N_("clocks paused: waiting on the complainant"),
    "pause_denied": N_("pause refused"),
    "resumed": N_("clocks resumed"),
    "return_visit_due": N_("a return visit is due"),
    "return_visited": N_("made the return visit"),
    "return_visit_missed": N_("no return visit within the time limit"),
    "complainant_joined": N_("another complainant of the same problem joined"),
}
CHANNELS = {
    "hotline": N_("Hotline 12345"),
    "web": N_("Web form"),
    "whistle": N_("Whistle"),
    "api": N_("API"),
    "media": N_("Media"),
}
RATINGS = {
    "satisfied": N_("Satisfied"),
    "basically_satisfied": N_("Basically satisfied"),
    "dissatisfied": N_("Dissatisfied"),
}
OUTCOMES = {"resolved": N_("Resolved"), "explained": N_("Explained (cannot be solved now)")}
COLOURS = {"green": N_("Green"), "yellow": N_("Yellow"), "red": N_("Red")}
PENDING = {
    "bounce": N_("Bounce request"),
    "extension": N_("Extension request"),
    "consultation": N_("Consultation"),
    "review": N_("Result to review"),
    "pause": N_("Pause request"),
}

# What the checkpoint clock found (core.supervision.assess), as the case page says it.
CHECKPOINT_NOTES = {
    "accepted": N_("accepted"),
    "not accepted": N_("not accepted"),
    "acceptance not yet due": N_("acceptance not yet due"),
    "bounce requested, waiting for the ruling": N_("bounce requested, waiting for the ruling"),
    "progressing": N_("progressing"),
    "no progress since the previous checkpoint": N_("no progress since the previous checkpoint"),
    "result submitted": N_("result submitted"),
    "not completed by the closure deadline": N_("not completed by the closure deadline"),
}

# Who a case waits for (core.messages.Wait.kind), as the supervisor board says it.
WAITS = {
    "review": N_("the review of the result"),
    "bounce": N_("the ruling on a bounce"),
    "extension": N_("the ruling on an extension"),
    "consultation": N_("the ruling of a consultation"),
    "rework": N_("the unit's rework"),
    "pause": N_("the ruling on a pause"),
    "return_visit": N_("the hotline's return visit"),
}

# Why a case is called back (GrievanceState.return_visit_reason).
VISIT_REASONS = {
    "dissatisfied": N_("dissatisfied"),
    "unrated": N_("not rated"),
    "unconfirmed": N_("solved not confirmed"),
    "sampled": N_("random check"),
}

NOTICES = {
    "acceptance_overdue": N_("Not accepted within the time limit"),
    "checkpoint_yellow": N_("Yellow warning at a checkpoint"),
    "checkpoint_red": N_("Red warning at a checkpoint"),
    "overdue": N_("Overdue at the closure deadline"),
    "escalated": N_("Escalated by a supervisor"),
    "wait_reminder": N_("A waiting comes due soon"),
    "wait_overdue": N_("A waiting passed its limit"),
    "return_visit_missed": N_("A return visit was not made in time"),
    "complainant_joined": N_("Another complainant joined the case"),
}


def _label(table: dict[str, str], value: object) -> str:
    key = getattr(value, "value", value) or ""
    return _(table[key]) if key in table else str(key)


def stage(value: object) -> str:
    return _label(STAGES, value)


def role(value: object) -> str:
    return _label(ROLES, value)


def action(value: object) -> str:
    return _label(ACTIONS, value)


def channel(value: object) -> str:
    return _label(CHANNELS, value)


def rating(value: object) -> str:
    return _label(RATINGS, value)


def outcome(value: object) -> str:
    return _label(OUTCOMES, value)


def colour(value: object) -> str:
    return _label(COLOURS, value)


def pending(value: object) -> str:
    return _label(PENDING, value)


def checkpoint_note(value: object) -> str:
    return _label(CHECKPOINT_NOTES, value)


def wait(value: object) -> str:
    return _label(WAITS, value)


def visit_reason(value: object) -> str:
    return _label(VISIT_REASONS, value)


def category(value: object) -> str:
    labels = CATEGORY_LABELS.get(str(value or ""))
    if labels is None:
        return str(value or "")
    return labels[0] if current_locale() == "zh_Hans" else labels[1]


def notice(value: object) -> str:
    return _label(NOTICES, value)


def actor(name: str | None, actor_id: str | None, role_code: object) -> str:
    """Who acted, once: "王芳 (Dispatcher)"; an actor named by its role code only ("citizen", "system") is
    just the translated role, never "citizen (群众)"."""
    role_name = role(role_code)
    who = name or actor_id or ""
    if not who or who == getattr(role_code, "value", role_code):
        return role_name
    return f"{who} ({role_name})"
