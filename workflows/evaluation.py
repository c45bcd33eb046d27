"""MonthlyEvaluationWorkflow (评 报): freeze a month's figures per scope, then write its report files.

A Temporal Schedule starts it at 02:00 Asia/Shanghai on the 1st of each month for the previous month;
started by hand with an explicit month it re-runs that month and freezes the same figures again.
Deterministic: the month comes from the input or the scheduled time; all I/O is in activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    WorkflowHandle,
)
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.evaluation import (
        BuildReportInput,
        EvaluationActivities,
        FreezeMonthInput,
        FrozenMonth,
        ListScopesInput,
    )
    from core.config import defaults
    from core.evaluation import CITY, previous_month_key

SCHEDULE_ID = "monthly-evaluation"
WORKFLOW_ID = "monthly-evaluation"  # scheduled runs get the scheduled time appended by Temporal
ALL_SCOPES = "all"
FREEZE_TIMEOUT = timedelta(minutes=30)  # a month of a large city is a few grouped queries, but be generous
REPORT_TIMEOUT = timedelta(minutes=10)
RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=5))
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@dataclass
class MonthlyEvaluationInput:
    month: str = ""  # "2026-10"; "" means the month before the (scheduled) start, in `timezone`
    scope: str = ALL_SCOPES  # "all" (the city and every district), "city", or one district's id
    timezone: str = defaults().timezone
    write_reports: bool = True


@dataclass
class ScopeSummary:
    frozen: FrozenMonth
    files: list[str] = field(default_factory=list)
    report_error: str = ""  # the figures stay frozen even when the report files cannot be written


@dataclass
class MonthlyEvaluationSummary:
    month: str
    scopes: list[ScopeSummary] = field(default_factory=list)


@workflow.defn
class MonthlyEvaluationWorkflow:
    @workflow.run
    async def run(self, input: MonthlyEvaluationInput) -> MonthlyEvaluationSummary:
        month = input.month or previous_month_key(self._started_for(), input.timezone)
        summary = MonthlyEvaluationSummary(month)
        for scope in await self._scopes(input.scope):
            frozen = await self._freeze(month, scope)
            files, error = await self._report(month, scope) if input.write_reports else ([], "")
            summary.scopes.append(ScopeSummary(frozen, files, error))
        return summary

    def _started_for(self) -> datetime:
        """The schedule's nominal time when a schedule started this run (a late start still knows its month)."""
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        return scheduled or workflow.now()

    async def _scopes(self, scope: str) -> list[str]:
        if scope != ALL_SCOPES:
            return [scope or CITY]
        return await workflow.execute_activity_method(
            EvaluationActivities.list_scopes, ListScopesInput(), start_to_close_timeout=timedelta(minutes=1),
            retry_policy=RETRY,
        )

    async def _freeze(self, month: str, scope: str) -> FrozenMonth:
        return await workflow.execute_activity_method(
            EvaluationActivities.freeze_month, FreezeMonthInput(month, scope, frozen_at=workflow.now()),
            start_to_close_timeout=FREEZE_TIMEOUT, retry_policy=RETRY,
        )

    async def _report(self, month: str, scope: str) -> tuple[list[str], str]:
        try:
            built = await workflow.execute_activity_method(
                EvaluationActivities.build_report, BuildReportInput(month, scope),
                start_to_close_timeout=REPORT_TIMEOUT, retry_policy=RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            return [], cause.message if isinstance(cause, ApplicationError) else str(err)
        return built.files, ""


# ---- starting it: by hand for a past month, and the monthly schedule ----


async def start_month(client: Client, task_queue: str, month: str, scope: str = ALL_SCOPES) -> WorkflowHandle:
    """Re-run one month by hand; one run per month and scope at a time (a second start fails while it runs)."""
    return await client.start_workflow(MonthlyEvaluationWorkflow.run, MonthlyEvaluationInput(month=month, scope=scope),
                                       id=f"{WORKFLOW_ID}-{month}-{scope}", task_queue=task_queue)



def monthly_schedule(task_queue: str, timezone: str = defaults().timezone) -> Schedule:
    """02:00 on the 1st of every month, local time, for the previous month; a run missed while the
    cluster was down is caught up within a week; runs never overlap."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            MonthlyEvaluationWorkflow.run, MonthlyEvaluationInput(timezone=timezone), id=WORKFLOW_ID,
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(
                second=[ScheduleRange(0, 0)], minute=[ScheduleRange(0, 0)], hour=[ScheduleRange(2, 2)],
                day_of_month=[ScheduleRange(1, 1)], comment="monthly evaluation of the previous month",
            )],
            time_zone_name=timezone,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=7)),
        state=ScheduleState(note="evaluation (评): freezes the previous month's figures and writes the reports"),
    )


async def ensure_monthly_schedule(client: Client, task_queue: str, *, timezone: str = defaults().timezone,
                                  schedule_id: str = SCHEDULE_ID) -> ScheduleHandle:
    """Create the schedule once; later calls leave it alone unless its timing or target changed."""
    wanted = monthly_schedule(task_queue, timezone)
    try:
        return await client.create_schedule(schedule_id, wanted)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(schedule_id)
    current = (await handle.describe()).schedule
    if _timing(current) != _timing(wanted) or _target(current) != _target(wanted):

        def replace(update_input) -> ScheduleUpdate:
            wanted.state = update_input.description.schedule.state  # keep a pause an operator set
            return ScheduleUpdate(schedule=wanted)

        await handle.update(replace)
    return handle


def _timing(schedule: Schedule) -> tuple:
    spec = schedule.spec

    def ranges(values) -> tuple:  # the server stores a single value n as n..n, step 1
        return tuple((r.start, max(r.end, r.start), r.step or 1) for r in values)

    calendars = tuple((ranges(c.second), ranges(c.minute), ranges(c.hour), ranges(c.day_of_month), ranges(c.month),
                       ranges(c.day_of_week)) for c in spec.calendars)
    return calendars, tuple(spec.cron_expressions), spec.time_zone_name


def _target(schedule: Schedule) -> tuple:
    action = schedule.action
    if not isinstance(action, ScheduleActionStartWorkflow):
        return (type(action).__name__,)
    return action.workflow, action.id, action.task_queue
