"""Log-in protection: the client's address comes from X-Forwarded-For only through a configured proxy (checked on
the web process exactly as `make run` starts it), and a user name that fails too often, from any addresses, is
locked for a while, answered the same whether the account exists or not.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select
from starlette.requests import Request

from app.main import create_app
from core.config import Settings
from core.db import make_engine
from core.models.users import RateCounter
from http_common.deps import client_address
from scripts.stack import web_command
from tests.utils.net import free_port
from tests.web.conftest import PASSWORD, WebClient

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "Too many sign-in attempts for this account or from this address."



@pytest.fixture
def engine(db_file):
    made = make_engine(f"sqlite:///{db_file}")
    yield made
    made.dispose()


@pytest.fixture
def app(engine, tmp_path):
    return create_app(Settings(environment="test", data_dir=tmp_path), engine=engine, temporal_client=object())


def browser(app, address: str) -> WebClient:
    return WebClient(transport=httpx.ASGITransport(app=app, client=(address, 1234)), base_url="http://testserver",
                     cookies={"lang": "en"})


# ---- X-Forwarded-For ----


def web_process(db_file: Path, data_dir: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """The web process as scripts.stack starts it, on a free port over `db_file`; returns it and its URL."""
    settings = Settings(web_host="127.0.0.1", web_port=free_port())
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}", "DATA_DIR": str(data_dir),
                   "ENVIRONMENT": "test", "TEMPORAL_ADDRESS": "127.0.0.1:1", **env}
    process = subprocess.Popen(web_command(settings), cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{settings.web_port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/login", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the web process did not start")


def wrong_logins_with_forged_addresses(url: str, attempts: int) -> list[int]:
    """Wrong passwords for one account from 127.0.0.1, each claiming another address in X-Forwarded-For."""
    statuses = []
    with httpx.Client(base_url=url, cookies={"lang": "en"}) as client:
        for n in range(attempts):
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
            response = client.post("/login", headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                                   data={"username": "dispatcher", "password": "wrong", "csrf_token": token})
            statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize(("trusted", "throttled"), [("", True), ("127.0.0.1", False)])
def test_forwarded_for_counts_only_from_a_configured_proxy(db_file, tmp_path, trusted, throttled):
    process, url = web_process(db_file, tmp_path, TRUSTED_PROXIES=trusted)
    try:
        statuses = wrong_logins_with_forged_addresses(url, 6)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # Five tries a minute per account and address: a forged header must not make each try a new address.
    assert statuses == ([400] * 5 + [429] if throttled else [400] * 6)


def test_the_client_is_the_nearest_hop_before_the_trusted_proxies(engine, tmp_path):
    app = create_app(Settings(environment="test", data_dir=tmp_path, trusted_proxies="10.9.0.0/16"), engine=engine,
                     temporal_client=object())

    def address(peer: str, forwarded: str | None) -> str:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
        return client_address(Request({"type": "http", "app": app, "client": (peer, 1), "headers": headers}))

    assert address("10.9.0.2", "1.2.3.4, 198.51.100.9, 10.9.0.5") == "198.51.100.9"  # the left end is anyone's
    assert address("10.9.0.2", "garbage") == "10.9.0.2"
    assert address("10.9.0.2", None) == "10.9.0.2"
    assert address("203.0.113.5", "198.51.100.9") == "203.0.113.5"  # not our proxy: the header is ignored


def test_a_mistyped_proxy_setting_stops_the_process():
    with pytest.raises(ValueError, match="proxy"):
        Settings(trusted_proxies="10.0.0.0/8, our-proxy")


# ---- lockout ----


async def fail_from_many_addresses(app, username: str, times: int) -> list[int]:
    return [(await browser(app, f"203.0.113.{uuid.uuid4().int % 250 + 1}").login(username, "wrong")).status_code
            for _ in range(times)]


async def test_an_account_is_locked_after_failures_from_many_addresses(app, caplog):
    assert await fail_from_many_addresses(app, "dispatcher", 9) == [400] * 9
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        assert (await browser(app, "198.51.100.99").login("dispatcher", "wrong")).status_code == 400
    assert any("login locked user=dispatcher" in r.message and "198.51.100.99" in r.message for r in caplog.records)
    locked = await browser(app, "192.0.2.1").login("dispatcher", PASSWORD)  # even with the right password
    assert locked.status_code == 429 and LOCKED in locked.text
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert (await browser(app, "192.0.2.1").login("operator", PASSWORD)).status_code == 303  # others sign in


async def test_an_unknown_name_gets_the_same_answers(app):
    known = await fail_from_many_addresses(app, "dispatcher", 10)
    unknown = await fail_from_many_addresses(app, "no-such-user", 10)
    assert known == unknown == [400] * 10
    answers = [await browser(app, "192.0.2.2").login(name, "whatever") for name in ("dispatcher", "no-such-user")]
    assert [a.status_code for a in answers] == [429, 429]
    assert _message(answers[0].text) == _message(answers[1].text) and LOCKED in answers[0].text


async def test_a_successful_login_forgets_the_failures(app):
    assert await fail_from_many_addresses(app, "dispatcher", 9) == [400] * 9
    assert (await browser(app, "192.0.2.3").login("dispatcher", PASSWORD)).status_code == 303
    assert await fail_from_many_addresses(app, "dispatcher", 9) == [400] * 9
    assert (await browser(app, "192.0.2.3").login("dispatcher", PASSWORD)).status_code == 303


async def test_the_lock_ends_by_itself(app, engine):
    await fail_from_many_addresses(app, "dispatcher", 10)
    assert (await browser(app, "192.0.2.4").login("dispatcher", PASSWORD)).status_code == 429
    with Session(engine) as session:  # fifteen minutes later
        for row in session.exec(select(RateCounter).where(RateCounter.key.contains("dispatcher"))):
            row.expires_at = time.time() - 1
            session.add(row)
        session.commit()
    assert (await browser(app, "192.0.2.4").login("dispatcher", PASSWORD)).status_code == 303


def _message(page: str) -> str:
    """The page's text, seconds left aside (the two locks began a few seconds apart)."""
    return re.sub(r"\d+", "N", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
