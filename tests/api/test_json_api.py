"""The JSON API: one grievance from intake to rating with bearer tokens, the same permissions as the
console (401 without a token, 403 for the wrong role or unit), masking, and idempotent intake."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, col, select

from core.models.tickets import Intake, Ticket
from core.vocabulary import CITIZEN_ACTIONS
from services.accounts import issue_token


@pytest.fixture
def tokens(api) -> dict[str, dict[str, str]]:
    with Session(api.app.state.platform.engine) as session:
        names = ("operator", "dispatcher", "h-ecology", "h-housing", "supervisor", "street-east", "grid-east")
        return {name: {"Authorization": f"Bearer {issue_token(session, name, 'test')}"} for name in names}


async def until(api, ticket_id: str, predicate, tries: int = 200) -> Ticket:
    for _ in range(tries):
        with Session(api.app.state.platform.engine) as session:
            ticket = session.get(Ticket, ticket_id)
        if ticket is not None and predicate(ticket):
            return ticket
        await asyncio.sleep(0.05)
    raise AssertionError(f"{ticket_id} never reached the expected state")


INTAKE = {"description": "楼下饭店油烟很大，晚上排油烟，电话13812345678", "address": "建设路12号",
          "street_id": "s-east-1", "complainant": {"name": "张三", "phone": "13812345678"}}


async def test_one_grievance_through_the_api(api, tokens):
    headers = {**tokens["operator"], "Idempotency-Key": "call-1"}
    filed = await api.post("/api/v1/tickets", json=INTAKE, headers=headers)
    assert filed.status_code == 201, filed.text
    ticket_id, secret = filed.json()["ticket_id"], filed.json()["secret"]
    again = await api.post("/api/v1/tickets", json=INTAKE, headers=headers)
    assert again.json() == {"ticket_id": ticket_id, "secret": secret, "created": False}
    await until(api, ticket_id, lambda t: t.last_seq >= 2)

    queue = await api.get("/api/v1/queues/dispatch", headers=tokens["dispatcher"])
    [row] = queue.json()["tickets"]
    assert row["id"] == ticket_id and row["complainant_phone"] == "13812345678"  # dispatchers see contacts
    assert row["proposal"][0]["item_code"] == "MK-001"

    dispatched = await api.post(f"/api/v1/tickets/{ticket_id}/dispatch", json={"item_code": "MK-001"},
                                headers=tokens["dispatcher"])
    assert dispatched.status_code == 200 and dispatched.json()["stage"] == "dispatched"
    await until(api, ticket_id, lambda t: t.stage == "dispatched")

    # Another unit's handler neither sees nor acts on it; without a token nothing at all.
    assert (await api.post(f"/api/v1/tickets/{ticket_id}/accept", headers=tokens["h-housing"])).status_code == 403
    assert (await api.get(f"/api/v1/tickets/{ticket_id}", headers=tokens["h-housing"])).status_code == 403
    unauthenticated = await api.get(f"/api/v1/tickets/{ticket_id}")
    assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"] == "Bearer"
    assert (await api.get("/api/v1/me", headers={"Authorization": "Bearer nope"})).status_code == 401

    eco = tokens["h-ecology"]
    assert (await api.post(f"/api/v1/tickets/{ticket_id}/accept", headers=eco)).json()["stage"] == "in_progress"
    no_reason = await api.post(f"/api/v1/tickets/{ticket_id}/progress", json={"note": " "}, headers=eco)
    assert no_reason.status_code == 400
    assert (await api.post(f"/api/v1/tickets/{ticket_id}/progress", json={"note": "已约谈店主"},
                           headers=eco)).status_code == 200
    result = await api.post(f"/api/v1/tickets/{ticket_id}/submit",
                            json={"summary": "已加装净化器", "outcome": "resolved"}, headers=eco)
    assert result.json()["stage"] == "review"
    wrong_state = await api.post(f"/api/v1/tickets/{ticket_id}/accept", headers=eco)
    assert wrong_state.status_code == 409
    approved = await api.post(f"/api/v1/tickets/{ticket_id}/review", json={"approve": True},
                              headers=tokens["dispatcher"])
    assert approved.json()["stage"] == "rating"

    masked = (await api.get(f"/api/v1/tickets/{ticket_id}", headers=tokens["supervisor"])).json()
    assert masked["complainant_phone"] == "13812345678"  # supervisors see contacts too
    wrong_secret = await api.post(f"/api/v1/track/{ticket_id}/rating", json={"secret": "x", "rating": "satisfied"})
    assert wrong_secret.status_code == 403  # the tracking page's rule (services.tracking): a logged refusal
    rated = await api.post(f"/api/v1/track/{ticket_id}/rating",
                           json={"secret": secret, "rating": "satisfied", "resolved": True})
    assert rated.json()["stage"] == "closed"
    await until(api, ticket_id, lambda t: t.published)

    for _ in range(200):  # the "published" audit row follows the publication itself
        events = await api.get(f"/api/v1/tickets/{ticket_id}/events", headers=tokens["dispatcher"])
        actions = [e["action"] for e in events.json()]
        if actions[-1:] == ["published"]:
            break
        await asyncio.sleep(0.05)
    assert actions[:3] == ["received", "routed", "dispatched"] and actions[-2:] == ["closed", "published"]
    tracked = await api.get(f"/api/v1/track/{ticket_id}", params={"secret": secret})
    assert tracked.json()["stage"] == "closed"
    steps = [e["action"] for e in tracked.json()["events"]]  # the tracking page's steps: no internal clocks
    assert steps[0] == "received" and "closed" in steps and not {"routed", "checkpoint"} & set(steps)
    assert set(steps) <= set(CITIZEN_ACTIONS)


async def test_roles_and_channels(api, tokens):
    whistle = await api.post("/api/v1/tickets", json={**INTAKE, "channel": "whistle"},
                             headers={**tokens["grid-east"], "Idempotency-Key": "w-1"})
    assert whistle.status_code == 201
    ticket = await until(api, whistle.json()["ticket_id"], lambda t: t.last_seq >= 1)
    assert ticket.whistle_unit_id == "s-east-1" and ticket.channel == "whistle"
    forbidden = await api.post("/api/v1/tickets", json={**INTAKE, "channel": "hotline"},
                               headers={**tokens["grid-east"], "Idempotency-Key": "w-2"})
    assert forbidden.status_code == 403
    assert (await api.post("/api/v1/tickets", json=INTAKE, headers=tokens["operator"])).status_code == 422
    assert (await api.get("/api/v1/queues/supervision", headers=tokens["h-ecology"])).status_code == 403
    handler_view = await api.get(f"/api/v1/tickets/{ticket.id}", headers=tokens["street-east"])
    assert handler_view.status_code == 200
    assert handler_view.json()["complainant_phone"] == "138****5678"  # not the primary unit: masked
    bad = await api.post("/api/v1/tickets", json={**INTAKE, "lat": 95, "lng": 1},
                         headers={**tokens["operator"], "Idempotency-Key": "x"})
    assert bad.status_code == 422


async def test_catalog_and_routing(api, tokens):
    items = (await api.get("/api/v1/catalog/items", params={"q": "油烟"})).json()
    assert [i["code"] for i in items] == ["MK-001"]
    assert (await api.get("/api/v1/catalog/items/NOPE")).status_code == 404
    proposal = await api.post("/api/v1/routing/proposals", json={"text": "饭店油烟扰民"}, headers=tokens["dispatcher"])
    assert proposal.json()["candidates"][0]["item_code"] == "MK-001"
    assert (await api.post("/api/v1/routing/proposals", json={"text": "x"})).status_code == 401
    me = (await api.get("/api/v1/me", headers=tokens["h-ecology"])).json()
    assert me["role"] == "handler" and me["unit_id"] == "dept-ecology"


async def test_notices_reach_the_unit_through_the_api(api, tokens):
    from datetime import UTC, datetime

    from core.models.tickets import Notice

    with Session(api.app.state.platform.engine) as session:
        session.add(Notice(key="k", ticket_id="T-1", unit_id="dept-ecology", audience="unit", kind="overdue",
                           message="overdue", created_at=datetime.now(UTC)))
        session.commit()
    [notice] = (await api.get("/api/v1/notices", headers=tokens["h-ecology"])).json()
    assert notice["kind"] == "overdue" and notice["ticket_id"] == "T-1"
    assert (await api.get("/api/v1/notices", headers=tokens["h-housing"])).json() == []
    assert (await api.post(f"/api/v1/notices/{notice['id']}/read", headers=tokens["h-housing"])).status_code == 403
    assert (await api.post(f"/api/v1/notices/{notice['id']}/read", headers=tokens["h-ecology"])).status_code == 204
    assert (await api.get("/api/v1/notices", headers=tokens["h-ecology"])).json() == []


async def test_the_api_files_under_the_console_forms_rules(api, tokens):
    """One set of intake rules (services.intake.problems) for every channel: a refusal starts nothing."""
    operator = tokens["operator"]
    cases = [({"category_hint": "nope"}, "请从列表中选择类别"),
             ({"complainant": {"phone": "12"}}, "电话号码格式不正确"),
             ({"street_id": "d-east"}, "请从列表中选择街道"),
             ({"description": "   "}, "请至少用1个字描述问题")]
    for n, (change, words) in enumerate(cases):
        refused = await api.post("/api/v1/tickets", json={**INTAKE, **change},
                                 headers={**operator, "Idempotency-Key": f"rule-{n}"})
        assert refused.status_code == 400 and words in refused.json()["detail"], (change, refused.text)
    with Session(api.app.state.platform.engine) as session:
        assert session.exec(select(Intake).where(col(Intake.idempotency_key).like("api:%:rule-%"))).all() == []
