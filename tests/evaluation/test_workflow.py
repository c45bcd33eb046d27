"""MonthlyEvaluationWorkflow on the time-skipping server, and its Schedule on a real dev server."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleRange, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer, Worker

from activities.evaluation import evaluation_activities
from core import evaluation as ev
from core import reports
from core.models.evaluation import EvaluationRun, UnitResult
from tests.evaluation.conftest import configured
from tests.temporal_env import TEST_CONVERTER
from workflows.evaluation import (
    SCHEDULE_ID,
    MonthlyEvaluationInput,
    MonthlyEvaluationSummary,
    MonthlyEvaluationWorkflow,
    ensure_monthly_schedule,
    start_month,
)

RUN_TIMEOUT = 120


@asynccontextmanager
async def evaluation_worker(client: Client, engine, settings):
    task_queue = f"eval-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(client, task_queue=task_queue, workflows=[MonthlyEvaluationWorkflow],
                          activities=evaluation_activities(engine, settings), activity_executor=executor):
            yield task_queue


async def run(client: Client, task_queue: str, **fields) -> MonthlyEvaluationSummary:
    # A bounded wait: a workflow task that fails retries forever and would otherwise hang the suite.
    return await asyncio.wait_for(client.execute_workflow(
        MonthlyEvaluationWorkflow.run, MonthlyEvaluationInput(**fields), id=f"evaluation-{uuid.uuid4()}",
        task_queue=task_queue), RUN_TIMEOUT)


def frozen_rows(engine, month: str) -> dict[str, list[tuple]]:
    with Session(engine) as session:
        runs = session.exec(select(EvaluationRun).where(EvaluationRun.period == month)).all()
        result = {}
        for r in runs:
            rows = session.exec(select(UnitResult).where(UnitResult.run_id == r.id).order_by(UnitResult.unit_id))
            result[r.scope] = [tuple(v for k, v in row.model_dump().items() if k not in ("id", "run_id"))
                               for row in rows]
        return result


async def test_running_a_month_twice_freezes_identical_figures(eval_ts_env, engine, october, settings):
    async with evaluation_worker(eval_ts_env.client, engine, settings) as task_queue:
        first = await run(eval_ts_env.client, task_queue, month="2026-10")
        before = frozen_rows(engine, "2026-10")
        handle = await start_month(eval_ts_env.client, task_queue, "2026-10")  # the re-run an operator starts
        second = await asyncio.wait_for(handle.result(), RUN_TIMEOUT)
        after = frozen_rows(engine, "2026-10")

    assert first.month == second.month == "2026-10"
    assert [s.frozen.scope for s in first.scopes] == ["city", "d-east", "d-west"]
    assert [s.frozen.digest for s in first.scopes] == [s.frozen.digest for s in second.scopes]
    assert [s.frozen.runs for s in second.scopes] == [2, 2, 2]
    assert before == after and len(after["city"]) == 10
    city = first.scopes[0]
    assert city.frozen.first_receiver_units == ["dept-ecology"] and city.report_error == ""
    assert sorted(Path(f).name for f in city.files) == ["city.csv", "city.pdf", "city.xlsx"]
    assert Path(city.files[0]).parent == settings.data_dir / "reports" / "2026-10"


async def test_without_a_month_it_evaluates_the_month_before_the_run(eval_ts_env, engine, october, settings):
    async with evaluation_worker(eval_ts_env.client, engine, settings) as task_queue:
        handle = await eval_ts_env.client.start_workflow(
            MonthlyEvaluationWorkflow.run, MonthlyEvaluationInput(scope="city", write_reports=False),
            id=f"evaluation-{uuid.uuid4()}", task_queue=task_queue)
        summary = await asyncio.wait_for(handle.result(), RUN_TIMEOUT)
        history = await handle.fetch_history()
    # workflow.now() is the time of the first workflow task (the test server's clock, not the wall clock)
    first_task = next(e for e in history.events if e.HasField("workflow_task_started_event_attributes"))
    expected = ev.previous_month_key(first_task.event_time.ToDatetime(tzinfo=UTC))
    assert summary.month == expected
    assert [s.frozen.scope for s in summary.scopes] == ["city"] and summary.scopes[0].files == []
    with Session(engine) as session:
        assert reports.find_run(session, expected, "city") is not None
    replayer = Replayer(workflows=[MonthlyEvaluationWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)  # deterministic on replay


async def test_a_bad_month_fails_the_run_with_the_reason(eval_ts_env, engine, october, settings):
    async with evaluation_worker(eval_ts_env.client, engine, settings) as task_queue:
        with pytest.raises(WorkflowFailureError) as failure:
            await run(eval_ts_env.client, task_queue, month="2026-13", scope="city")
    cause = failure.value.cause.cause
    assert isinstance(cause, ApplicationError) and cause.type == "BadPeriod" and "2026-13" in cause.message


async def test_a_missing_font_keeps_the_figures_and_reports_the_error(eval_ts_env, engine, october, tmp_path):
    settings = configured(data_dir=tmp_path, report_font_path=str(tmp_path / "none.ttc"))
    async with evaluation_worker(eval_ts_env.client, engine, settings) as task_queue:
        summary = await run(eval_ts_env.client, task_queue, month="2026-10", scope="city")
    assert "fonts-wqy-microhei" in summary.scopes[0].report_error and summary.scopes[0].files == []
    assert frozen_rows(engine, "2026-10")["city"]


# ---- the schedule (a real dev server: the time-skipping server does not run schedules) ----


@pytest.mark.devserver
async def test_the_monthly_schedule_is_created_once_with_the_right_spec(eval_dev_env):
    client = eval_dev_env.client
    schedule_id = f"{SCHEDULE_ID}-{uuid.uuid4().hex[:6]}"
    first = await ensure_monthly_schedule(client, "evaluations", schedule_id=schedule_id)
    again = await ensure_monthly_schedule(client, "evaluations", schedule_id=schedule_id)
    assert first.id == again.id == schedule_id
    listed = [s.id async for s in await client.list_schedules() if s.id == schedule_id]
    assert listed == [schedule_id]

    described = await again.describe()
    assert described.info.last_updated_at is None  # the second call found it as wanted and left it alone
    spec = described.schedule.spec
    assert spec.time_zone_name == "Asia/Shanghai"
    (calendar,) = spec.calendars
    assert [list(r) for r in (calendar.second, calendar.minute, calendar.hour, calendar.day_of_month)] == \
        [[ScheduleRange(0, 0)], [ScheduleRange(0, 0)], [ScheduleRange(2, 2)], [ScheduleRange(1, 1)]]
    assert list(calendar.month) == [ScheduleRange(1, 12)] and list(calendar.day_of_week) == [ScheduleRange(0, 6)]
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == ("MonthlyEvaluationWorkflow", "evaluations")
    upcoming = described.info.next_action_times[0].astimezone(ev.tz_of(None))
    assert (upcoming.day, upcoming.hour, upcoming.minute, upcoming.second) == (1, 2, 0, 0)
    assert described.schedule.policy.catchup_window.days == 7


@pytest.mark.devserver
async def test_ensure_updates_a_changed_schedule_and_keeps_a_pause(eval_dev_env):
    client = eval_dev_env.client
    schedule_id = f"{SCHEDULE_ID}-{uuid.uuid4().hex[:6]}"
    handle = await ensure_monthly_schedule(client, "old-queue", schedule_id=schedule_id)
    await handle.pause(note="paused by an operator")
    await ensure_monthly_schedule(client, "new-queue", schedule_id=schedule_id)
    described = await handle.describe()
    assert described.schedule.action.task_queue == "new-queue"
    assert described.schedule.state.paused is True


@pytest.mark.devserver
async def test_a_triggered_scheduled_run_freezes_the_previous_month(eval_dev_env, engine, october, settings):
    client = eval_dev_env.client
    schedule_id = f"{SCHEDULE_ID}-{uuid.uuid4().hex[:6]}"
    async with evaluation_worker(client, engine, settings) as task_queue:
        handle = await ensure_monthly_schedule(client, task_queue, schedule_id=schedule_id)
        await handle.trigger()
        expected = ev.previous_month_key(datetime.now(UTC))
        for _ in range(200):
            described = await handle.describe()
            if described.info.recent_actions:
                started = described.info.recent_actions[-1].action
                result = await client.get_workflow_handle(
                    started.workflow_id, result_type=MonthlyEvaluationSummary).result()
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the schedule did not start a run")
        await handle.delete()
    assert result.month == expected
    assert [s.frozen.scope for s in result.scopes] == ["city", "d-east", "d-west"]
