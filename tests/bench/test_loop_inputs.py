"""The loop bench drives our workflow without the web too, with the inputs of one real loop read from its history."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory

from bench.loop import LOOP_UPDATES, STEP_OF, loop_inputs, shape_of
from bench.minimal_workflow import UPDATES
from core.messages import GrievanceInput, Rating, Role
from core.payloads import DispatchInput, RateInput
from tests.temporal_env import TEST_CONVERTER

HISTORIES = Path(__file__).resolve().parents[1] / "workflows" / "histories"
LOOP = HISTORIES / "encrypted-search_attributes_on_change_closed.json"  # the bench's loop, recorded by the replay tests


async def test_a_loops_intake_and_updates_are_read_from_its_history_in_order():
    history = WorkflowHistory.from_json("loop", LOOP.read_text(encoding="utf-8"))
    intake, updates = await loop_inputs(history.events, TEST_CONVERTER)

    assert isinstance(intake, GrievanceInput) and intake.ticket_id == "2026-1201-900019"
    assert [name for name, _ in updates] == ["dispatch", "accept", "submit_result", "review", "rate"]
    assert all(isinstance(arg, LOOP_UPDATES[name][1]) for name, arg in updates)
    (dispatch,) = [arg for name, arg in updates if name == "dispatch"]
    assert isinstance(dispatch, DispatchInput) and dispatch.item_code == "MK-001"
    (rate,) = [arg for name, arg in updates if name == "rate"]
    assert isinstance(rate, RateInput) and rate.rating == Rating.SATISFIED and rate.actor.role == Role.CITIZEN


def test_each_update_is_timed_under_the_action_the_json_api_names():
    assert [STEP_OF.get(name, name) for name in LOOP_UPDATES] == list(UPDATES)


def test_the_engine_copies_the_loops_shape_from_the_same_history():
    history = WorkflowHistory.from_json("loop", LOOP.read_text(encoding="utf-8"))
    shape, _ = shape_of(history.events)
    assert shape.intake == ("local", "local", "local")
    assert shape.update_locals == {"dispatch": 3, "accept": 1, "submit": 2, "review": 2, "rate": 2}
    assert shape.background_on_dispatch == 1
