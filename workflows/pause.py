"""The updates of a pause: the unit waits on the citizen, a supervisor approves, the unit's clocks hold until
it resumes (CaseTransitions.release_clocks). A base class of GrievanceWorkflow, which gives it `_s` (the
state), `_fx` (effects), `_move` (transitions), `_acting()` and `_result()`. Deterministic."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import guards
    from core.messages import PendingRequest
    from core.payloads import ActionResult, PauseRequestInput, ResumeInput, RulingInput
    from core.vocabulary import PENDING_PAUSE, AuditAction, Detail


class PauseUpdates:
    @workflow.update
    async def request_pause(self, input: PauseRequestInput) -> ActionResult:
        async with self._acting():
            self.validate_request_pause(input)
            self._s.pending = PendingRequest(PENDING_PAUSE, input.actor, input.reason, workflow.now())
            await self._fx.record(input.actor, AuditAction.PAUSE_REQUESTED, self._s.stage, input.reason,
                                  unit_id=self._s.primary.id)
            return self._result()

    @workflow.update
    async def rule_pause(self, input: RulingInput) -> ActionResult:
        async with self._acting():
            self.validate_rule_pause(input)
            self._s.pending = None
            if input.approve:
                self._s.paused_at = workflow.now()
            action = AuditAction.PAUSE_APPROVED if input.approve else AuditAction.PAUSE_DENIED
            await self._fx.record(input.actor, action, self._s.stage, input.reason, unit_id=self._s.primary.id)
            return self._result()

    @workflow.update
    async def resume(self, input: ResumeInput) -> ActionResult:
        async with self._acting():
            self.validate_resume(input)
            held = self._move.release_clocks()
            await self._fx.record(input.actor, AuditAction.RESUMED, self._s.stage, input.reason,
                                  unit_id=self._s.primary.id, details={Detail.PAUSED_FOR: int(held.total_seconds())})
            return self._result()

    @request_pause.validator
    def validate_request_pause(self, input: PauseRequestInput) -> None:
        guards.validate(guards.Action.REQUEST_PAUSE, self._s, input, workflow.now())

    @rule_pause.validator
    def validate_rule_pause(self, input: RulingInput) -> None:
        guards.validate(guards.Action.RULE_PAUSE, self._s, input, workflow.now())

    @resume.validator
    def validate_resume(self, input: ResumeInput) -> None:
        guards.validate(guards.Action.RESUME, self._s, input, workflow.now())
