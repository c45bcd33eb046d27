"""Floods: rate limits counted in the read model (services.rate_limits), so they hold across web processes and
restarts; every intake channel, citizens' tracking, and a cap on all anonymous intake together.

Two apps on two engines over one database file stand for two web processes; a new app on a new engine for a
restart. Intake runs against the time-skipping Temporal server (no worker: starting the workflow is enough).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from app.main import create_app
from core.config import Settings
from core.db import create_schema, make_engine
from core.models.tickets import Intake
from core.models.users import RateCounter
from services.accounts import issue_open311_key, issue_token
from services.rate_limits import RateLimits, SqlCounterStorage
from tests.temporal_env import time_skipping_env
from tests.utils.postgres import TempPostgres, pg_bin
from tests.web.conftest import WebClient

ROOT = Path(__file__).resolve().parents[2]
OPEN311 = {"service_code": "MK-002", "description": "超市卖过期牛奶", "address_string": "东关街道建设路12号"}


@pytest.fixture(scope="module")
async def temporal():
    env = await time_skipping_env()
    yield env
    await env.shutdown()



@pytest.fixture
def engines(db_file):
    made = []

    def make():
        made.append(make_engine(f"sqlite:///{db_file}"))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def settings_for(tmp_path: Path, **limits) -> Settings:
    return Settings(environment="test", temporal_task_queue=f"limits-{uuid.uuid4()}", data_dir=tmp_path,
                    centre_unit_id="centre", **limits)


def browser(app, address: str) -> WebClient:
    """A client at `address`, reading English (the messages are checked in English)."""
    return WebClient(transport=httpx.ASGITransport(app=app, client=(address, 1234)), base_url="http://testserver",
                     cookies={"lang": "en"})


def intakes(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Intake)).one()


async def report(client: WebClient, text: str = "建设路饭店油烟很大，晚上十点还在排油烟") -> httpx.Response:
    page = await client.get("/report")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return await client.submit("/report", {"description": text, "street_id": "s-east-1", "idempotency_key": key})


def assert_refused(response: httpx.Response, words: str) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert words in response.text


# ---- across processes and restarts ----


async def test_two_processes_count_the_same_tracking_attempts(engines, db_file, tmp_path):
    in_other_process = track_from_another_process(db_file, tmp_path, 15, "30/minute")
    assert in_other_process == [403] * 15
    settings = settings_for(tmp_path)
    web, api = (browser(create_app(settings, engine=engines(), temporal_client=object()), "198.51.100.7")
                for _ in range(2))
    statuses = []
    for n in range(15):  # the tracking page and the JSON API, here and there: one count
        if n % 2:
            statuses.append((await web.track("T-1", "bad")).status_code)
        else:
            statuses.append((await api.get("/api/v1/track/T-1", params={"secret": "bad"})).status_code)
    assert set(statuses) == {403}
    assert_refused(await api.get("/api/v1/track/T-1", params={"secret": "bad"}), "Too many attempts")
    assert (await web.track("T-1", "bad")).status_code == 429
    other = browser(create_app(settings, engine=engines(), temporal_client=object()), "198.51.100.8")
    assert (await other.get("/api/v1/track/T-1", params={"secret": "bad"})).status_code == 403


async def test_a_limit_survives_a_restart(engines, db_file, tmp_path):
    assert track_from_another_process(db_file, tmp_path, 3, "3/minute") == [403] * 3  # then that process ends
    settings = settings_for(tmp_path, rate_limit_track="3/minute")
    after = browser(create_app(settings, engine=engines(), temporal_client=object()), "198.51.100.7")
    assert (await after.get("/api/v1/track/T-1", params={"secret": "x"})).status_code == 429


OTHER_PROCESS = """
import asyncio, sys
import httpx
from app.main import create_app
from core.config import Settings
from core.db import make_engine

async def main(db, data_dir, n, limit):
    settings = Settings(environment="test", data_dir=data_dir, rate_limit_track=limit)
    app = create_app(settings, engine=make_engine(f"sqlite:///{db}"), temporal_client=object())
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(n):
            print((await client.get("/api/v1/track/T-1", params={"secret": "bad"})).status_code)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
"""


def track_from_another_process(db_file: Path, data_dir: Path, attempts: int, limit: str) -> list[int]:
    """Wrong tracking secrets from 198.51.100.7, sent by an app in a process of its own; their statuses."""
    done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(db_file), str(data_dir), str(attempts), limit],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [int(line) for line in done.stdout.split()]


# ---- intake ----


async def test_public_reports_beyond_the_limit_are_refused_and_not_stored(engines, tmp_path, temporal):
    engine = engines()
    app = create_app(settings_for(tmp_path), engine=engine, temporal_client=temporal.client)  # default limits
    client = browser(app, "198.51.100.20")
    accepted = [(await report(client, f"建设路饭店油烟很大 第{n}次")).status_code for n in range(10)]
    assert accepted == [200] * 10 and intakes(engine) == 10
    refused = await report(client, "建设路饭店油烟很大 第11次")
    assert_refused(refused, "Too many requests. Wait 1 minute(s) and try again.")
    assert intakes(engine) == 10
    assert (await report(browser(app, "198.51.100.21"))).status_code == 200  # another address still files


async def test_open311_posts_are_limited_per_key_and_per_address(engines, tmp_path, temporal):
    engine = engines()
    settings = settings_for(tmp_path, rate_limit_open311_key="2/minute", rate_limit_open311_address="3/minute")
    app = create_app(settings, engine=engine, temporal_client=temporal.client)
    with Session(engine) as session:
        partner, other = issue_open311_key(session, "partner"), issue_open311_key(session, "other partner")
    client = browser(app, "198.51.100.30")

    async def post(key: str, n: int, fmt: str = "json") -> httpx.Response:
        return await client.post(f"/open311/v2/requests.{fmt}", data={**OPEN311, "api_key": key,
                                                                     "description": f"超市卖过期牛奶 第{n}次"})

    assert [(await post(partner, n)).status_code for n in range(2)] == [201, 201]
    refused = await post(partner, 3)
    assert_refused(refused, "Too many requests")
    assert refused.json()[0]["code"] == 429
    assert (await post(other, 4)).status_code == 201  # another key, same address: the third from here
    xml = await post(other, 5, "xml")
    assert_refused(xml, "<code>429</code>")
    assert intakes(engine) == 3


async def test_json_api_intake_is_limited_per_account_across_its_tokens(engines, tmp_path, temporal):
    engine = engines()
    app = create_app(settings_for(tmp_path, rate_limit_api_intake="2/minute"), engine=engine,
                     temporal_client=temporal.client)
    with Session(engine) as session:
        tokens = [issue_token(session, "operator", "line 1"), issue_token(session, "operator", "line 2")]
        dispatcher = issue_token(session, "dispatcher", "dispatch")
    client = browser(app, "198.51.100.40")

    async def post(token: str, n: int) -> httpx.Response:
        return await client.post("/api/v1/tickets", json={"description": f"占道经营 第{n}件"},
                                 headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k{n}"})

    assert [(await post(tokens[n % 2], n)).status_code for n in range(2)] == [201, 201]
    refused = await post(tokens[0], 2)
    assert_refused(refused, "Too many requests")
    assert refused.json()["detail"].startswith("Too many requests")
    assert (await post(dispatcher, 3)).status_code == 201
    assert intakes(engine) == 3


async def test_whistles_are_limited_per_account(engines, tmp_path, temporal):
    app = create_app(settings_for(tmp_path, rate_limit_whistle_account="2/minute"), engine=engines(),
                     temporal_client=temporal.client)
    grid = browser(app, "198.51.100.50")
    assert (await grid.login("grid-east")).status_code == 303

    async def whistle(n: int) -> httpx.Response:
        key = re.search(r'name="idempotency_key" value="([^"]+)"', (await grid.get("/whistle")).text).group(1)
        return await grid.submit("/whistle", {"description": f"楼道堆放杂物堵塞通道 第{n}处", "idempotency_key": key})

    assert [(await whistle(n)).status_code for n in range(2)] == [200, 200]
    assert_refused(await whistle(2), "Too many requests")


async def test_anonymous_intake_has_one_cap_over_every_address_and_channel(engines, tmp_path, temporal):
    engine = engines()
    app = create_app(settings_for(tmp_path, rate_limit_anonymous_intake="3/minute"), engine=engine,
                     temporal_client=temporal.client)
    with Session(engine) as session:
        key = issue_open311_key(session, "partner")
    bots = [browser(app, f"203.0.113.{n}") for n in range(1, 5)]
    assert (await report(bots[0], "路灯坏了一个月 第一处")).status_code == 200
    assert (await report(bots[1], "路灯坏了一个月 第二处")).status_code == 200
    filed = await bots[2].post("/open311/v2/requests.json", data={**OPEN311, "api_key": key})
    assert filed.status_code == 201
    refused = await report(bots[3], "路灯坏了一个月 第四处")
    assert_refused(refused, "12345")
    assert intakes(engine) == 3


# ---- the storage itself ----


def test_concurrent_hits_from_two_engines_are_all_counted(engines):
    storages = [SqlCounterStorage(engines()), SqlCounterStorage(engines())]
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda n: storages[n % 2].incr("k", 60), range(80)))
    assert sorted(counts) == list(range(1, 81)) and storages[0].get("k") == 80


def test_an_expired_window_starts_again_and_old_rows_are_swept(engines):
    engine = engines()
    with Session(engine) as session:
        session.add(RateCounter(key="k", count=50, expires_at=time.time() - 1))
        session.add(RateCounter(key="stale", count=7, expires_at=time.time() - 1))
        session.commit()
    storage = SqlCounterStorage(engine)
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1
    with Session(engine) as session:
        assert session.get(RateCounter, "stale") is None


@pytest.mark.postgres
@pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL is not installed (apt-get install postgresql)")
def test_the_storage_works_on_postgresql(tmp_path):
    server = TempPostgres()
    url = server.start()
    try:
        engines = [make_engine(url), make_engine(url)]
        create_schema(engines[0])
        storages = [SqlCounterStorage(e) for e in engines]
        with ThreadPoolExecutor(max_workers=8) as pool:
            counts = list(pool.map(lambda n: storages[n % 2].incr("k", 60), range(80)))
        assert sorted(counts) == list(range(1, 81))
        limits = RateLimits(engines[1], settings_for(tmp_path, rate_limit_track="2/minute"))
        assert [limits.hit("track", "198.51.100.1") for _ in range(3)][:2] == [None, None]
        assert limits.hit("track", "198.51.100.1") > 0
        for engine in engines:
            engine.dispose()
    finally:
        server.stop()
