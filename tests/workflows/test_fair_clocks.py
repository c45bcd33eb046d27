"""Fair clocks on every calendar day (issue 17): no checkpoint judges a duty before it is due, and urgent
clocks run round the clock.

Each test moves this module's own time-skipping server to a Friday evening, a holiday eve or a night, so
the shared server of the other workflow tests keeps its date.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from temporalio.worker import Worker

from activities import build_activities
from core import supervision
from core.config import Settings
from core.messages import Checkpoint, GrievanceState, Stage
from core.models.calendar import CalendarDay
from core.payloads import AcceptInput, DispatchInput
from tests.temporal_env import start_dev_server, time_skipping_env
from tests.utils.catalog import seed_small_catalog
from tests.workflows.conftest import CENTRE, ECOLOGY, HOUSING, TrackedHarness, _idle, make_input
from tests.workflows.steps import actions, advance_to, dispatched, events_of, eventually, logged, state
from workflows.grievance import GrievanceWorkflow

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
async def ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def move_to(h, day: date, hour: int, minute: int = 0) -> datetime:
    """Skips this server's time to a local time (timers due on the way fire)."""
    target = datetime.combine(day, time(hour, minute), TZ)
    now = await h.env.get_current_time()
    assert target > now, f"{target} is already past ({now})"
    await h.env.sleep(target - now)
    return target


async def next_weekday(h, weekday: int, weeks_ahead: int = 0) -> date:
    """The next `weekday` (0 = Monday) after the server's today, `weeks_ahead` weeks later."""
    today = (await h.env.get_current_time()).astimezone(TZ).date()
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1 + 7 * weeks_ahead)


def local(moment: datetime) -> datetime:
    return moment.astimezone(TZ)


async def test_a_friday_evening_dispatch_is_not_judged_over_the_weekend(cases):
    friday = await next_weekday(cases, 4)
    await move_to(cases, friday, 15, 59)
    handle = await dispatched(cases)
    s = await state(handle)
    monday = friday + timedelta(days=3)

    assert local(s.accept_deadline).date() == monday
    # The weekend before the acceptance limit does not count against the seven days.
    assert s.clock_origin - s.dispatched_at == timedelta(days=2)
    assert [c.due - s.clock_origin for c in s.checkpoints] == [timedelta(days=d) for d in (1, 3, 5, 7)]
    assert s.checkpoints[0].due >= s.accept_deadline

    await move_to(cases, monday, 10)
    s = await state(handle)
    assert [c.colour for c in s.checkpoints] == [None] * 4 and s.colour.value == "green" and not s.escalated
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    await advance_to(cases, s.checkpoints[0].due)
    s = await state(handle)
    assert s.checkpoints[0].colour.value == "green" and not s.response_failed and not s.escalated
    # The acceptance limit and checkpoint 1 fall at the same moment: the acceptance clock, replaced by the
    # on-time acceptance, must not fire.
    assert "acceptance_overdue" not in actions(cases, handle.id)


async def test_a_holiday_eve_dispatch_waits_for_the_holiday_to_end(cases):
    eve = await next_weekday(cases, 3, weeks_ahead=1)  # a Thursday, then nine days off and a make-up Sunday
    holiday = [eve + timedelta(days=n) for n in range(1, 10)]
    back = holiday[-1] + timedelta(days=1)
    with Session(cases.engine) as session:
        for day in holiday:
            session.merge(CalendarDay(day=day, is_workday=False, name="春节", source="admin"))
        session.merge(CalendarDay(day=back, is_workday=True, name="春节调休", source="admin"))
        session.commit()
    await move_to(cases, eve, 15, 59)
    handle = await dispatched(cases)
    s = await state(handle)

    assert local(s.accept_deadline).date() == back
    assert all(c.due >= s.accept_deadline for c in s.checkpoints)

    await move_to(cases, holiday[-1], 20)  # the last day off: nothing has been judged yet
    s = await state(handle)
    assert [c.colour for c in s.checkpoints] == [None] * 4
    assert not (s.escalated or s.overdue or s.response_failed)
    await move_to(cases, back, 9)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    await advance_to(cases, s.checkpoints[0].due)
    s = await state(handle)
    assert s.checkpoints[0].colour.value == "green" and not s.escalated
    assert "escalated" not in actions(cases, handle.id) and "acceptance_overdue" not in actions(cases, handle.id)


async def test_an_urgent_case_filed_at_night_must_be_accepted_within_two_hours(cases):
    night = await next_weekday(cases, 2)
    await move_to(cases, night, 18)
    handle = await dispatched(cases, item_code="GS-001", unit="dept-housing",
                              description="小区里燃气味很重，可能泄漏")
    s = await state(handle)

    assert s.clock.tier == "urgent" and s.accept_deadline - s.dispatched_at == timedelta(hours=2)
    assert s.clock_origin == s.dispatched_at and s.closure_deadline - s.dispatched_at == timedelta(days=1)
    await advance_to(cases, s.accept_deadline)
    await logged(cases, handle.id, lambda found: "acceptance_overdue" in found)
    s = await state(handle)
    assert s.stage == Stage.DISPATCHED and s.response_failed
    assert HOUSING.unit_id == s.primary.id


def test_a_checkpoint_before_the_acceptance_limit_does_not_judge_acceptance():
    dispatched_at = datetime(2026, 12, 4, 16, tzinfo=TZ)
    s = GrievanceState(ticket_id="T-1", stage=Stage.DISPATCHED, intake=make_input("T-1"),
                       dispatched_at=dispatched_at, accept_deadline=dispatched_at + timedelta(days=3),
                       checkpoints=[Checkpoint(index=i + 1, due=dispatched_at + timedelta(days=d))
                                    for i, d in enumerate((1, 3, 5, 7))])

    assert supervision.assess(s, 1) == (False, "acceptance not yet due")
    assert supervision.assess(s, 2) == (True, "not accepted")  # due at the acceptance limit itself
    assert supervision.assess(s, 1, waits_for_acceptance_limit=False) == (True, "not accepted")


@asynccontextmanager
async def worker(h):
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(h.client, task_queue=h.task_queue, workflows=[GrievanceWorkflow],
                          activities=build_activities(h.engine, h.settings), activity_executor=executor):
            yield


# Minute clocks on a real dev server: the time-skipping server cannot let a timer come due while no worker
# runs (it holds its time still until the workflow task is taken), so the outage is a real one here.
MINUTE_CLOCKS = '{"standard": {"acceptance": "1m", "closure": "7d", "checkpoints": "1d,3d,5d,7d"}}'
OUTAGE = timedelta(seconds=8)


@pytest.fixture
async def dev_env():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.mark.devserver
async def test_a_clock_that_fires_late_after_an_outage_keeps_its_due_time(dev_env, engine):
    with Session(engine) as session:
        seed_small_catalog(session)
    settings = Settings(clock_plans=MINUTE_CLOCKS, rating_default="satisfied")
    h = TrackedHarness(dev_env, dev_env.client, f"tq-{uuid.uuid4()}", engine, settings)
    async with worker(h):
        handle = await h.start()
        await logged(h, handle.id, lambda found: found[:2] == ["received", "routed"])
        await handle.execute_update(GrievanceWorkflow.dispatch, DispatchInput(
            actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology"))
        s = await state(handle)
        await eventually(lambda: _idle(handle), bool, timeout=60)
    pause = s.accept_deadline + OUTAGE - datetime.now(s.accept_deadline.tzinfo)
    await asyncio.sleep(pause.total_seconds())  # the stack is down when the acceptance limit passes
    async with worker(h):
        await logged(h, handle.id, lambda found: "escalated" in found)
        overdue, escalated = events_of(h, handle.id, "acceptance_overdue") + events_of(h, handle.id, "escalated")
        await handle.terminate("test finished")
    assert overdue.at == escalated.at == s.accept_deadline
    assert datetime.fromisoformat(overdue.details["fired_at"]) - s.accept_deadline >= OUTAGE
