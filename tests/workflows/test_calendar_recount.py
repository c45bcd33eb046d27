"""A calendar edit while cases are open (issue 17): told by the calendar_revised signal, a case counts its
deadlines still ahead again from their own starts (the assignment, the clock's origin, each granted
extension in turn, each waiting) and records what moved. Its own time-skipping server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from core import calendar_years
from core.models.calendar import CalendarDay
from core.payloads import AcceptInput, ExtensionRequestInput, RulingInput
from tests.temporal_env import time_skipping_env
from tests.workflows.conftest import ECOLOGY, SUPERVISOR
from tests.workflows.steps import accepted, dispatched, events_of, logged, state
from tests.workflows.test_fair_clocks import local, move_to, next_weekday
from workflows.grievance import GrievanceWorkflow


@pytest.fixture(scope="module")
async def ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


def holiday(h, day) -> None:
    with Session(h.engine) as session:
        session.merge(CalendarDay(day=day, is_workday=False, name="临时假日", source="admin"))
        calendar_years.revise(session, day.year)
        session.commit()


async def test_a_holiday_entered_on_the_acceptance_day_moves_the_acceptance_limit(cases):
    await move_to(cases, await next_weekday(cases, 0), 10)  # a Monday: the limit is Tuesday 10:00
    handle = await dispatched(cases)
    before = await state(handle)
    holiday(cases, local(before.accept_deadline).date())

    await handle.signal(GrievanceWorkflow.calendar_revised)
    await logged(cases, handle.id, lambda found: "clocks_recounted" in found)
    after = await state(handle)
    assert after.accept_deadline == before.accept_deadline + timedelta(days=1)
    assert after.bounce_deadline == before.bounce_deadline + timedelta(days=1)
    assert after.closure_deadline == before.closure_deadline  # seven calendar days: no holiday counts
    (recounted,) = events_of(cases, handle.id, "clocks_recounted")
    assert recounted.details["old_accept_deadline"] == before.accept_deadline.isoformat()
    assert recounted.details["new_accept_deadline"] == after.accept_deadline.isoformat()


async def test_a_granted_extension_is_counted_again_on_the_revised_calendar(cases):
    await move_to(cases, await next_weekday(cases, 0), 10)
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.request_extension,
                                ExtensionRequestInput(actor=ECOLOGY, reason="等待检测", extra="2wd"))
    await handle.execute_update(GrievanceWorkflow.rule_extension,
                                RulingInput(actor=SUPERVISOR, approve=True, reason="同意"))
    before = await state(handle)
    assert before.checkpoints[-1].extras == ["2wd"]
    holiday(cases, local(before.closure_deadline).date() - timedelta(days=1))  # inside the extension's days

    await handle.signal(GrievanceWorkflow.calendar_revised)
    await logged(cases, handle.id, lambda found: "clocks_recounted" in found)
    after = await state(handle)
    assert after.closure_deadline > before.closure_deadline
    assert after.checkpoints[-1].due == after.closure_deadline


async def test_a_revision_that_moves_nothing_records_nothing(cases):
    await move_to(cases, await next_weekday(cases, 0), 10)
    handle = await dispatched(cases)
    before = await state(handle)
    await handle.signal(GrievanceWorkflow.calendar_revised)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))  # after the signal
    assert events_of(cases, handle.id, "clocks_recounted") == []
    assert (await state(handle)).closure_deadline == before.closure_deadline
