"""CaseClocks: the durable timers of one grievance: acceptance limit, the four checkpoints, the rating window.

Every due time is read from the case's state, so an update that moves a deadline moves its clock; checkpoint
rules live in core/supervision.py; `Acting` makes human actions and clocks take turns. Deterministic: timers
only, every effect through CaseEffects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import supervision
    from core.messages import SYSTEM_ACTOR, Checkpoint, Colour, GrievanceState, Rating, Stage
    from core.vocabulary import CLOCKED_STAGES, FINAL_STAGES, PENDING_BOUNCE, AuditAction, Detail
    from workflows.effects import CaseEffects
    from workflows.patches import BOUNCE_RULES, FAIR_CLOCKS
    from workflows.rating import combined
    from workflows.transitions import CaseTransitions
    from workflows.waits import CaseWaits

Fire = Callable[[datetime], Awaitable[None]]  # called with the clock's due time


class CaseClocks:
    """Runs the earliest due clock of the case, again and again, until the case is finished."""

    def __init__(self, state: GrievanceState, fx: CaseEffects, lock: asyncio.Lock, move: CaseTransitions) -> None:
        self._s, self._fx, self._lock, self._move = state, fx, lock, move
        self.recount_requested = False  # set by the workflow's calendar_revised signal
        self.waits = CaseWaits(state, fx)
        fx.before_record = self.waits.sync  # every transition's row shows who the case now waits for

    async def run_until_finished(self) -> None:
        while not self.finished():
            await self._wait_for_next_clock()

    def finished(self) -> bool:
        return self._s.stage in FINAL_STAGES

    # ---- planning and waiting ----

    async def _wait_for_next_clock(self) -> None:
        """Sleep until the earliest clock is due, or until an update moves it; then fire it."""
        if self.recount_requested:
            async with self._lock:
                self.recount_requested = False
                await self._move.recount_clocks()  # the calendar was revised
            return
        due, fire = self._next_clock()
        if due is None:
            await workflow.wait_condition(
                lambda: self._next_clock()[0] is not None or self.finished() or self.recount_requested)
            return
        wait = due - workflow.now()
        if wait > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._next_clock()[0] != due or self.finished() or self.recount_requested, timeout=wait)
                return
            except TimeoutError:
                pass
        async with self._lock:
            if workflow.patched(FAIR_CLOCKS):
                # Fire what is due now: an update that ran meanwhile may have replaced the clock chosen
                # above with another one due at the same time (an acceptance by a checkpoint's due time).
                due, fire = self._next_clock()
                if due is not None and due <= workflow.now():
                    await fire(due)
            elif self._next_clock()[0] == due:  # still due after any update that ran meanwhile
                await fire(due)

    def _next_clock(self) -> tuple[datetime | None, Fire | None]:
        s, clocks = self._s, []
        if s.stage == Stage.DISPATCHED and s.accept_deadline and not s.response_failed \
                and not (self._bounce_waits() and workflow.patched(BOUNCE_RULES)):
            clocks.append((s.accept_deadline, self._on_acceptance_overdue))
        if s.stage in CLOCKED_STAGES and s.dispatched_at and s.paused_at is None:
            checkpoint = next((c for c in s.checkpoints if c.colour is None), None)
            if checkpoint is not None:
                clocks.append((checkpoint.due, lambda due, c=checkpoint: self._on_checkpoint(c, due)))
        if s.stage == Stage.RATING and s.rating_deadline:
            clocks.append((s.rating_deadline, self._on_rating_timeout))
        if s.stage == Stage.RETURN_VISIT and s.return_visit_deadline:
            clocks.append((s.return_visit_deadline, self._on_return_visit_missed))
        clocks.extend(self.waits.clocks())
        return min(clocks, key=lambda c: c[0]) if clocks else (None, None)

    def _bounce_waits(self) -> bool:
        """A bounce asked in time is the unit's answer: its acceptance is not due while the ruling waits."""
        return self._s.pending is not None and self._s.pending.kind == PENDING_BOUNCE

    # ---- what each clock does ----

    async def _on_acceptance_overdue(self, due: datetime) -> None:
        s = self._s
        s.response_failed, s.escalated = True, True
        await self._fx.record(SYSTEM_ACTOR, AuditAction.ACCEPTANCE_OVERDUE, s.stage,
                              "not accepted within the time limit", unit_id=s.primary.id, **_fired(due))
        if workflow.patched(FAIR_CLOCKS):  # the escalated flag has its event: flag and figures agree
            await self._fx.record(SYSTEM_ACTOR, AuditAction.ESCALATED, s.stage, "not accepted within the time limit",
                                  unit_id=s.primary.id, **_fired(due))
        await self._fx.notify("acceptance_overdue", "supervisor", f"{s.primary.name} has not accepted in time")
        await self._fx.notify("acceptance_overdue", "unit", "accept this ticket now: the acceptance limit has passed")

    async def _on_checkpoint(self, checkpoint: Checkpoint, due: datetime) -> None:
        s = self._s
        bounce_waits = self._bounce_waits() and workflow.patched(BOUNCE_RULES)
        lagging, why = supervision.assess(s, checkpoint.index, bounce_counts_as_answer=bounce_waits,
                                          waits_for_acceptance_limit=workflow.patched(FAIR_CLOCKS))
        colour = supervision.colour_after(s, checkpoint.index, lagging)
        checkpoint.colour, checkpoint.lagging, checkpoint.note = colour, lagging, why
        s.colour = colour
        overdue = checkpoint.index == len(s.checkpoints) and lagging
        if overdue:
            s.overdue, s.escalated = True, True
        unit = s.primary.id if s.primary else s.dispatch_owner_id
        fired = _fired(due)
        await self._fx.record(SYSTEM_ACTOR, AuditAction.CHECKPOINT, s.stage, why, unit_id=unit, at=fired["at"],
                              details={Detail.INDEX: checkpoint.index, Detail.COLOUR: colour.value,
                                       Detail.LAGGING: lagging, **fired["details"]})
        if overdue:
            await self._fx.record(SYSTEM_ACTOR, AuditAction.ESCALATED, s.stage, "overdue at the closure deadline",
                                  unit_id=unit, **fired)
        await self._notify_checkpoint(checkpoint.index, colour, why, overdue=overdue)

    async def _notify_checkpoint(self, index: int, colour: Colour, why: str, *, overdue: bool) -> None:
        if overdue:
            await self._fx.notify("overdue", "supervisor", f"overdue: {why}")
            await self._fx.notify("overdue", "unit", f"overdue: {why}")
        elif colour == Colour.RED:
            await self._fx.notify("checkpoint_red", "supervisor", f"checkpoint {index}: {why}")
            await self._fx.notify("checkpoint_red", "unit", f"checkpoint {index}: {why}")
        elif colour == Colour.YELLOW:
            await self._fx.notify("checkpoint_yellow", "unit", f"checkpoint {index}: {why}")

    async def _on_rating_timeout(self, due: datetime) -> None:
        """Silence: the configured default. A merged case some complainants rated takes what they said."""
        s, default = self._s, self._s.clock.rating_default
        s.rating = Rating(default) if default else None
        s.rating_source = "timeout"
        if s.answers:
            (s.rating, s.resolved), s.rating_source = combined(s.answers), "citizen"
            default = s.rating.value
        fired = _fired(due)
        await self._fx.record(SYSTEM_ACTOR, AuditAction.RATING_TIMEOUT, Stage.RATING, "no rating within the window",
                              unit_id=s.primary.id, at=fired["at"],
                              details={Detail.RATING: default, Detail.SOURCE: "timeout", **fired["details"]})
        await self._move.after_rating(due)

    async def _on_return_visit_missed(self, due: datetime) -> None:
        """Nobody called back within the window: the case closes with the complainant's answer unconfirmed."""
        fired = _fired(due)
        await self._fx.record(SYSTEM_ACTOR, AuditAction.RETURN_VISIT_MISSED, Stage.RETURN_VISIT,
                              "no return visit within the window", unit_id=self._s.primary.id, **fired)
        await self._fx.notify("return_visit_missed", "supervisor", "the complainant was not called back in time")
        await self._move.close()


def _fired(due: datetime) -> dict:
    """A clock's event is stamped with its due time; when the timer really fired (later after an outage)
    goes beside it, so an outage across month end leaves the event in the month it belongs to."""
    return {"at": due, "details": {Detail.FIRED_AT: workflow.now().isoformat()}}


class Acting:
    """Serialises human actions and clocks: waits for intake, then holds the case's lock."""

    def __init__(self, lock: asyncio.Lock, ready: Callable[[], bool]) -> None:
        self.lock, self.ready = lock, ready

    async def __aenter__(self) -> None:
        await workflow.wait_condition(self.ready)
        await self.lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.lock.release()
