"""An action during a fault: a bounded wait, a 503 that says it may still happen, and a retry that is the same
action (the form's action id, the JSON API's Idempotency-Key), never a second one.

A real dev server and the real worker.py as a child process, frozen with SIGSTOP; the app is the real one.
"""

from __future__ import annotations

import re
import signal
import time

import httpx
import pytest
from sqlmodel import Session, select

from app.main import create_app
from core.models.tickets import TicketEvent
from core.payloads import DispatchInput
from services.accounts import issue_token
from tests.security.faults import settled, until_done
from tests.web.conftest import WebClient, seed_accounts
from tests.workflows.conftest import CENTRE
from workflows.grievance import GrievanceWorkflow

pytestmark = pytest.mark.devserver


@pytest.fixture
async def api(stack):
    with Session(stack.engine) as session:
        seed_accounts(session)
        token = issue_token(session, "h-ecology", "handler's script")
    settings = stack.settings.model_copy(update={"action_timeout_seconds": 3.0})
    app = create_app(settings, engine=stack.engine, temporal_client=stack.client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        client.app = app
        yield client


@pytest.fixture
async def console(stack, api):
    """The console signed in as the ecology handler, on the same app and database as `api`."""
    async with WebClient(transport=httpx.ASGITransport(app=api.app), base_url="http://test") as client:
        await client.login("h-ecology")
        yield client


async def dispatched_case(stack) -> str:
    [ticket_id] = await stack.start_cases(1)
    handle = stack.client.get_workflow_handle(ticket_id)
    await settled(stack.client, stack.engine, ticket_id)
    await until_done(handle, GrievanceWorkflow.dispatch,
                     DispatchInput(actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology"),
                     f"{ticket_id}-dispatch", time.monotonic() + 60)
    return ticket_id


def count(stack, ticket_id: str, action: str) -> int:
    with Session(stack.engine) as session:
        return len(session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                          TicketEvent.action == action)).all())


async def test_a_retried_action_with_the_same_key_is_done_once(stack, api):
    ticket_id = await dispatched_case(stack)
    await api.post(f"/api/v1/tickets/{ticket_id}/accept", headers={"Idempotency-Key": "accept-1"})
    for _ in range(2):
        answer = await api.post(f"/api/v1/tickets/{ticket_id}/progress", json={"note": "已到现场查看"},
                                headers={"Idempotency-Key": "note-1"})
        assert answer.status_code == 200, answer.text
    other = await api.post(f"/api/v1/tickets/{ticket_id}/progress", json={"note": "已到现场查看"},
                           headers={"Idempotency-Key": "note-2"})
    assert other.status_code == 200
    await stack.assert_settled(ticket_id)
    assert count(stack, ticket_id, "progress") == 2


async def test_an_action_while_the_worker_is_frozen_answers_503_and_its_retry_is_the_same_action(stack, api):
    ticket_id = await dispatched_case(stack)
    stack.worker.signal(signal.SIGSTOP)
    try:
        answer = await api.post(f"/api/v1/tickets/{ticket_id}/accept?lang=en",
                                headers={"Idempotency-Key": "k-accept"})
    finally:
        stack.worker.signal(signal.SIGCONT)
    assert answer.status_code == 503, answer.text
    assert "may still be carried out" in answer.json()["detail"]
    assert ticket_id in answer.json()["detail"]
    retry = await api.post(f"/api/v1/tickets/{ticket_id}/accept", headers={"Idempotency-Key": "k-accept"})
    assert retry.status_code == 200, retry.text
    assert retry.json()["stage"] == "in_progress"
    await stack.assert_settled(ticket_id)
    assert count(stack, ticket_id, "accepted") == 1


async def test_a_console_form_sent_twice_is_one_action(stack, api, console):
    ticket_id = await dispatched_case(stack)
    await api.post(f"/api/v1/tickets/{ticket_id}/accept")
    page = (await console.get(f"/cases/{ticket_id}")).text
    form = re.search(r'action="/cases/[^/]+/progress".*?name="idempotency_key" value="([^"]+)"', page, re.S)
    assert form, "the progress form carries its idempotency key"
    note = {"note": "已约谈店主", "idempotency_key": form.group(1)}
    for _ in range(2):  # the user presses the button again after a slow answer
        sent = await console.submit(f"/cases/{ticket_id}/progress", note, form_page=f"/cases/{ticket_id}")
        assert sent.status_code == 303, sent.text
    await stack.assert_settled(ticket_id)
    assert count(stack, ticket_id, "progress") == 1
