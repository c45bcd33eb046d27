"""督: the acceptance limit and the four supervision checkpoints, on the working-day calendar.

Due times come from the workflow's own state (the calendar is real, so weekdays and holidays vary with
the day the suite runs); the tests skip server time past each one and check colour, flags, audit rows,
notices and the search attributes the Temporal UI shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.messages import Colour, Stage
from core.payloads import AcceptInput, ProgressInput, SubmitResultInput
from tests.workflows.conftest import ECOLOGY
from tests.workflows.steps import (
    accepted,
    actions,
    advance_to,
    attributes,
    dispatched,
    events_of,
    eventually,
    logged,
    noticed,
    notices,
    recorded,
    state,
    sync_probe,
    ticket,
    until,
)
from workflows.grievance import GrievanceWorkflow


async def _shows(h, handle, stage: str, colour: str, overdue: bool) -> None:
    """The Temporal UI's search attributes (but the deadline) say this, once the upsert has landed."""
    expected = {"TicketStatus": stage, "Unit": "dept-ecology", "Colour": colour, "Overdue": overdue}

    async def probe():
        found = await attributes(h, handle)
        found.pop("Deadline")
        return found

    assert await eventually(probe, lambda found: found == expected) == expected


async def test_standard_tier_plans_acceptance_in_one_working_day_and_four_checkpoints_to_day_seven(cases):
    handle = await dispatched(cases)
    s = await state(handle)

    assert s.clock.tier == "standard" and s.clock.acceptance == "1wd"
    # Counted from where the unit could start work: the dispatch, moved on by days off before acceptance.
    assert [c.due - s.clock_origin for c in s.checkpoints] == [timedelta(days=d) for d in (1, 3, 5, 7)]
    assert s.closure_deadline == s.checkpoints[-1].due
    # One working day: a whole number of days later (more over weekends and holidays), same time of day.
    assert s.accept_deadline - s.dispatched_at >= timedelta(days=1)
    assert (s.accept_deadline - s.dispatched_at).seconds < 60
    attrs = await attributes(cases, handle)
    assert attrs["Deadline"] == s.closure_deadline
    assert attrs["TicketStatus"] == "dispatched" and attrs["Colour"] == "green" and attrs["Overdue"] is False


async def test_acceptance_timeout_counts_against_the_unit_escalates_and_tells_the_supervisor(cases):
    handle = await dispatched(cases)
    limit = (await state(handle)).accept_deadline

    await advance_to(cases, limit)
    await logged(cases, handle.id, lambda found: "acceptance_overdue" in found)
    s = await state(handle)

    assert s.stage == Stage.DISPATCHED and s.response_failed and s.escalated
    assert actions(cases, handle.id).count("acceptance_overdue") == 1
    (overdue,) = await recorded(cases, handle.id, "acceptance_overdue")
    assert overdue.unit_id == "dept-ecology" and overdue.role == "system"
    assert overdue.at >= limit
    found = await eventually(sync_probe(lambda: _kinds(cases, handle.id, "acceptance_overdue")), lambda n: len(n) >= 2)
    assert found == [("acceptance_overdue", "supervisor", "supervision"),
                     ("acceptance_overdue", "unit", "dept-ecology")]
    assert ticket(cases, handle.id).escalated

    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    (late,) = events_of(cases, handle.id, "accepted")
    assert late.details == {"on_time": False}
    assert (await state(handle)).stage == Stage.IN_PROGRESS


async def test_accepting_within_the_limit_is_on_time_and_raises_nothing(cases):
    handle = await accepted(cases)
    s = await state(handle)
    await advance_to(cases, s.accept_deadline)
    s = await until(handle, lambda s: s.checkpoints[0].colour is not None)

    (accept,) = events_of(cases, handle.id, "accepted")
    assert accept.details == {"on_time": True}
    assert "acceptance_overdue" not in actions(cases, handle.id) and not s.response_failed and not s.escalated


async def test_accepted_case_without_progress_turns_yellow_then_red_then_overdue(cases):
    handle = await accepted(cases)
    s = await state(handle)
    dues = [c.due for c in s.checkpoints]

    await advance_to(cases, dues[0])
    s = await until(handle, lambda s: s.checkpoints[0].colour is not None)
    assert (s.checkpoints[0].colour, s.checkpoints[0].lagging, s.colour) == (Colour.GREEN, False, Colour.GREEN)
    await _shows(cases, handle, "in_progress", "green", False)

    await advance_to(cases, dues[1])
    s = await until(handle, lambda s: s.checkpoints[1].colour is not None)
    assert (s.checkpoints[1].colour, s.checkpoints[1].lagging, s.colour) == (Colour.YELLOW, True, Colour.YELLOW)
    assert s.checkpoints[1].note == "no progress since the previous checkpoint"
    assert not s.overdue and not s.escalated
    await _shows(cases, handle, "in_progress", "yellow", False)

    await advance_to(cases, dues[2])
    s = await until(handle, lambda s: s.checkpoints[2].colour is not None)
    assert (s.checkpoints[2].colour, s.colour, s.overdue, s.escalated) == (Colour.RED, Colour.RED, False, False)
    await _shows(cases, handle, "in_progress", "red", False)

    await advance_to(cases, dues[3])
    await logged(cases, handle.id, lambda found: "escalated" in found)
    s = await state(handle)
    assert (s.checkpoints[3].colour, s.colour, s.overdue, s.escalated) == (Colour.RED, Colour.RED, True, True)
    assert s.stage == Stage.IN_PROGRESS  # overdue cases stay open: the unit still has to finish
    assert actions(cases, handle.id)[-5:] == ["checkpoint", "checkpoint", "checkpoint", "checkpoint", "escalated"]
    await _shows(cases, handle, "in_progress", "red", True)

    checkpoints = await recorded(cases, handle.id, "checkpoint", 4)
    assert [(e.details["index"], e.details["colour"], e.details["lagging"]) for e in checkpoints] == [
        (1, "green", False), (2, "yellow", True), (3, "red", True), (4, "red", True)]
    assert all(e.at >= due for e, due in zip(checkpoints, dues, strict=True))
    (escalated,) = await recorded(cases, handle.id, "escalated")
    assert escalated.unit_id == "dept-ecology" and escalated.role == "system"
    assert escalated.reason == "overdue at the closure deadline"
    assert await noticed(cases, handle.id, 5) == [
        ("checkpoint_yellow", "unit", "dept-ecology"),
        ("checkpoint_red", "supervisor", "supervision"),
        ("checkpoint_red", "unit", "dept-ecology"),
        ("overdue", "supervisor", "supervision"),
        ("overdue", "unit", "dept-ecology"),
    ]
    row = ticket(cases, handle.id)
    assert (row.colour, row.overdue, row.escalated, row.next_checkpoint_at) == ("red", True, True, None)


async def test_case_with_progress_at_every_checkpoint_stays_green(cases):
    handle = await accepted(cases)
    dues = [c.due for c in (await state(handle)).checkpoints]

    for index, due in enumerate(dues[:3]):
        await advance_to(cases, due)
        await until(handle, lambda s, i=index: s.checkpoints[i].colour is not None)
        if index < 2:
            await handle.execute_update(GrievanceWorkflow.add_progress,
                                        ProgressInput(actor=ECOLOGY, note=f"第{index + 1}次进展"))
    await handle.execute_update(GrievanceWorkflow.submit_result,
                                SubmitResultInput(actor=ECOLOGY, summary="已加装净化器"))
    await advance_to(cases, dues[3])
    s = await until(handle, lambda s: s.checkpoints[3].colour is not None)

    assert [c.colour for c in s.checkpoints] == [Colour.GREEN] * 4
    assert [c.lagging for c in s.checkpoints] == [False] * 4
    assert [c.note for c in s.checkpoints] == ["accepted", "progressing", "progressing", "result submitted"]
    assert s.colour == Colour.GREEN and not s.overdue and not s.escalated
    assert "escalated" not in actions(cases, handle.id)
    # The unit is told nothing; the result waiting days for its review is the reviewer's lateness.
    assert [n for n in notices(cases, handle.id) if n[1] == "unit"] == []
    assert {n[0] for n in notices(cases, handle.id)} <= {"wait_reminder", "wait_overdue"}
    await _shows(cases, handle, "review", "green", False)


async def test_case_not_accepted_at_checkpoint_one_is_yellow_and_red_at_checkpoint_two(cases):
    handle = await dispatched(cases)
    dues = [c.due for c in (await state(handle)).checkpoints]

    await advance_to(cases, dues[0])
    s = await until(handle, lambda s: s.checkpoints[0].colour is not None)
    assert (s.checkpoints[0].colour, s.checkpoints[0].lagging, s.checkpoints[0].note) == (
        Colour.YELLOW, True, "not accepted")
    assert s.colour == Colour.YELLOW and s.stage == Stage.DISPATCHED
    await _shows(cases, handle, "dispatched", "yellow", False)
    (first,) = await recorded(cases, handle.id, "checkpoint")
    fired = first.details.pop("fired_at")  # when the timer really fired; the event carries its due time
    assert first.details == {"index": 1, "colour": "yellow", "lagging": True}
    assert first.at == dues[0] and datetime.fromisoformat(fired) >= dues[0]
    yellow = await eventually(sync_probe(lambda: _kinds(cases, handle.id, "checkpoint_yellow")), bool)
    assert yellow == [("checkpoint_yellow", "unit", "dept-ecology")]

    await advance_to(cases, dues[1])
    s = await until(handle, lambda s: s.checkpoints[1].colour is not None)
    assert (s.checkpoints[1].colour, s.colour) == (Colour.RED, Colour.RED)


def _kinds(h, ticket_id: str, kind: str) -> list[tuple[str, str, str | None]]:
    return [n for n in notices(h, ticket_id) if n[0] == kind]
