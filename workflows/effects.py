"""CaseEffects: every side effect of one grievance, as activities, in one place.

The audit row and read-model snapshot of each transition, deadline computation, catalog checks,
notices, routing, publication. Deterministic: it only schedules activities and upserts search
attributes; the workflow decides when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import (
        ComputeDeadlinesInput,
        DeadlineActivities,
        DeadlineRequest,
        PlanClocksInput,
        PlannedClocks,
    )
    from activities.notices import NoticeActivities, SendNoticeInput
    from activities.publication import ProposeCatalogChangeInput, PublicationActivities, PublishCaseInput
    from activities.read_model import ReadModelActivities, RecordEventInput
    from activities.routing import LearnRoutingInput, PlanDispatchInput, ProposeRoutingInput, RoutingActivities
    from core import guards
    from core.messages import Actor, DispatchPlan, GrievanceState, RoutingProposal, Stage
    from core.payloads import JoinInput
    from core.ticket_row import ticket_fields
    from core.vocabulary import AuditAction
    from workflows import search_attributes
    from workflows.patches import LOCAL_ROUTING, SEARCH_ATTRIBUTES_ON_CHANGE

LOCAL_TIMEOUT = timedelta(seconds=30)
ACTIVITY_TIMEOUT = timedelta(minutes=2)
ROUTING_RETRY = RetryPolicy(maximum_attempts=3)


class CaseEffects:
    def __init__(self, state: GrievanceState) -> None:
        self.s = state
        self.seq = 0  # the audit sequence: one per transition, the read model's idempotency key
        self.trail: list[tuple[int, str, str, str]] = []  # (seq, action, actor id, time) of each audit row
        self.background: list[asyncio.Future] = []  # best-effort activities nobody waits for
        self.before_record: Callable[[], Awaitable[None]] | None = None  # brings derived state up to date
        self.searchable: list | None = None  # the search-attribute updates last sent

    async def record(self, actor: Actor, action: AuditAction, before: Stage | None, reason: str = "", *,
                     unit_id: str | None = None, details: dict | None = None, at: datetime | None = None) -> None:
        """Every transition: search attributes, and the idempotent audit row and snapshot in the read model.

        `at` is when it happened, now unless a clock says otherwise (a timer fires late after an outage:
        its event belongs to its due time, and so to that day's and month's figures)."""
        if self.before_record is not None:
            await self.before_record()
        self.seq += 1
        at = at or workflow.now()
        self.trail.append((self.seq, action.value, actor.id, at.isoformat()))
        self.upsert_search_attributes()
        # Built now: a local activity retried after backoff is scheduled again from its input object.
        row = ticket_fields(self.s)
        await workflow.execute_local_activity_method(
            ReadModelActivities.record_event,
            RecordEventInput(ticket_id=self.s.ticket_id, seq=self.seq, at=at, actor=actor,
                             action=action.value, row=row, reason=reason, unit_id=unit_id, stage_before=before,
                             details=details or {}, fence=workflow.info().get_current_history_length()),
            start_to_close_timeout=LOCAL_TIMEOUT,
        )

    async def plan(self, actor: Actor, item_code: str | None, primary: str | None, cooperating: list[str]
                   ) -> DispatchPlan:
        """The catalog's answer to a dispatch; its refusal becomes the update's error."""
        try:
            return await workflow.execute_local_activity_method(
                RoutingActivities.plan_dispatch,
                PlanDispatchInput(self.s.ticket_id, actor, item_code, primary, list(cooperating),
                                  self.s.intake.street_id),
                start_to_close_timeout=LOCAL_TIMEOUT,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                raise guards.fail(cause.message, cause.type or guards.BAD_INPUT) from None
            raise

    async def deadlines(self, requests: list[tuple[datetime, str]]) -> list[datetime]:
        if not requests:
            return []
        computed = await workflow.execute_local_activity_method(
            DeadlineActivities.compute_deadlines,
            ComputeDeadlinesInput([DeadlineRequest(start, duration) for start, duration in requests]),
            start_to_close_timeout=LOCAL_TIMEOUT,
        )
        self.s.calendar_fallback = self.s.calendar_fallback or computed.calendar_fallback
        return computed.times

    async def plan_clocks(self, dispatched_at: datetime) -> PlannedClocks:
        """A first dispatch's acceptance limit and checkpoints, in one local activity."""
        clock = self.s.clock
        planned = await workflow.execute_local_activity_method(
            DeadlineActivities.plan_clocks,
            PlanClocksInput(dispatched_at, clock.acceptance, list(clock.checkpoints), clock.bounce_window),
            start_to_close_timeout=LOCAL_TIMEOUT,
        )
        self.s.calendar_fallback = self.s.calendar_fallback or planned.calendar_fallback
        return planned

    async def propose_routing(self) -> RoutingProposal | None:
        intake = self.s.intake
        routing = ProposeRoutingInput(intake.description, intake.street_id, intake.category_hint,
                                      intake.requested_item_code)
        try:
            if workflow.patched(LOCAL_ROUTING):
                return await workflow.execute_local_activity_method(
                    RoutingActivities.propose_routing, routing,
                    start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=ROUTING_RETRY)
            return await workflow.execute_activity_method(
                RoutingActivities.propose_routing, routing,
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ROUTING_RETRY,
            )
        except ActivityError:
            return None  # the dispatcher routes by hand

    def learn(self, item_code: str) -> None:
        """Routing learns from the dispatcher's choice; best effort, so it never delays the dispatcher."""
        self.background.append(workflow.start_activity_method(
            RoutingActivities.learn_routing, LearnRoutingInput(item_code, self.s.intake.description),
            start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ROUTING_RETRY,
        ))

    async def notify(self, kind: str, audience: str, message: str) -> None:
        unit = self.s.primary.id if self.s.primary else self.s.dispatch_owner_id
        others = self.s.district_id or "supervision"
        target = {"unit": unit, "dispatcher": self.s.dispatch_owner_id}.get(audience, others)
        await workflow.execute_activity_method(
            NoticeActivities.send_notice,
            SendNoticeInput(key=f"{self.s.ticket_id}:{self.seq}:{kind}:{audience}", ticket_id=self.s.ticket_id,
                            kind=kind, audience=audience, message=message, at=workflow.now(), unit_id=target),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )

    async def join(self, into: str, ticket_ids: list[str]) -> None:
        """Tells the case `into` that these tickets' complainants follow it now (a signal by name: the
        workflow class imports this module). A case that ended meanwhile cannot take them: logged only."""
        try:
            await workflow.get_external_workflow_handle(into).signal("complainant_joined", JoinInput(ticket_ids))
        except FailureError as err:  # the target finished or does not exist; the merge stands
            workflow.logger.warning("merged into %s, which could not be told: %s", into, err)

    async def propose_catalog_change(self, actor: Actor, reason: str, item_code: str | None, unit_id: str) -> None:
        await workflow.execute_activity_method(
            PublicationActivities.propose_catalog_change,
            ProposeCatalogChangeInput(
                source_key=f"{self.s.ticket_id}:{self.seq}", ticket_id=self.s.ticket_id, reason=reason,
                proposed_by=actor.name or actor.id, at=workflow.now(), item_code=item_code,
                proposed_primary_unit_id=unit_id),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )

    async def publish(self) -> bool:
        """The public board's masked summary; False for a confidential case."""
        intake = self.s.intake
        return await workflow.execute_activity_method(
            PublicationActivities.publish_case,
            PublishCaseInput(self.s.ticket_id, intake.description, self.s.result_summary,
                             intake.complainant.name, intake.complainant.phone, intake.confidential),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )

    def upsert_search_attributes(self) -> None:
        s, keys = self.s, search_attributes
        updates = [
            keys.TICKET_STATUS.value_set(s.stage.value),
            keys.UNIT.value_set(s.primary.id) if s.primary else keys.UNIT.value_unset(),
            keys.DEADLINE.value_set(s.closure_deadline) if s.closure_deadline else keys.DEADLINE.value_unset(),
            keys.OVERDUE.value_set(s.overdue),
            keys.COLOUR.value_set(s.colour.value),
        ]
        if updates == self.searchable and workflow.patched(SEARCH_ATTRIBUTES_ON_CHANGE):
            return
        self.searchable = updates
        workflow.upsert_search_attributes(updates)
