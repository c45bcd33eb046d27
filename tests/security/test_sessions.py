"""Console sessions live on the server: log-out ends a replayed cookie, sessions expire (absolute lifetime
and idle timeout), every log-in gets a fresh id, account changes end sessions, and a log-in with an
unknown user name takes as long as one with a known name."""

from __future__ import annotations

import base64
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from app.main import SESSION_COOKIE
from core.models.users import User, WebSession
from services import sessions
from services.accounts import authenticate, deactivate_user, set_password
from tests.web.conftest import PASSWORD, seeded, settings, site_without_temporal  # noqa: F401  (fixtures)


def _session_id(client) -> str | None:
    """The server-side session id the signed cookie carries (its payload is base64 JSON before the signature)."""
    cookie = client.cookies.get(SESSION_COOKIE)
    if cookie is None:
        return None
    payload = cookie.split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4))).get("sid")


def _row(site, client) -> WebSession | None:
    with Session(site.engine) as db:
        return db.get(WebSession, sessions._hash(_session_id(client) or ""))


def _move_back(site, client, **fields: timedelta) -> None:
    """Ages the stored session instead of sleeping: each field is moved back by the given amount."""
    with Session(site.engine) as db:
        row = db.get(WebSession, sessions._hash(_session_id(client)))
        for name, delta in fields.items():
            setattr(row, name, getattr(row, name) - delta)
        db.add(row)
        db.commit()


def _user_id(site, username: str) -> int:
    with Session(site.engine) as db:
        return db.exec(select(User).where(User.username == username)).one().id


async def test_a_replayed_cookie_is_signed_out_after_log_out(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client = await site.signed_in("dispatcher")
    stolen = client.cookies.get(SESSION_COOKIE)
    assert (await client.submit("/logout", {}, form_page="/dispatch")).status_code == 303
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, stolen)
    response = await replay.get("/dispatch")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_a_session_ends_at_its_absolute_lifetime_however_active(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client = await site.signed_in("dispatcher")
    lifetime = timedelta(hours=site.settings.session_lifetime_hours)
    _move_back(site, client, created_at=lifetime - timedelta(minutes=1), expires_at=lifetime - timedelta(minutes=1))
    assert (await client.get("/dispatch")).status_code == 200  # a minute before the end, still open
    _move_back(site, client, created_at=timedelta(minutes=2), expires_at=timedelta(minutes=2))
    assert (await client.get("/dispatch")).status_code == 303
    with Session(site.engine) as db:
        assert db.exec(select(WebSession)).all() == []


async def test_a_session_ends_after_the_idle_timeout(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client = await site.signed_in("dispatcher")
    idle = timedelta(minutes=site.settings.session_idle_minutes)
    _move_back(site, client, last_seen_at=idle - timedelta(minutes=5))
    assert (await client.get("/dispatch")).status_code == 200
    assert datetime.now(UTC) - _row(site, client).last_seen_at < timedelta(minutes=1)  # the request counted
    _move_back(site, client, last_seen_at=idle + timedelta(minutes=1))
    assert (await client.get("/dispatch")).status_code == 303


async def test_every_log_in_gets_a_fresh_session_id(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client = site.client()
    await client.get("/login")
    planted = _session_id(client)
    assert (await client.login("dispatcher")).status_code == 303
    first_cookie, first = client.cookies.get(SESSION_COOKIE), _session_id(client)
    assert first and first != planted
    assert (await client.login("dispatcher")).status_code == 303
    second = _session_id(client)
    assert second and second != first
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, first_cookie)
    assert (await replay.get("/dispatch")).status_code == 303  # signing in again ended the earlier session
    assert (await client.get("/dispatch")).status_code == 200


async def test_deactivating_an_account_ends_its_sessions(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client = await site.signed_in("dispatcher")
    with Session(site.engine) as db:
        deactivate_user(db, _user_id(site, "dispatcher"))
        assert db.exec(select(WebSession)).all() == []
    assert (await client.get("/dispatch")).status_code == 303


async def test_changing_a_password_ends_the_accounts_sessions(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client, other_browser = await site.signed_in("dispatcher"), await site.signed_in("dispatcher")
    with Session(site.engine) as db:
        set_password(db, _user_id(site, "dispatcher"), "a-new-password-456")
    assert (await client.get("/dispatch")).status_code == 303
    assert (await other_browser.get("/dispatch")).status_code == 303
    assert (await site.client().login("dispatcher", "a-new-password-456")).status_code == 303


async def test_the_csrf_token_ends_with_the_session(site_without_temporal):  # noqa: F811
    site = site_without_temporal
    client = await site.signed_in("dispatcher")
    token, cookie = await client.csrf("/dispatch"), client.cookies.get(SESSION_COOKIE)
    await client.post("/logout", data={"csrf_token": token})
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, cookie)
    assert (await replay.post("/logout", data={"csrf_token": token})).status_code == 403


def _median_seconds(check, runs: int = 5) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        check()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def test_an_unknown_user_name_takes_as_long_as_a_known_one(seeded):  # noqa: F811
    with Session(seeded) as db:
        authenticate(db, "nobody-warm-up", PASSWORD)  # the first call makes the dummy hash once per process
        assert authenticate(db, "dispatcher", PASSWORD) is not None
        known = _median_seconds(lambda: authenticate(db, "dispatcher", "wrong password"))
        unknown = _median_seconds(lambda: authenticate(db, "nobody", "wrong password"))
    assert unknown >= 0.5 * known, f"unknown {unknown:.4f}s vs known {known:.4f}s"
