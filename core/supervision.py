"""The four supervision checkpoints (督办节点): is the case lagging, and what colour does it turn.

Rules: checkpoint 1 expects the case accepted; checkpoints 2 and 3 expect progress since the previous
checkpoint; checkpoint 4 (the closure deadline) expects the result submitted. No checkpoint judges a duty
before it is due: a case not accepted before its acceptance limit is not lagging. A lag after a good
checkpoint is yellow, a second lag in a row is red, a lag at the last checkpoint is red and overdue.
Deterministic: no I/O here.
"""

from __future__ import annotations

from datetime import datetime

from core.messages import Colour, GrievanceState
from core.vocabulary import SUBMITTED_STAGES


def assess(state: GrievanceState, index: int, *, waits_for_acceptance_limit: bool = True,
           bounce_counts_as_answer: bool = False) -> tuple[bool, str]:
    """(lagging, why) at checkpoint `index` (1-based). `waits_for_acceptance_limit` is False only where a
    case replays its history from before that rule; `bounce_counts_as_answer` when a bounce waits for its
    ruling (the unit has answered: it says the case is not its own)."""
    if state.stage in SUBMITTED_STAGES:
        return False, "result submitted"
    if state.accepted_at is None and bounce_counts_as_answer:
        return False, "bounce requested, waiting for the ruling"
    if state.accepted_at is None:
        due = state.checkpoints[index - 1].due
        if waits_for_acceptance_limit and state.accept_deadline is not None and due < state.accept_deadline:
            return False, "acceptance not yet due"
        return True, "not accepted"
    if index == len(state.checkpoints):
        return True, "not completed by the closure deadline"
    if index == 1:
        return False, "accepted"
    since = _previous_due(state, index)
    if state.last_progress_at is None or state.last_progress_at < since:
        return True, "no progress since the previous checkpoint"
    return False, "progressing"


def colour_after(state: GrievanceState, index: int, lagging: bool) -> Colour:
    if not lagging:
        return Colour.GREEN
    final = index == len(state.checkpoints)
    previous = state.checkpoints[index - 2] if index >= 2 else None
    if final or (previous is not None and previous.lagging):
        return Colour.RED
    return Colour.YELLOW


def _previous_due(state: GrievanceState, index: int) -> datetime:
    return state.checkpoints[index - 2].due
