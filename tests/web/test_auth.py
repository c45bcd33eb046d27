"""Log-in, log-out, sessions, role checks, CSRF and login throttling."""

from __future__ import annotations

import logging

import pytest

from app.main import SESSION_COOKIE, create_app
from core.config import Settings
from tests.temporal_env import TEST_PAYLOAD_KEY


async def test_login_page_renders_with_a_csrf_token(site_without_temporal):
    response = await site_without_temporal.client().get("/login")
    assert response.status_code == 200 and 'name="csrf_token"' in response.text


@pytest.mark.parametrize(("username", "home"), [
    ("operator", "/intake/hotline"), ("dispatcher", "/dispatch"), ("h-ecology", "/inbox"), ("street-east", "/inbox"),
    ("grid-east", "/whistles"), ("supervisor", "/supervise"), ("admin", "/supervise"),
])
async def test_login_goes_to_the_role_home_page(site_without_temporal, username, home):
    client = site_without_temporal.client()
    response = await client.login(username)
    assert response.status_code == 303 and response.headers["location"] == home
    assert (await client.get(home)).status_code == 200


async def test_login_with_a_wrong_password_is_refused(site_without_temporal):
    client = site_without_temporal.client()
    response = await client.login("dispatcher", "wrong")
    assert response.status_code == 400 and "用户名或密码错误" in response.text
    assert (await client.get("/dispatch")).headers["location"] == "/login?next=/dispatch"


async def test_login_returns_to_the_page_asked_for(site_without_temporal):
    client = site_without_temporal.client()
    redirect = await client.get("/supervise")
    assert redirect.status_code == 303 and redirect.headers["location"] == "/login?next=/supervise"
    token = await client.csrf("/login?next=/supervise")
    response = await client.post("/login", data={"username": "supervisor", "password": "test-pass-123",
                                                 "next": "/supervise", "csrf_token": token})
    assert response.headers["location"] == "/supervise"


async def test_login_never_redirects_off_site(site_without_temporal):
    client = site_without_temporal.client()
    token = await client.csrf()
    response = await client.post("/login", data={"username": "supervisor", "password": "test-pass-123",
                                                 "next": "//evil.example/", "csrf_token": token})
    assert response.headers["location"] == "/supervise"


async def test_logout_ends_the_session(site_without_temporal):
    client = await site_without_temporal.signed_in("dispatcher")
    response = await client.submit("/logout", {}, form_page="/dispatch")
    assert response.status_code == 303
    assert (await client.get("/dispatch")).status_code == 303


async def test_logout_without_csrf_is_refused(site_without_temporal):
    client = await site_without_temporal.signed_in("dispatcher")
    assert (await client.post("/logout")).status_code == 403
    assert (await client.get("/dispatch")).status_code == 200


async def test_a_post_with_a_wrong_csrf_token_is_a_logged_403(site_without_temporal, caplog):
    client = await site_without_temporal.signed_in("h-ecology")
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        response = await client.post("/cases/2026-0101-000001/accept", data={"csrf_token": "forged"})
    assert response.status_code == 403 and "表单已过期" in response.text
    assert any("403" in r.message and "/cases/2026-0101-000001/accept" in r.message and "csrf" in r.message
               for r in caplog.records)


async def test_the_csrf_token_of_another_session_is_refused(site_without_temporal):
    other = await site_without_temporal.signed_in("dispatcher")
    stolen = await other.csrf("/dispatch")
    client = await site_without_temporal.signed_in("dispatcher")
    response = await client.post("/cases/x/reject", data={"csrf_token": stolen, "reason": "x"})
    assert response.status_code == 403


async def test_the_public_form_needs_csrf_too(site_without_temporal):
    response = await site_without_temporal.client().post("/report", data={"description": "路灯坏了很久了"})
    assert response.status_code == 403


async def test_login_is_throttled(site_without_temporal):
    client = site_without_temporal.client()
    statuses = [(await client.login("dispatcher", "wrong")).status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    assert (await client.login("dispatcher")).status_code == 429  # even with the right password, for a minute


@pytest.mark.parametrize(("path", "allowed"), [
    ("/dispatch", {"dispatcher", "east-dispatcher"}),
    ("/inbox", {"h-ecology", "street-east"}),
    ("/whistles", {"street-east", "grid-east"}),
    ("/whistle", {"street-east", "grid-east"}),
    ("/supervise", {"supervisor", "east-supervisor", "admin"}),
    ("/intake/hotline", {"operator"}),
])
async def test_each_console_is_for_its_roles_only(site_without_temporal, caplog, path, allowed):
    everyone = ["operator", "dispatcher", "east-dispatcher", "supervisor", "east-supervisor", "admin", "h-ecology",
                "street-east", "grid-east"]
    for username in everyone:
        client = await site_without_temporal.signed_in(username)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="services.accounts"):
            response = await client.get(path)
        if username in allowed:
            assert response.status_code == 200, (username, path)
        else:
            assert response.status_code == 403, (username, path)
            assert any(f"user={username}(" in r.message and path in r.message for r in caplog.records)


async def test_anonymous_visitors_are_sent_to_login(site_without_temporal):
    client = site_without_temporal.client()
    for path in ("/dispatch", "/inbox", "/supervise", "/intake/hotline", "/whistle", "/cases/2026-0101-000001"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


async def test_session_cookie_is_httponly_and_lax(site_without_temporal):
    response = await site_without_temporal.client().get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE) and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie


async def test_session_cookie_is_secure_in_production(seeded, tmp_path):
    import httpx

    settings = Settings(environment="production", secret_key="x" * 40, data_dir=tmp_path, payload_key=TEST_PAYLOAD_KEY)
    app = create_app(settings, engine=seeded, temporal_client=object())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        response = await client.get("/login")
    assert "secure" in response.headers["set-cookie"].lower()


async def test_a_deactivated_account_is_signed_out(site_without_temporal):
    from sqlmodel import Session, select

    from core.models.users import User

    client = await site_without_temporal.signed_in("dispatcher")
    with Session(site_without_temporal.engine) as session:
        user = session.exec(select(User).where(User.username == "dispatcher")).one()
        user.active = False
        session.add(user)
        session.commit()
    assert (await client.get("/dispatch")).status_code == 303
