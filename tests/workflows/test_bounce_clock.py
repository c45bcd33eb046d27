"""Bounces and the acceptance clock (issue 17): a bounce asked in time is the unit's answer, so nothing
counts it as unresponsive while the ruling waits; a denial gives back the acceptance time it had left; a
bounce is asked within its window after dispatch.

Its own time-skipping server, so the other workflow tests keep their date.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.messages import Stage
from core.payloads import AcceptInput, BounceRequestInput, BounceRulingInput
from tests.temporal_env import time_skipping_env
from tests.workflows.conftest import CENTRE, ECOLOGY
from tests.workflows.steps import actions, advance_to, dispatched, refused, state
from tests.workflows.test_fair_clocks import move_to, next_weekday
from workflows.grievance import GrievanceWorkflow

BOUNCE = BounceRequestInput(actor=ECOLOGY, reason="油烟属市场监管职责", claimed_item_code="MK-002")


@pytest.fixture(scope="module")
async def ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_a_bounce_waiting_past_the_acceptance_limit_does_not_count_against_the_unit(cases):
    await move_to(cases, await next_weekday(cases, 1), 9)  # a Tuesday morning
    handle = await dispatched(cases)
    s = await state(handle)
    assert s.bounce_deadline is not None and s.bounce_deadline <= s.accept_deadline
    await advance_to(cases, s.dispatched_at, margin=timedelta(hours=2))
    await handle.execute_update(GrievanceWorkflow.request_bounce, BOUNCE)
    asked = await state(handle)
    left = s.accept_deadline - asked.pending.at

    await advance_to(cases, s.checkpoints[1].due)  # the dispatcher rules two days late
    waiting = await state(handle)
    assert not waiting.response_failed and not waiting.escalated
    assert waiting.checkpoints[0].note == "bounce requested, waiting for the ruling"
    assert "acceptance_overdue" not in actions(cases, handle.id)

    await handle.execute_update(GrievanceWorkflow.rule_bounce,
                                BounceRulingInput(actor=CENTRE, approve=False, reason="属生态环境职责"))
    denied = await state(handle)
    now = await cases.env.get_current_time()
    assert abs(denied.accept_deadline - (now + left)) < timedelta(seconds=5)
    await handle.execute_update(GrievanceWorkflow.accept, AcceptInput(actor=ECOLOGY))
    s = await state(handle)
    assert s.stage == Stage.IN_PROGRESS and not s.response_failed


async def test_a_bounce_after_its_window_is_refused(cases):
    await move_to(cases, await next_weekday(cases, 1), 9)
    handle = await dispatched(cases)
    s = await state(handle)
    await advance_to(cases, s.bounce_deadline)
    cause = await refused(cases, handle, GrievanceWorkflow.request_bounce, BOUNCE, "WrongState")
    assert cause.details[0]["bounce_window"] == "1wd"
