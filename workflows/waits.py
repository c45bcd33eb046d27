"""CaseWaits: every party a case waits for is on a clock of its own (issue 17).

The waitings follow the case's state: a pending bounce, extension or consultation waits for its ruling, a
submitted result for its review, and a case returned for rework after its closure deadline (no checkpoint
is left to watch it) for the unit's new result. Each gets its limit from the case's plan (data, written at
dispatch; plans made before this have none, so those cases run as before), a reminder once the plan's
share of it has passed, and an escalation at the limit. Deterministic: `sync` runs inside the case's lock
after every action and clock; its only effect is the deadline activity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.messages import SYSTEM_ACTOR, GrievanceState, Stage, Wait
    from core.vocabulary import AuditAction, Detail
    from workflows.effects import CaseEffects

# Who each waiting waits for: the notice's audience and the unit an overdue waiting is counted for.
PARTY = {"review": "dispatcher", "bounce": "dispatcher", "extension": "supervisor", "consultation": "supervisor",
         "pause": "supervisor", "rework": "unit"}
Fire = Callable[[datetime], Awaitable[None]]


class CaseWaits:
    def __init__(self, state: GrievanceState, fx: CaseEffects) -> None:
        self._s, self._fx = state, fx

    def wanted(self) -> list[str]:
        """The waitings the case's state calls for now, those the plan gives a limit."""
        s, found = self._s, []
        if s.pending is not None:
            found.append(s.pending.kind)
        if s.stage == Stage.REVIEW:
            found.append("review")
        if s.stage == Stage.IN_PROGRESS and s.rework_count and s.checkpoints \
                and all(c.colour is not None for c in s.checkpoints):
            found.append("rework")
        limits = s.clock.waits if s.clock else {}
        return [kind for kind in found if kind in limits]

    async def sync(self) -> None:
        """Ends the waitings that are over and starts the new ones, each with its due and reminder time."""
        s, wanted = self._s, self.wanted()
        if not wanted and not s.waits:
            return
        s.waits = [w for w in s.waits if w.kind in wanted]
        new = [kind for kind in wanted if kind not in {w.kind for w in s.waits}]
        if not new:
            return
        now = workflow.now()
        dues = await self._fx.deadlines([(now, s.clock.waits[kind]) for kind in new])
        for kind, due in zip(new, dues, strict=True):
            s.waits.append(Wait(kind, PARTY.get(kind, "supervisor"), now, due,
                                remind_at=now + (due - now) * s.clock.reminder_share))

    def clocks(self) -> list[tuple[datetime, Fire]]:
        """The reminder and the limit of every open waiting, for the case's clock loop."""
        found: list[tuple[datetime, Fire]] = []
        for wait in self._s.waits:
            if wait.party == "unit" and self._s.paused_at is not None:
                continue  # held with the unit's other clocks while it waits on the citizen
            if not wait.reminded:
                found.append((wait.remind_at, lambda due, w=wait: self._remind(w)))
            if not wait.overdue:
                found.append((wait.due, lambda due, w=wait: self._overdue(w, due)))
        return found

    async def _remind(self, wait: Wait) -> None:
        wait.reminded = True
        await self._fx.notify("wait_reminder", wait.party, f"{wait.kind} is due by {wait.due.isoformat()}")

    async def _overdue(self, wait: Wait, due: datetime) -> None:
        s = self._s
        wait.overdue, wait.reminded = True, True
        fired = {Detail.WAIT: wait.kind, Detail.FIRED_AT: workflow.now().isoformat()}
        await self._fx.record(SYSTEM_ACTOR, AuditAction.WAIT_OVERDUE, s.stage, f"{wait.kind} not done in time",
                              unit_id=self.unit_of(wait), details=fired, at=due)
        if wait.kind == "rework":  # the unit's own lateness, as at the closure deadline
            s.overdue, s.escalated = True, True
            await self._fx.record(SYSTEM_ACTOR, AuditAction.ESCALATED, s.stage, "rework not done in time",
                                  unit_id=s.primary.id, details=fired, at=due)
        await self._fx.notify("wait_overdue", "supervisor", f"{wait.kind} not done by {due.isoformat()}")

    def unit_of(self, wait: Wait) -> str | None:
        s = self._s
        if wait.party == "unit":
            return s.primary.id if s.primary else None
        if wait.party == "dispatcher":
            return s.dispatch_owner_id
        return s.district_id or "supervision"
