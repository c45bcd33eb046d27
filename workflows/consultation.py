"""The updates of a consultation (会商): a supervisor names the units in dispute, each states its position, the
supervisor rules with those positions in view. A base class of GrievanceWorkflow, which gives it `_s` (the
state), `_fx` (effects), `_move` (transitions), `_acting()` and `_result()`. Deterministic."""

from __future__ import annotations

import dataclasses

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import guards
    from core.messages import DispatchPlan, PendingRequest
    from core.payloads import ActionResult, ConsultationInput, ConsultationRulingInput, PositionInput
    from core.vocabulary import PENDING_CONSULTATION, AuditAction, Detail
    from workflows.patches import RULING_KEEPS_COOPERATING


class ConsultationUpdates:
    @workflow.update
    async def open_consultation(self, input: ConsultationInput) -> ActionResult:
        async with self._acting():
            self.validate_open_consultation(input)
            replaced = self._s.pending.kind if self._s.pending else None
            self._s.pending = PendingRequest(PENDING_CONSULTATION, input.actor, input.reason, workflow.now(),
                                             unit_ids=list(dict.fromkeys(input.unit_ids)))
            await self._fx.record(input.actor, AuditAction.CONSULTATION_OPENED, self._s.stage, input.reason,
                                  details={Detail.UNITS: self._s.pending.unit_ids, Detail.REPLACES: replaced},
                                  unit_id=self._s.primary.id if self._s.primary else None)
            return self._result()

    @open_consultation.validator
    def validate_open_consultation(self, input: ConsultationInput) -> None:
        guards.validate(guards.Action.OPEN_CONSULTATION, self._s, input, workflow.now())

    @workflow.update
    async def state_position(self, input: PositionInput) -> ActionResult:
        """A named unit's view, kept on the open request for the ruling; the latest one counts."""
        async with self._acting():
            self.validate_state_position(input)
            pending = self._s.pending
            # A new request object: the read model's snapshot of an earlier write keeps its own dict.
            self._s.pending = dataclasses.replace(pending, positions={**pending.positions,
                                                                     input.actor.unit_id: input.position})
            await self._fx.record(input.actor, AuditAction.POSITION_STATED, self._s.stage, input.position,
                                  unit_id=input.actor.unit_id)
            return self._result()

    @state_position.validator
    def validate_state_position(self, input: PositionInput) -> None:
        guards.validate(guards.Action.STATE_POSITION, self._s, input, workflow.now())

    @workflow.update
    async def rule_consultation(self, input: ConsultationRulingInput) -> ActionResult:
        async with self._acting():
            self.validate_rule_consultation(input)
            before, old_unit = self._s.stage, self._s.primary.id
            item = input.item_code or self._s.item_code
            if input.primary_unit_id != old_unit:
                await self._move.assign(await self._plan_ruling(input, item), first=False)
            elif workflow.patched(RULING_KEEPS_COOPERATING):
                self._move.adopt(await self._plan_ruling(input, item))  # the lead keeps its acceptance and clocks
            elif item != self._s.item_code:  # before the patch: the same lead had to accept again
                await self._move.assign(await self._plan_ruling(input, item), first=False)
            self._s.pending = None
            await self._fx.record(input.actor, AuditAction.CONSULTATION_RULED, before, input.reason, unit_id=old_unit,
                                  details={Detail.RULED_UNIT: input.primary_unit_id, Detail.ITEM_CODE: item,
                                           Detail.COOPERATING: [u.id for u in self._s.cooperating],
                                           Detail.CATALOG_CHANGE: input.propose_catalog_change})
            if input.propose_catalog_change:
                await self._fx.propose_catalog_change(input.actor, input.reason, item, input.primary_unit_id)
            return self._result()

    @rule_consultation.validator
    def validate_rule_consultation(self, input: ConsultationRulingInput) -> None:
        guards.validate(guards.Action.RULE_CONSULTATION, self._s, input, workflow.now())

    async def _plan_ruling(self, input: ConsultationRulingInput, item: str | None) -> DispatchPlan:
        return await self._fx.plan(input.actor, item, input.primary_unit_id, input.cooperating_unit_ids)
