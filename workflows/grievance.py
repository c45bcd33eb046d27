"""GrievanceWorkflow: one durable workflow per grievance, 接派办督评报宣 from intake to publication.

`run` is the story; every human action is an update with a validator (rules in core/guards.py), every
clock a durable timer of clocks.py. Deterministic: all I/O goes through the activities of effects.py.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # The activity modules too: the SDK resolves their result types' hints through the sandbox's sys.modules.
    import activities.deadlines  # noqa: F401
    import activities.notices  # noqa: F401
    import activities.publication  # noqa: F401
    import activities.read_model  # noqa: F401
    import activities.routing  # noqa: F401
    from core import guards
    from core.messages import GrievanceInput, GrievanceState, PendingRequest, Stage
    from core.payloads import (
        AcceptInput,
        ActionResult,
        BounceRequestInput,
        BounceRulingInput,
        DispatchInput,
        EscalateInput,
        ExtensionRequestInput,
        ProgressInput,
        ReassignInput,
        RejectInput,
        ReviewInput,
        RulingInput,
        SubmitResultInput,
    )
    from core.vocabulary import (
        PENDING_BOUNCE,
        PENDING_EXTENSION,
        AuditAction,
        Detail,
    )
    from workflows.clocks import Acting, CaseClocks
    from workflows.consultation import ConsultationUpdates
    from workflows.effects import CaseEffects
    from workflows.patches import BOUNCE_RULES, EXTENSION_RULES, MERGE_FOLLOWS
    from workflows.pause import PauseUpdates
    from workflows.queries import CaseQueries
    from workflows.rating import RatingUpdates
    from workflows.transitions import CaseTransitions, iso



@workflow.defn
class GrievanceWorkflow(CaseQueries, PauseUpdates, ConsultationUpdates, RatingUpdates):
    @workflow.init
    def __init__(self, input: GrievanceInput) -> None:
        self._s = GrievanceState(
            ticket_id=input.ticket_id, stage=Stage.RECEIVED, intake=input, dispatch_owner_id=input.dispatch_owner_id
        )
        self._fx = CaseEffects(self._s)
        self._lock = asyncio.Lock()
        self._move = CaseTransitions(self._s, self._fx)
        self._clocks = CaseClocks(self._s, self._fx, self._lock, self._move)
        self._received = False

    @workflow.run
    async def run(self, input: GrievanceInput) -> GrievanceState:
        async with self._lock:
            await self._move.receive(input)  # 接
            self._received = True
        # 派 办 督 评 happen through the updates below, under the clocks.
        await self._clocks.run_until_finished()
        if self._s.stage == Stage.CLOSED:
            async with self._lock:
                await self._move.report_and_publicize()  # 报 宣
        await workflow.wait_condition(workflow.all_handlers_finished)
        await asyncio.gather(*self._fx.background, return_exceptions=True)
        return self._s

    # ---- 派 dispatch ----

    @workflow.update
    async def dispatch(self, input: DispatchInput) -> ActionResult:
        async with self._acting():
            self.validate_dispatch(input)
            plan = await self._fx.plan(input.actor, input.item_code, input.primary_unit_id, input.cooperating_unit_ids)
            before = self._s.stage
            chosen = {Detail.ITEM_CODE: plan.item_code, Detail.PRIMARY: plan.primary.id,
                      Detail.COOPERATING: [u.id for u in plan.cooperating], Detail.PROPOSED: self._proposed_item(),
                      Detail.NOTE: input.note}
            if plan.to_district:
                await self._move.hand_to_district(plan)
                action = AuditAction.HANDED_TO_DISTRICT
            else:
                await self._move.assign(plan, first=self._s.dispatched_at is None)
                action = AuditAction.DISPATCHED
            await self._fx.record(input.actor, action, before, details=chosen, unit_id=plan.primary.id)
            self._fx.learn(plan.item_code)
            return self._result()

    @dispatch.validator
    def validate_dispatch(self, input: DispatchInput) -> None:
        guards.validate(guards.Action.DISPATCH, self._s, input, workflow.now())

    @workflow.update
    async def reject(self, input: RejectInput) -> ActionResult:
        async with self._acting():
            self.validate_reject(input)
            before = self._s.stage
            self._s.closed_at = workflow.now()  # before the record, so the read model's row is closed too
            if input.duplicate_of:
                self._s.stage, self._s.duplicate_of = Stage.MERGED, input.duplicate_of
                await self._fx.record(input.actor, AuditAction.MERGED, before, input.reason,
                                      details={Detail.INTO: input.duplicate_of})
                if workflow.patched(MERGE_FOLLOWS):  # its complainants follow the case it joins
                    await self._fx.join(input.duplicate_of, [self._s.ticket_id, *self._s.joined])
            else:
                self._s.stage = Stage.REJECTED
                await self._fx.record(input.actor, AuditAction.REJECTED, before, input.reason)
            return self._result()

    @reject.validator
    def validate_reject(self, input: RejectInput) -> None:
        action = guards.Action.MERGE if input.duplicate_of else guards.Action.REJECT
        guards.validate(action, self._s, input, workflow.now())

    # ---- 办 handle ----

    @workflow.update
    async def accept(self, input: AcceptInput) -> ActionResult:
        async with self._acting():
            self.validate_accept(input)
            now = workflow.now()
            on_time = self._s.accept_deadline is None or now <= self._s.accept_deadline
            self._s.stage, self._s.accepted_at, self._s.last_progress_at = Stage.IN_PROGRESS, now, now
            await self._fx.record(input.actor, AuditAction.ACCEPTED, Stage.DISPATCHED,
                                  details={Detail.ON_TIME: on_time}, unit_id=self._s.primary.id)
            return self._result()

    @accept.validator
    def validate_accept(self, input: AcceptInput) -> None:
        guards.validate(guards.Action.ACCEPT, self._s, input, workflow.now())

    @workflow.update
    async def add_progress(self, input: ProgressInput) -> ActionResult:
        async with self._acting():
            self.validate_add_progress(input)
            self._s.progress_count += 1
            self._s.last_progress_at = workflow.now()
            await self._fx.record(input.actor, AuditAction.PROGRESS, self._s.stage, input.note,
                                  unit_id=input.actor.unit_id)
            return self._result()

    @add_progress.validator
    def validate_add_progress(self, input: ProgressInput) -> None:
        guards.validate(guards.Action.PROGRESS, self._s, input, workflow.now())

    @workflow.update
    async def request_bounce(self, input: BounceRequestInput) -> ActionResult:
        async with self._acting():
            self.validate_request_bounce(input)
            self._s.pending = PendingRequest(PENDING_BOUNCE, input.actor, input.reason, workflow.now(),
                                             claimed_item_code=input.claimed_item_code)
            await self._fx.record(input.actor, AuditAction.BOUNCE_REQUESTED, self._s.stage, input.reason,
                                  details={Detail.CLAIMED_ITEM_CODE: input.claimed_item_code},
                                  unit_id=self._s.primary.id)
            return self._result()

    @request_bounce.validator
    def validate_request_bounce(self, input: BounceRequestInput) -> None:
        guards.validate(guards.Action.REQUEST_BOUNCE, self._s, input, workflow.now())

    @workflow.update
    async def rule_bounce(self, input: BounceRulingInput) -> ActionResult:
        async with self._acting():
            self.validate_rule_bounce(input)
            bouncing_unit, before = self._s.primary.id, self._s.stage
            if not input.approve:
                request, self._s.pending = self._s.pending, None
                if self._s.stage == Stage.DISPATCHED and self._s.accept_deadline and workflow.patched(BOUNCE_RULES):
                    self._move.give_back_acceptance_time(request.at)
                await self._fx.record(input.actor, AuditAction.BOUNCE_DENIED, before, input.reason,
                                      unit_id=bouncing_unit)
                return self._result()
            item = input.item_code or self._s.pending.claimed_item_code
            plan = await self._fx.plan(input.actor, item, input.primary_unit_id, input.cooperating_unit_ids)
            if plan.to_district or plan.primary.id == bouncing_unit:
                raise guards.fail("an approved bounce goes to another handling unit", guards.BAD_INPUT)
            self._s.pending = None
            await self._move.assign(plan, first=False)  # the citizen's clock does not restart
            await self._fx.record(input.actor, AuditAction.BOUNCE_APPROVED, before, input.reason,
                                  unit_id=bouncing_unit,
                                  details={Detail.ITEM_CODE: plan.item_code, Detail.PRIMARY: plan.primary.id})
            return self._result()

    @rule_bounce.validator
    def validate_rule_bounce(self, input: BounceRulingInput) -> None:
        guards.validate(guards.Action.RULE_BOUNCE, self._s, input, workflow.now())

    @workflow.update
    async def request_extension(self, input: ExtensionRequestInput) -> ActionResult:
        async with self._acting():
            self.validate_request_extension(input)
            self._s.pending = PendingRequest(PENDING_EXTENSION, input.actor, input.reason, workflow.now(),
                                             extra=input.extra)
            await self._fx.record(input.actor, AuditAction.EXTENSION_REQUESTED, self._s.stage, input.reason,
                                  details={Detail.EXTRA: input.extra}, unit_id=self._s.primary.id)
            return self._result()

    @request_extension.validator
    def validate_request_extension(self, input: ExtensionRequestInput) -> None:
        guards.validate(guards.Action.REQUEST_EXTENSION, self._s, input, workflow.now())

    @workflow.update
    async def rule_extension(self, input: RulingInput) -> ActionResult:
        async with self._acting():
            self.validate_rule_extension(input)
            request, before = self._s.pending, self._s.stage
            self._s.pending = None
            if not input.approve:
                await self._fx.record(input.actor, AuditAction.EXTENSION_DENIED, before, input.reason,
                                      unit_id=self._s.primary.id)
                return self._result()
            old = self._s.closure_deadline
            await self._move.extend(request.extra, counted=workflow.patched(EXTENSION_RULES))
            await self._fx.record(input.actor, AuditAction.EXTENSION_APPROVED, before, input.reason,
                                  unit_id=self._s.primary.id,
                                  details={Detail.EXTRA: request.extra, Detail.OLD_DEADLINE: iso(old),
                                           Detail.NEW_DEADLINE: iso(self._s.closure_deadline)})
            return self._result()

    @rule_extension.validator
    def validate_rule_extension(self, input: RulingInput) -> None:
        guards.validate(guards.Action.RULE_EXTENSION, self._s, input, workflow.now())

    # ---- 督 supervise (by hand; the clocks are in clocks.py) ----

    @workflow.update
    async def escalate(self, input: EscalateInput) -> ActionResult:
        async with self._acting():
            self.validate_escalate(input)
            self._s.escalated = True
            await self._fx.record(input.actor, AuditAction.ESCALATED, self._s.stage, input.reason,
                                  unit_id=self._s.primary.id if self._s.primary else None)
            await self._fx.notify("escalated", "unit", f"supervisor escalated: {input.reason}")
            return self._result()

    @escalate.validator
    def validate_escalate(self, input: EscalateInput) -> None:
        guards.validate(guards.Action.ESCALATE, self._s, input, workflow.now())

    @workflow.update
    async def reassign(self, input: ReassignInput) -> ActionResult:
        async with self._acting():
            self.validate_reassign(input)
            before, old_unit = self._s.stage, self._s.primary.id if self._s.primary else None
            plan = await self._fx.plan(input.actor, input.item_code or self._s.item_code, input.primary_unit_id,
                                    input.cooperating_unit_ids)
            if plan.to_district:
                await self._move.hand_to_district(plan)
            else:
                await self._move.assign(plan, first=self._s.dispatched_at is None)
            self._s.pending = None
            await self._fx.record(input.actor, AuditAction.REASSIGNED, before, input.reason, unit_id=old_unit,
                                  details={Detail.ITEM_CODE: plan.item_code, Detail.PRIMARY: plan.primary.id})
            return self._result()

    @reassign.validator
    def validate_reassign(self, input: ReassignInput) -> None:
        guards.validate(guards.Action.REASSIGN, self._s, input, workflow.now())

    # ---- 会商 consultation: workflows/consultation.py ----

    # ---- result and review (评 the rating: workflows/rating.py) ----

    @workflow.update
    async def submit_result(self, input: SubmitResultInput) -> ActionResult:
        async with self._acting():
            self.validate_submit_result(input)
            if self._s.paused_at is not None:  # the citizen was reached after all: the held time is not the unit's
                self._move.release_clocks()
            self._s.stage, self._s.submitted_at = Stage.REVIEW, workflow.now()
            self._s.result_summary, self._s.outcome = input.summary, input.outcome
            await self._fx.record(input.actor, AuditAction.RESULT_SUBMITTED, Stage.IN_PROGRESS, input.summary,
                                  details={Detail.OUTCOME: input.outcome.value if input.outcome else "",
                                           Detail.ON_TIME: self._move.on_time()},
                                  unit_id=self._s.primary.id)
            return self._result()

    @submit_result.validator
    def validate_submit_result(self, input: SubmitResultInput) -> None:
        guards.validate(guards.Action.SUBMIT, self._s, input, workflow.now())

    @workflow.update
    async def review(self, input: ReviewInput) -> ActionResult:
        async with self._acting():
            self.validate_review(input)
            if input.approve:
                (self._s.rating_deadline,) = await self._fx.deadlines([(workflow.now(), self._s.clock.rating_window)])
                self._s.stage = Stage.RATING
                await self._fx.record(input.actor, AuditAction.REVIEW_APPROVED, Stage.REVIEW, input.reason,
                                      unit_id=self._s.primary.id)
            else:
                self._s.stage, self._s.rework_count = Stage.IN_PROGRESS, self._s.rework_count + 1
                self._s.last_progress_at = workflow.now()
                await self._fx.record(input.actor, AuditAction.REVIEW_RETURNED, Stage.REVIEW, input.reason,
                                      unit_id=self._s.primary.id)
            return self._result()

    @review.validator
    def validate_review(self, input: ReviewInput) -> None:
        guards.validate(guards.Action.REVIEW, self._s, input, workflow.now())

    # ---- plumbing ----

    def _acting(self) -> Acting:
        return Acting(self._lock, lambda: self._received)

    def _result(self) -> ActionResult:
        return ActionResult(ticket_id=self._s.ticket_id, stage=self._s.stage, seq=self._fx.seq)

    def _proposed_item(self) -> str | None:
        p = self._s.proposal
        return p.candidates[0].item_code if p and p.candidates else None
