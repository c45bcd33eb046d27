"""Every account × every action × cases in every stage, on the console and the JSON API, against the one table.

For each case (a real workflow brought to a stage) and each account, the expected answer comes from the
one permission table (core.guards) and the one visibility rule (services.tickets.can_view): the console's
forms offer exactly the permitted actions, and every refused action gets the same status on both surfaces.
Permitted actions are not sent (they would move the case on); the workflow tests do them.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError

from core.guards import PERMISSIONS, Action, authorize
from core.messages import Actor
from core.models.tickets import TicketEvent
from core.models.users import User
from core.vocabulary import DETAIL_KEYS, HTTP_STATUS, AuditAction, ErrorKind
from services.accounts import actor_for, issue_token, load_user
from services.actions import ACTIONS, allowed_actions
from services.tickets import can_view
from tests.web.conftest import ACCOUNTS, file_public
from workflows.grievance import GrievanceWorkflow

# A valid body for every action: a refusal is then about who and when, never about the input.
BODIES: dict[Action, dict] = {
    Action.DISPATCH: {"item_code": "MK-001", "primary_unit_id": "dept-ecology"},
    Action.REJECT: {"reason": "无效"},
    Action.MERGE: {"reason": "重复", "duplicate_of": "T"},
    Action.ACCEPT: {},
    Action.PROGRESS: {"note": "已到现场"},
    Action.REQUEST_BOUNCE: {"reason": "非本单位职责", "claimed_item_code": "MK-002"},
    Action.RULE_BOUNCE: {"approve": False, "reason": "属本单位职责"},
    Action.REQUEST_EXTENSION: {"reason": "等待检测", "extra": "2wd"},
    Action.RULE_EXTENSION: {"approve": False, "reason": "时限充足"},
    Action.ESCALATE: {"reason": "群众反复来电"},
    Action.REASSIGN: {"reason": "改派", "primary_unit_id": "dept-market", "item_code": "MK-002"},
    Action.OPEN_CONSULTATION: {"reason": "职责争议", "unit_ids": ["dept-ecology", "dept-market"]},
    Action.RULE_CONSULTATION: {"reason": "裁定", "primary_unit_id": "dept-ecology"},
    Action.STATE_POSITION: {"position": "属本单位职责"},
    Action.SUBMIT: {"summary": "已处理", "outcome": "resolved"},
    Action.REVIEW: {"approve": False, "reason": "请补充照片"},
    Action.RATE: {"rating": "satisfied", "score": 90},
    Action.REQUEST_PAUSE: {"reason": "诉求人无法联系"},
    Action.RULE_PAUSE: {"approve": False, "reason": "应继续联系"},
    Action.RESUME: {"reason": "已联系上诉求人"},
    Action.RETURN_VISIT: {"reached": "yes", "resolved": "yes", "rating": "satisfied"},
}


def _form(body: dict) -> dict:
    form = {}
    for key, value in body.items():
        if isinstance(value, bool):
            form["decision"] = "approve" if value else "deny"
        elif isinstance(value, list):
            form[key] = ", ".join(value)
        else:
            form[key] = str(value)
    return form


@dataclass
class Case:
    name: str
    ticket_id: str


async def _cases(site) -> list[Case]:
    """Cases in every stage an action needs, brought there through the console."""
    dispatcher = await site.signed_in("dispatcher")
    ecology = await site.signed_in("h-ecology")
    supervisor = await site.signed_in("supervisor")

    async def filed() -> str:
        return (await file_public(site))[0]

    async def dispatched() -> str:
        ticket_id = await filed()
        assert (await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology",
                                     cooperating_unit_ids="dept-market")).status_code == 303
        await site.wait_for(ticket_id, lambda t: t.stage == "dispatched")
        return ticket_id

    async def in_progress() -> str:
        ticket_id = await dispatched()
        assert (await ecology.act(ticket_id, "accept")).status_code == 303
        await site.wait_for(ticket_id, lambda t: t.stage == "in_progress")
        return ticket_id

    async def then(ticket_id: str, client, action: str, check, **form) -> str:
        assert (await client.act(ticket_id, action, **form)).status_code == 303
        await site.wait_for(ticket_id, check)
        return ticket_id

    received = await filed()
    return [
        Case("received", received),
        Case("dispatched", await dispatched()),
        Case("in_progress", await in_progress()),
        Case("bounce", await then(await in_progress(), ecology, "request_bounce",
                                  lambda t: t.pending_request == "bounce", reason="非本单位职责",
                                  claimed_item_code="MK-002")),
        Case("extension", await then(await in_progress(), ecology, "request_extension",
                                     lambda t: t.pending_request == "extension", reason="等待检测", extra="2wd")),
        Case("consultation", await then(await in_progress(), supervisor, "open_consultation",
                                        lambda t: t.pending_request == "consultation", reason="争议",
                                        unit_ids="dept-ecology, dept-market")),
        Case("review", await then(await in_progress(), ecology, "submit", lambda t: t.stage == "review",
                                  summary="已处理", outcome="resolved")),
        Case("pause", await then(await in_progress(), ecology, "request_pause",
                                 lambda t: t.pending_request == "pause", reason="诉求人无法联系")),
        Case("paused", await then(await then(await in_progress(), ecology, "request_pause",
                                             lambda t: t.pending_request == "pause", reason="诉求人无法联系"),
                                  supervisor, "rule_pause", lambda t: (t.state or {}).get("paused_at"),
                                  decision="approve", reason="属实")),
    ]


def _expected(site, user, ticket, state) -> dict[Action, int | None]:
    """None: permitted; else the HTTP status of the refusal, from the role, visibility and the one table."""
    expected: dict[Action, int | None] = {}
    actor: Actor = actor_for(user)
    for action in Action:
        if user.role not in PERMISSIONS[action].roles or not can_view(user, ticket, site.settings):
            expected[action] = 403
            continue
        try:
            authorize(action, state, actor)
            expected[action] = None
        except ApplicationError as refusal:
            expected[action] = HTTP_STATUS[ErrorKind(refusal.type)]
    return expected


@pytest.fixture
async def tokens(site):
    with Session(site.engine) as session:
        return {username: issue_token(session, username, "permission test") for username, _r, _u in ACCOUNTS}


async def test_every_account_and_action_follows_the_one_table(site, tokens):
    cases = await _cases(site)
    merge_target = cases[1].ticket_id
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=site.app), base_url="http://testserver")
    checked = permitted = 0
    for username, _role, _unit in ACCOUNTS:
        console = await site.signed_in(username)
        with Session(site.engine) as session:
            user = load_user(session, session.exec(select(User).where(User.username == username)).one().id)
        for case in cases:
            ticket = site.ticket(case.ticket_id)
            state = await site.env.client.get_workflow_handle(case.ticket_id).query(GrievanceWorkflow.state)
            expected = _expected(site, user, ticket, state)
            offered = allowed_actions(user, ticket, site.settings) if can_view(user, ticket, site.settings) else set()
            assert offered == {a for a, status in expected.items() if status is None}, (username, case.name)
            for action, status in expected.items():
                if status is None:
                    permitted += 1
                    continue
                body = dict(BODIES[action], **({"duplicate_of": merge_target} if action == Action.MERGE else {}))
                page = await console.act(case.ticket_id, action.value, **_form(body))
                json = await api.post(f"/api/v1/tickets/{case.ticket_id}/{action.value}", json=body,
                                      headers={"Authorization": f"Bearer {tokens[username]}"})
                where = (username, case.name, action.value)
                assert page.status_code == status, (*where, page.status_code, page.text[:300])
                assert json.status_code == status, (*where, json.status_code, json.text[:300])
                checked += 1
    assert set(ACTIONS) == set(Action) == set(BODIES)
    assert checked > 500 and permitted > 20
    with Session(site.engine) as session:  # and every audit row these cases wrote uses the vocabulary's keys
        for event in session.exec(select(TicketEvent)):
            assert set(event.details or {}) <= set(DETAIL_KEYS.get(AuditAction(event.action), ())), event.action
