"""What others may ask a case (queries) and tell it (signals). A base class of GrievanceWorkflow, which gives
it `_s` (the state), `_fx` (effects) and `_clocks`. Queries change nothing; a signal only sets a flag."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.messages import GrievanceState


class CaseQueries:
    @workflow.signal
    def calendar_revised(self) -> None:
        """An admin published or edited the working-day calendar: the clock loop counts the deadlines again."""
        self._clocks.recount_requested = True

    @workflow.query
    def state(self) -> GrievanceState:
        return self._s

    @workflow.query
    def audit_trail(self) -> list[tuple[int, str, str, str]]:
        """(seq, action, actor id, time) of every audit row this case wrote: what the read model must hold."""
        return list(self._fx.trail)
