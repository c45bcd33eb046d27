"""Extensions (issue 17): only the offered lengths, at most a few per case, asked before the day's cut-off
and the closure deadline; a ruling after the deadline runs from the ruling instead of leaving it passed.

Its own time-skipping server, so the other workflow tests keep their date.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.config import Settings
from core.payloads import ExtensionRequestInput, RulingInput
from tests.temporal_env import time_skipping_env
from tests.workflows.conftest import ECOLOGY, SUPERVISOR
from tests.workflows.steps import accepted, actions, advance_to, recorded, refused, state
from tests.workflows.test_fair_clocks import local, move_to, next_weekday
from workflows.grievance import GrievanceWorkflow

REQUEST = GrievanceWorkflow.request_extension
RULE = GrievanceWorkflow.rule_extension


@pytest.fixture(scope="module")
async def ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture
def harness_settings() -> Settings:
    return Settings(rating_default="satisfied")  # the product's extension rules


def asking(extra: str) -> ExtensionRequestInput:
    return ExtensionRequestInput(actor=ECOLOGY, reason="需协调产权单位", extra=extra)


def ruling(approve: bool = True) -> RulingInput:
    return RulingInput(actor=SUPERVISOR, approve=approve, reason="同意" if approve else "不同意")


async def in_office_hours(h) -> None:
    """Next Tuesday 10:00 local: before the day's cut-off."""
    await move_to(h, await next_weekday(h, 1), 10)


async def test_only_offered_lengths_are_asked_for_and_the_case_keeps_answering(cases):
    await in_office_hours(cases)
    handle = await accepted(cases)
    s = await state(handle)
    assert s.clock.extension_choices == ["1wd", "2wd", "3wd", "5wd", "10wd"]

    for extra in ("4000wh", "999wd", "4wd"):
        cause = await refused(cases, handle, REQUEST, asking(extra), "BadInput")
        assert cause.details[0]["field"] == "extra"
    await handle.execute_update(REQUEST, asking("3wd"))
    await handle.execute_update(RULE, ruling())
    assert (await state(handle)).extension_count == 1


async def test_at_most_two_extensions_are_granted(cases):
    await in_office_hours(cases)
    handle = await accepted(cases)
    for _ in range(2):
        await handle.execute_update(REQUEST, asking("1wd"))
        await handle.execute_update(RULE, ruling())
    cause = await refused(cases, handle, REQUEST, asking("1wd"), "WrongState")
    assert cause.details[0]["limit"] == 2


async def test_requests_after_the_days_cut_off_wait_for_the_next_day(cases):
    day = await next_weekday(cases, 2)
    await move_to(cases, day, 9)
    handle = await accepted(cases)
    await move_to(cases, day, 17, 30)
    cause = await refused(cases, handle, REQUEST, asking("1wd"), "WrongState")
    assert cause.details[0]["cutoff"] == "17:00"
    await move_to(cases, day + timedelta(days=1), 9)
    await handle.execute_update(REQUEST, asking("1wd"))


async def test_a_ruling_after_the_closure_deadline_runs_from_the_ruling(cases):
    await in_office_hours(cases)
    handle = await accepted(cases)
    s = await state(handle)
    await move_to(cases, local(s.closure_deadline).date() - timedelta(days=1), 10)
    await handle.execute_update(REQUEST, asking("2wd"))  # in time
    await advance_to(cases, s.closure_deadline, margin=timedelta(days=1))  # the supervisor is late
    late = await state(handle)
    assert late.overdue and late.checkpoints[-1].colour is not None

    await handle.execute_update(RULE, ruling())
    s = await state(handle)
    ruled_at = (await recorded(cases, handle.id, "extension_approved"))[0].at
    assert s.closure_deadline > ruled_at + timedelta(days=1) and not s.overdue
    assert len(s.checkpoints) == 5 and s.checkpoints[-1].colour is None  # the new deadline is watched
    await advance_to(cases, s.closure_deadline)
    s = await state(handle)
    assert s.checkpoints[-1].colour is not None and s.overdue  # and judged when it passes
    assert actions(cases, handle.id).count("escalated") == 2
