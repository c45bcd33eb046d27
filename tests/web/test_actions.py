"""services.updates and services.accounts: the signed-in user as an Actor, and workflow refusals as error
kinds with HTTP statuses and translated messages."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session
from temporalio.exceptions import ApplicationError

from core.config import defaults
from core.i18n import set_locale
from core.messages import Actor, Role
from core.models.users import User
from core.payloads import AcceptInput
from services.accounts import actor_for, citizen_actor, load_user
from services.errors import ServiceError
from services.updates import refusal, send
from workflows.grievance import GrievanceWorkflow


def _user(engine, username):
    with Session(engine) as session:
        from sqlmodel import select

        account = session.exec(select(User).where(User.username == username)).one()
        return load_user(session, account.id)


@pytest.mark.parametrize(("username", "district"), [
    ("dispatcher", None), ("east-dispatcher", "d-east"), ("h-ecology", None), ("street-east", "d-east"),
    ("grid-east", "d-east"), ("supervisor", None), ("east-supervisor", "d-east"),
])
def test_actor_comes_from_the_account(seeded, username, district):
    user = _user(seeded, username)
    actor = actor_for(user)
    assert actor.id == username and actor.role == user.role and actor.unit_id == user.unit_id
    assert actor.district_id == district


def test_grid_worker_knows_its_street(seeded):
    assert _user(seeded, "grid-east").street_id == "s-east-1"


def test_citizen_actor_is_bound_to_the_ticket():
    assert citizen_actor("2026-1123-000001") == Actor(id="citizen:2026-1123-000001", role=Role.CITIZEN,
                                                      name="citizen")


def _failure(kind: str, message: str = "m", **details) -> ApplicationError:
    return ApplicationError(message, details or None, type=kind, non_retryable=True)


@pytest.mark.parametrize(("kind", "details", "status", "words"), [
    ("Forbidden", {}, 403, "无权"),
    ("WrongState", {"stage": "closed"}, 409, "当前办结"),
    ("WrongState", {"pending": "extension"}, 409, "延期"),
    ("WrongState", {}, 409, "当前状态"),
    ("MissingReason", {"field": "result summary"}, 400, "请填写办理结果说明"),
    ("BadInput", {}, 400, "输入未被接受"),
    ("NotOnCatalog", {}, 400, "职责清单"),
])
def test_refusals_map_to_statuses_and_translated_messages(kind, details, status, words):
    error = refusal(_failure(kind, "the workflow's words", **details), None)
    assert error.status == status and words in error.message and error.detail == "the workflow's words"


def test_refusal_in_english():
    token = set_locale("en")
    try:
        error = refusal(_failure("MissingReason", field="reason"), None)
    finally:
        set_locale("zh_Hans")
    assert error.message == "Please give a reason."
    del token


def test_a_forbidden_refusal_is_logged(caplog):
    payload = AcceptInput(actor=Actor(id="h-x", role=Role.HANDLER, unit_id="dept-x"))
    with caplog.at_level(logging.WARNING, logger="services.updates"):
        refusal(_failure("Forbidden", "not your unit"), payload, "/cases/T/accept")
    assert any("user=h-x(handler@dept-x)" in r.getMessage() and "/cases/T/accept" in r.getMessage()
               and "not your unit" in r.getMessage() for r in caplog.records)


async def test_an_unknown_workflow_is_404(ts_env):
    with pytest.raises(ServiceError) as raised:
        await send(ts_env.client, "2000-0101-000404", GrievanceWorkflow.accept,
                   AcceptInput(actor=Actor(id="h", role=Role.HANDLER)), timeout=defaults().action_timeout_seconds)
    assert raised.value.status == 404


async def test_temporal_down_is_a_503_page(seeded, tmp_path):
    import httpx

    from app.main import create_app
    from core.config import Settings
    from tests.web.conftest import make_ticket

    settings = Settings(environment="test", temporal_address="127.0.0.1:9", data_dir=tmp_path)
    app = create_app(settings, engine=seeded)
    make_ticket(seeded, "T-1")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        from tests.web.conftest import WebClient

        client.__class__ = WebClient
        await client.login("h-ecology")
        response = await client.act("T-1", "accept")
    assert response.status_code == 503 and "流程服务暂时无法连接" in response.text
