"""评 the rating, 回访 the return visit, and the complainants a merged duplicate brings: every complainant of a
case rates its result, and the case counts once, with the worst rating and the least confirmed answer.

A base class of GrievanceWorkflow, which gives it `_s` (the state), `_fx` (effects), `_move` (transitions),
`_acting()` and `_result()`. Deterministic.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import guards
    from core.messages import SYSTEM_ACTOR, Answer, Rating, Stage
    from core.payloads import ActionResult, JoinInput, RateInput, ReturnVisitInput
    from core.vocabulary import FINAL_STAGES, AuditAction, Detail

WORST_FIRST = (Rating.DISSATISFIED, Rating.BASICALLY_SATISFIED, Rating.SATISFIED)


class RatingUpdates:
    @workflow.update
    async def rate(self, input: RateInput) -> ActionResult:
        async with self._acting():
            self.validate_rate(input)
            s = self._s
            await self._fx.record(input.actor, AuditAction.RATED, Stage.RATING, input.comment,
                                  unit_id=s.primary.id,
                                  details={Detail.RATING: input.rating.value, Detail.SOURCE: input.actor.role.value,
                                           Detail.SCORE: input.score, Detail.RESOLVED: input.resolved})
            s.answers.append(Answer(input.actor.id, input.rating, input.resolved))
            if self.waiting_for_complainants():
                return self._result()  # the others of a merged case may still rate within the window
            s.rating, s.resolved = combined(s.answers)
            s.rating_source, s.street_score = input.actor.role.value, input.score
            if s.rating == Rating.DISSATISFIED and s.reopen_count == 0:
                await self._move.reopen(input.actor, input.comment)
            else:
                await self._move.after_rating()
            return self._result()

    def waiting_for_complainants(self) -> bool:
        """A case with merged duplicates waits until each complainant has rated (or its window ends)."""
        complainants, answered = guards.complainants(self._s), {a.actor_id for a in self._s.answers}
        return self._s.answers[-1].actor_id in complainants and not answered.issuperset(complainants)

    @workflow.update
    async def return_visit(self, input: ReturnVisitInput) -> ActionResult:
        async with self._acting():
            self.validate_return_visit(input)
            s = self._s
            if input.reached:
                s.rating, s.rating_source, s.resolved = input.rating, "return_visit", input.resolved
            await self._fx.record(input.actor, AuditAction.RETURN_VISITED, Stage.RETURN_VISIT, input.note,
                                  unit_id=s.primary.id,
                                  details={Detail.REACHED: input.reached, Detail.RESOLVED: input.resolved,
                                           Detail.RATING: input.rating.value if input.rating else None})
            if input.reached and input.rating == Rating.DISSATISFIED and s.reopen_count == 0:
                await self._move.reopen(input.actor, input.note, Stage.RETURN_VISIT)  # as a dissatisfied rating
            else:
                await self._move.close()
            return self._result()

    @workflow.signal
    async def complainant_joined(self, input: JoinInput) -> None:
        """A duplicate was merged into this case: its complainant (and those merged into it) follow this one."""
        async with self._acting():
            s = self._s
            new = [t for t in dict.fromkeys(input.ticket_ids) if t != s.ticket_id and t not in s.joined]
            if not new or s.stage in FINAL_STAGES:
                return
            s.joined.extend(new)
            await self._fx.record(SYSTEM_ACTOR, AuditAction.COMPLAINANT_JOINED, s.stage, "、".join(new),
                                  unit_id=s.primary.id if s.primary else None, details={Detail.TICKETS: new})
            if s.primary is not None:
                await self._fx.notify("complainant_joined", "unit",
                                      f"{len(s.joined) + 1} complainants follow this case: {', '.join(new)} joined")

    @rate.validator
    def validate_rate(self, input: RateInput) -> None:
        guards.validate(guards.Action.RATE, self._s, input, workflow.now())

    @return_visit.validator
    def validate_return_visit(self, input: ReturnVisitInput) -> None:
        guards.validate(guards.Action.RETURN_VISIT, self._s, input, workflow.now())


def combined(answers: list[Answer]) -> tuple[Rating, bool | None]:
    """The case's rating from its complainants' answers: the worst rating; solved only when every one says so,
    not solved when any says not, else unconfirmed."""
    rating = min((a.rating for a in answers), key=WORST_FIRST.index)
    said = [a.resolved for a in answers]
    resolved = False if False in said else (None if None in said else True)
    return rating, resolved
