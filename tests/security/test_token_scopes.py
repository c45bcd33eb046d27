"""Token scopes: the demo Open311 key files and reads Open311 only; the JSON API opens to an account's
"api" token only; revoked tokens open nothing; the seed step turns an old admin demo token into the
Open311 client's key."""

from __future__ import annotations

import httpx
from sqlmodel import Session, select

from app.main import create_app
from core.config import Settings
from core.db import create_schema, make_engine
from core.models.users import ApiToken, User
from core.security import hash_token
from core.seed import DEMO_API_KEY, seed_all, seed_demo_api_key
from services.accounts import issue_open311_key, issue_token, revoke_token
from tests.api.conftest import api, api_temporal  # noqa: F401  (fixtures)
from tests.api.test_open311 import VALID, wait_for_ticket

PHONE = "13812345678"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _engine_of(client):
    return client.app.state.platform.engine


async def test_the_demo_key_files_and_reads_open311_but_opens_no_json_api(api):  # noqa: F811
    with Session(_engine_of(api)) as session:
        assert seed_demo_api_key(session)
    filed = await api.post("/open311/v2/requests.json", data={**VALID, "api_key": DEMO_API_KEY})
    assert filed.status_code == 201, filed.text
    ticket_id = filed.json()[0]["service_request_id"]
    await wait_for_ticket(api, ticket_id)
    public = await api.get(f"/open311/v2/requests/{ticket_id}.json")
    assert public.status_code == 200 and PHONE not in public.text
    assert (await api.get("/api/v1/me", headers=_bearer(DEMO_API_KEY))).status_code == 401
    unmasked = await api.get(f"/api/v1/tickets/{ticket_id}", headers=_bearer(DEMO_API_KEY))
    assert unmasked.status_code == 401 and PHONE not in unmasked.text
    listed = await api.get("/api/v1/tickets", headers=_bearer(DEMO_API_KEY))
    assert listed.status_code == 401 and PHONE not in listed.text


async def test_an_accounts_api_token_opens_the_json_api_but_is_no_open311_key(api):  # noqa: F811
    with Session(_engine_of(api)) as session:
        token = issue_token(session, "dispatcher", "scope test")
    me = await api.get("/api/v1/me", headers=_bearer(token))
    assert me.status_code == 200 and me.json()["username"] == "dispatcher"
    filed = await api.post("/open311/v2/requests.json", data={**VALID, "api_key": token})
    assert filed.status_code == 403 and "api_key" in filed.text


async def test_a_revoked_token_or_key_opens_nothing(api):  # noqa: F811
    with Session(_engine_of(api)) as session:
        token = issue_token(session, "dispatcher", "revoked api token")
        key = issue_open311_key(session, "revoked partner")
        for row in session.exec(select(ApiToken).where(ApiToken.token_hash.in_([hash_token(token), hash_token(key)]))):
            assert revoke_token(session, row.id)
    assert (await api.get("/api/v1/me", headers=_bearer(token))).status_code == 401
    assert (await api.post("/open311/v2/requests.json", data={**VALID, "api_key": key})).status_code == 403


async def test_a_new_open311_key_files_open311(api):  # noqa: F811
    with Session(_engine_of(api)) as session:
        key = issue_open311_key(session, "partner")
    filed = await api.post("/open311/v2/requests.json", data={**VALID, "api_key": key})
    assert filed.status_code == 201, filed.text
    assert (await api.get("/api/v1/me", headers=_bearer(key))).status_code == 401


async def test_the_seed_step_turns_an_old_admin_demo_token_into_the_open311_clients_key(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'upgraded.db'}")
    create_schema(engine)
    seed_all(engine)
    with Session(engine) as session:  # what a database seeded before token scopes holds
        admin = session.exec(select(User).where(User.username == "admin")).one()
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(DEMO_API_KEY))).one()
        row.scope, row.user_id = "api", admin.id
        session.add(row)
        session.commit()
    app = create_app(Settings(environment="test", data_dir=tmp_path), engine=engine, temporal_client=object())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/api/v1/me", headers=_bearer(DEMO_API_KEY))).status_code == 200  # the hole
        seed_all(engine)  # every start runs it
        assert (await client.get("/api/v1/me", headers=_bearer(DEMO_API_KEY))).status_code == 401
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(DEMO_API_KEY))).one()
        assert (row.scope, row.user_id, row.revoked) == ("open311", None, False)
    engine.dispose()


def test_production_revokes_the_publicly_known_demo_key(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'production.db'}")
    seed_all(engine)
    seed_all(engine, demo_api_key=False)
    with Session(engine) as session:
        assert session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(DEMO_API_KEY))).one().revoked
    engine.dispose()
