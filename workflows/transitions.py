"""CaseTransitions: how a case changes hands and clocks: received, handed down to a district, assigned to
units, its closure clock started, reopened after a dissatisfied rating, closed, reported and publicized.

Used by GrievanceWorkflow's updates and by its clocks. Deterministic: deadlines and audit rows go
through CaseEffects' activities.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.messages import (
        SYSTEM_ACTOR,
        Actor,
        Channel,
        Checkpoint,
        Colour,
        DispatchPlan,
        GrievanceInput,
        GrievanceState,
        Rating,
        Stage,
    )
    from core.vocabulary import AuditAction, Detail
    from workflows.effects import CaseEffects
    from workflows.patches import BOUNCE_RULES, FAIR_CLOCKS, RETURN_VISITS


class CaseTransitions:
    def __init__(self, state: GrievanceState, fx: CaseEffects) -> None:
        self.s = state
        self.fx = fx

    async def receive(self, input: GrievanceInput) -> None:
        await self.fx.record(input.reporter, AuditAction.RECEIVED, None, details={Detail.CHANNEL: input.channel.value})
        self.s.proposal = await self.fx.propose_routing()
        top = self.s.proposal.candidates[0] if self.s.proposal and self.s.proposal.candidates else None
        await self.fx.record(SYSTEM_ACTOR, AuditAction.ROUTED, Stage.RECEIVED,
                              details={Detail.PROPOSED: top.item_code if top else None,
                                       Detail.CONFIDENCE: top.confidence if top else None})

    async def hand_to_district(self, plan: DispatchPlan) -> None:
        """Three-level dispatch: the city centre hands the case down; the district dispatches it."""
        self.s.dispatch_owner_id, self.s.district_id = plan.primary.id, plan.primary.id
        self.s.item_code, self.s.item_name, self.s.category = plan.item_code, plan.item_name, plan.category
        self.s.catalog_version = plan.catalog_version
        self.s.stage = Stage.RECEIVED
        # A case taken from a unit (reassigned to a district) is no longer that unit's to accept or handle.
        self.s.primary, self.s.cooperating, self.s.accepted_at, self.s.accept_deadline = None, [], None, None
        self.s.response_failed = False
        if self.s.dispatched_at is None:
            await self.start_closure_clock(plan)

    async def assign(self, plan: DispatchPlan, *, first: bool) -> None:
        """The plan's units take the case over: it waits for the primary unit's acceptance."""
        s = self.s
        self.adopt(plan)
        s.district_id = plan.primary.district_id or s.district_id
        s.stage, s.accepted_at, s.response_failed, s.assigned_at = Stage.DISPATCHED, None, False, workflow.now()
        if first and s.dispatched_at is None and workflow.patched(FAIR_CLOCKS):
            await self._start_clocks(plan)
            return
        if first and s.dispatched_at is None:
            await self.start_closure_clock(plan)
        if plan.clock.bounce_window and workflow.patched(BOUNCE_RULES):
            # The unit it now goes to gets its own acceptance limit and bounce window.
            s.accept_deadline, s.bounce_deadline = await self.fx.deadlines(
                [(workflow.now(), plan.clock.acceptance), (workflow.now(), plan.clock.bounce_window)])
            return
        (s.accept_deadline,) = await self.fx.deadlines([(workflow.now(), plan.clock.acceptance)])

    async def _start_clocks(self, plan: DispatchPlan) -> None:
        """A first dispatch: the acceptance limit, and the checkpoints from where the unit could start work."""
        s = self.s
        s.clock, s.dispatched_at = plan.clock, workflow.now()
        planned = await self.fx.plan_clocks(s.dispatched_at)
        s.accept_deadline, s.clock_origin = planned.accept_deadline, planned.origin
        s.bounce_deadline, s.assigned_at = planned.bounce_deadline, s.dispatched_at
        s.checkpoints = [Checkpoint(index=i + 1, due=due, start=planned.origin, offset=offset)
                         for i, (due, offset) in enumerate(zip(planned.checkpoints, s.clock.checkpoints, strict=True))]
        s.closure_deadline = planned.checkpoints[-1]

    def adopt(self, plan: DispatchPlan) -> None:
        """The plan's item and units, with the stage, acceptance and clocks left as they are."""
        s = self.s
        s.item_code, s.item_name, s.category = plan.item_code, plan.item_name, plan.category
        s.catalog_version, s.primary, s.cooperating = plan.catalog_version, plan.primary, plan.cooperating

    async def start_closure_clock(self, plan: DispatchPlan) -> None:
        now = workflow.now()
        self.s.clock, self.s.dispatched_at = plan.clock, now
        await self._plan_checkpoints(now)

    async def _plan_checkpoints(self, start: datetime) -> None:
        """The four checkpoints from `start` on the case's clock plan; the last is the closure deadline."""
        offsets = self.s.clock.checkpoints
        dues = await self.fx.deadlines([(start, offset) for offset in offsets])
        self.s.checkpoints = [Checkpoint(index=i + 1, due=due, start=start, offset=offset)
                              for i, (due, offset) in enumerate(zip(dues, offsets, strict=True))]
        self.s.closure_deadline = dues[-1]

    async def extend(self, extra: str, *, counted: bool) -> None:
        """A granted extension. In time, every checkpoint still ahead moves by it. Ruled after the closure
        deadline, it runs from the ruling, watched by one more checkpoint, and the overdue mark the unit got
        while its timely request waited is lifted. `counted` is False where a case replays its history from
        before these rules (then only the checkpoints ahead move, and nothing is counted)."""
        s = self.s
        unfired = [c for c in s.checkpoints if c.colour is None]
        if unfired or not counted:
            moved = await self.fx.deadlines([(c.due, extra) for c in unfired])
            for checkpoint, due in zip(unfired, moved, strict=True):
                checkpoint.due = due
                checkpoint.extras.append(extra)
        else:
            (due,) = await self.fx.deadlines([(workflow.now(), extra)])
            s.checkpoints.append(Checkpoint(index=len(s.checkpoints) + 1, due=due, start=workflow.now(), offset=extra))
            s.overdue = False
        s.closure_deadline = s.checkpoints[-1].due
        s.extension_count += 1 if counted else 0

    def release_clocks(self) -> timedelta:
        """The end of an approved pause: every clock of the unit that was held moves on by the held time."""
        s, now = self.s, workflow.now()
        held = max(timedelta(0), now - s.paused_at) if s.paused_at else timedelta(0)
        s.paused_at, s.paused_seconds = None, s.paused_seconds + held.total_seconds()
        for checkpoint in (c for c in s.checkpoints if c.colour is None):
            checkpoint.due += held
            checkpoint.held_seconds += held.total_seconds()
        for wait in (w for w in s.waits if w.party == "unit" and not w.overdue):
            wait.due, wait.remind_at = wait.due + held, wait.remind_at + held
        s.closure_deadline = s.checkpoints[-1].due if s.checkpoints else s.closure_deadline
        return held

    def give_back_acceptance_time(self, asked_at: datetime) -> None:
        """A bounce denied: the acceptance clock waited while the bounce did, so the unit gets back the
        acceptance time it had left when it asked."""
        left = max(timedelta(0), self.s.accept_deadline - asked_at)
        self.s.accept_deadline = workflow.now() + left

    async def reopen(self, actor: Actor, reason: str, before: Stage = Stage.RATING) -> None:
        """Dissatisfied: the same unit handles it again, once, on a fresh closure clock."""
        s, now = self.s, workflow.now()
        s.reopen_count += 1
        s.stage, s.rating, s.rating_source, s.rating_deadline = Stage.IN_PROGRESS, None, "", None
        s.resolved, s.return_visit_deadline, s.return_visit_reason, s.answers = None, None, "", []
        s.submitted_at, s.outcome, s.colour, s.overdue, s.last_progress_at = None, None, Colour.GREEN, False, now
        await self._plan_checkpoints(now)
        await self.fx.record(actor, AuditAction.REOPENED, before, reason, unit_id=s.primary.id)

    async def after_rating(self, at: datetime | None = None) -> None:
        """The rating is in, or its window ran out at `at`: the case closes, or first waits for the centre to
        call the complainant back (回访) when their answer is missing, unhappy or unconfirmed, or by lot."""
        s = self.s
        reason = self.return_visit_reason() if workflow.patched(RETURN_VISITS) else ""
        if not reason:
            await self.close(at)
            return
        s.stage, s.return_visit_reason = Stage.RETURN_VISIT, reason
        (s.return_visit_deadline,) = await self.fx.deadlines([(workflow.now(), s.clock.return_visit_window)])
        await self.fx.record(SYSTEM_ACTOR, AuditAction.RETURN_VISIT_DUE, Stage.RATING, unit_id=s.primary.id,
                             details={Detail.VISIT_REASON: reason})

    def return_visit_reason(self) -> str:
        """Why the complainant is called back, or "" (no call). Whistles have no complainant to call."""
        s = self.s
        if s.clock is None or not s.clock.return_visit_window or s.intake.channel == Channel.WHISTLE:
            return ""
        if s.rating is None:
            return "unrated"
        if s.rating == Rating.DISSATISFIED:
            return "dissatisfied"
        if s.resolved is None:
            return "unconfirmed"
        return "sampled" if workflow.random().random() < s.clock.return_visit_share else ""

    async def close(self, at: datetime | None = None) -> None:
        """Closed now, or at `at` when the rating window's clock closes it (its due time, however late it fired)."""
        s, before = self.s, self.s.stage
        s.stage, s.closed_at = Stage.CLOSED, at or workflow.now()
        details = {Detail.OUTCOME: s.outcome.value if s.outcome else "",
                   Detail.RATING: s.rating.value if s.rating else "",
                   Detail.ON_TIME: self.on_time(), Detail.REOPENED: s.reopen_count}
        if s.clock is not None and s.clock.return_visit_window:  # cases from before confirmation existed lack it
            details[Detail.CONFIRMED] = CONFIRMATIONS[s.resolved]
        await self.fx.record(SYSTEM_ACTOR, AuditAction.CLOSED, before, unit_id=s.primary.id, at=s.closed_at,
                             details=details)

    def on_time(self) -> bool:
        end = self.s.submitted_at or workflow.now()
        return self.s.closure_deadline is None or end <= self.s.closure_deadline

    async def report_and_publicize(self) -> None:
        published = await self.fx.publish()
        self.s.published = published
        action = AuditAction.PUBLISHED if published else AuditAction.KEPT_CONFIDENTIAL
        await self.fx.record(SYSTEM_ACTOR, action, Stage.CLOSED, unit_id=self.s.primary.id)

    async def recount_clocks(self) -> None:
        """The calendar was revised: count every deadline still ahead again from its own start (the starts
        stay: the dispatch's, the assignment's, a waiting's), and say so in the audit log if one moved."""
        s, now = self.s, workflow.now()
        if s.clock is None:
            return
        old_closure, old_accept, s.calendar_fallback = s.closure_deadline, s.accept_deadline, False
        await self._recount_unit_clocks(now)
        ahead = [c for c in s.checkpoints if c.colour is None and c.start is not None and c.offset and c.due > now]
        dues = await self.fx.deadlines([(c.start, c.offset) for c in ahead])
        for step in range(max((len(c.extras) for c in ahead), default=0)):  # each granted extension in turn
            extended = [(c, due) for c, due in zip(ahead, dues, strict=True) if len(c.extras) > step]
            moved = iter(await self.fx.deadlines([(due, c.extras[step]) for c, due in extended]))
            dues = [next(moved) if len(c.extras) > step else due for c, due in zip(ahead, dues, strict=True)]
        for checkpoint, due in zip(ahead, dues, strict=True):
            checkpoint.due = due + timedelta(seconds=checkpoint.held_seconds)
        open_waits = [w for w in s.waits if not w.overdue and w.due > now and w.kind in s.clock.waits]
        for wait, due in zip(open_waits, await self.fx.deadlines([(w.since, s.clock.waits[w.kind])
                                                                  for w in open_waits]), strict=True):
            wait.remind_at, wait.due = wait.since + (due - wait.since) * s.clock.reminder_share, due
        s.closure_deadline = s.checkpoints[-1].due if s.checkpoints else s.closure_deadline
        if (old_closure, old_accept) != (s.closure_deadline, s.accept_deadline):
            await self.fx.record(SYSTEM_ACTOR, AuditAction.CLOCKS_RECOUNTED, s.stage, "the calendar was revised",
                                 unit_id=s.primary.id if s.primary else None,
                                 details={Detail.OLD_DEADLINE: iso(old_closure),
                                          Detail.NEW_DEADLINE: iso(s.closure_deadline),
                                          Detail.OLD_ACCEPT_DEADLINE: iso(old_accept),
                                          Detail.NEW_ACCEPT_DEADLINE: iso(s.accept_deadline)})

    async def _recount_unit_clocks(self, now: datetime) -> None:
        """The acceptance limit and the bounce window, counted from the assignment, while still ahead."""
        s, requests, targets = self.s, [], []
        if s.stage == Stage.DISPATCHED and s.assigned_at and s.accept_deadline and s.accept_deadline > now:
            requests.append((s.assigned_at, s.clock.acceptance))
            targets.append("accept_deadline")
        if s.assigned_at and s.bounce_deadline and s.bounce_deadline > now and s.clock.bounce_window:
            requests.append((s.assigned_at, s.clock.bounce_window))
            targets.append("bounce_deadline")
        for target, due in zip(targets, await self.fx.deadlines(requests), strict=True):
            setattr(s, target, due)


CONFIRMATIONS = {True: "solved", False: "not_solved", None: "unconfirmed"}  # the complainant's answer, on a close


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
