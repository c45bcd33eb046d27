"""Web console tests: the app over httpx's ASGI transport, a fresh read model, and a real worker.

The worker runs on the native time-skipping server with the small test catalog; routing proposals
come from a stub activity of the same name, so the dispatcher console always has candidates.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session
from temporalio.worker import Worker

from activities import build_activities
from app.main import create_app
from core.config import Settings
from core.models.tickets import Ticket, TicketCounter
from core.models.users import User
from core.phones import national_number
from core.security import hash_password
from tests.temporal_env import time_skipping_env
from tests.utils.catalog import UNITS, seed_small_catalog
from workflows.grievance import GrievanceWorkflow
from workflows.hotline_import import HotlineImportWorkflow

PASSWORD = "test-pass-123"
_HASH = hash_password(PASSWORD)  # one hash for every test account keeps the suite fast

# username, role, unit
ACCOUNTS = [
    ("admin", "admin", "city"),
    ("operator", "operator", "centre"),
    ("dispatcher", "dispatcher", "centre"),
    ("east-dispatcher", "dispatcher", "d-east"),
    ("supervisor", "supervisor", "supervision"),
    ("east-supervisor", "supervisor", "d-east"),
    ("h-ecology", "handler", "dept-ecology"),
    ("h-market", "handler", "dept-market"),
    ("h-housing", "handler", "dept-housing"),
    ("street-east", "street", "s-east-1"),
    ("street-west", "street", "s-west-1"),
    ("grid-east", "grid", "c-east-1"),
]
UNIT_NAMES = {unit_id: name for unit_id, name, _name_en, _kind, _parent in UNITS}


def seed_accounts(session: Session) -> None:
    now = datetime.now(UTC)
    for username, role, unit in ACCOUNTS:
        session.add(User(username=username, display_name=f"{username} 测试", role=role, unit_id=unit,
                         password_hash=_HASH, created_at=now))
    session.commit()


@pytest.fixture(scope="session")
async def ts_env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Return visits as configured, but none by lot: a test knows whether its case is called back.
    return Settings(environment="test", extension_cutoff="", temporal_task_queue=f"web-{uuid.uuid4()}",
                    return_visit_share=0.0,
                    data_dir=tmp_path,
                    centre_unit_id="centre")


@pytest.fixture
def seeded(engine):
    with Session(engine) as session:
        seed_small_catalog(session)
        seed_accounts(session)
        # Ticket numbers are workflow ids: each test starts its day's counter elsewhere, so tests sharing
        # one Temporal server never meet another test's running workflow.
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        session.add(TicketCounter(day=today, last=uuid.uuid4().int % 900_000))
        session.commit()
    return engine


@dataclass
class Site:
    """The app with a worker behind it; `client(username)` gives a signed-in browser-like client."""

    app: object
    engine: object
    settings: Settings
    env: object | None

    def client(self) -> WebClient:
        transport = httpx.ASGITransport(app=self.app, client=(f"10.0.0.{uuid.uuid4().int % 250 + 1}", 1234))
        return WebClient(transport=transport, base_url="http://testserver")

    async def signed_in(self, username: str) -> WebClient:
        client = self.client()
        response = await client.login(username)
        assert response.status_code == 303, response.text
        return client

    def ticket(self, ticket_id: str) -> Ticket | None:
        with Session(self.engine) as session:
            return session.get(Ticket, ticket_id)

    async def wait_for(self, ticket_id: str, check: Callable[[Ticket], bool] = lambda t: True,
                       timeout: float = 15) -> Ticket:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            ticket = self.ticket(ticket_id)
            if ticket is not None and check(ticket):
                return ticket
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"ticket {ticket_id} never reached the expected state: {ticket and ticket.stage}")
            await asyncio.sleep(0.05)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient(httpx.AsyncClient):
    async def csrf(self, path: str = "/login") -> str:
        response = await self.get(path)
        match = CSRF.search(response.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        token = await self.csrf("/login")
        return await self.post("/login", data={"username": username, "password": password, "csrf_token": token})

    async def submit(self, path: str, data: dict, *, form_page: str | None = None, files=None) -> httpx.Response:
        """POST a form the way a browser does: with the CSRF token of a page it just loaded."""
        token = await self.csrf(form_page or path)
        return await self.post(path, data={**data, "csrf_token": token}, files=files)

    async def track(self, ticket_id: str, secret: str) -> httpx.Response:
        """The citizen's tracking page as the form opens it: the secret in a POST body, then the redirect."""
        response = await self.submit("/track", {"ticket": ticket_id, "secret": secret})
        if response.status_code != 303:
            return response
        return await self.get(response.headers["location"])

    async def act(self, ticket_id: str, action: str, **data) -> httpx.Response:
        return await self.submit(f"/cases/{ticket_id}/{action}", data, form_page="/")


@pytest.fixture
def site_without_temporal(seeded, settings) -> Site:
    """For pages and permission checks that never reach Temporal."""
    return Site(create_app(settings, engine=seeded, temporal_client=object()), seeded, settings, None)


@pytest.fixture
async def site(ts_env, seeded, settings):
    activities = build_activities(seeded, settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with Worker(ts_env.client, task_queue=settings.temporal_task_queue,
                          workflows=[GrievanceWorkflow, HotlineImportWorkflow],
                          activities=activities, activity_executor=executor):
            yield Site(create_app(settings, engine=seeded, temporal_client=ts_env.client), seeded, settings, ts_env)


FUMES = "建设路饭店油烟很大，晚上十点还在排油烟"


async def file_public(site: Site, description: str = FUMES, **extra) -> tuple[str, str]:
    """Files a case through the public form; returns (ticket number, secret) once it is in the read model."""
    client = site.client()
    page = await client.get("/report")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    data = {"description": description, "address": "东关街道建设路12号", "name": "张三", "phone": "13812345678",
            "street_id": "s-east-1", "category": "ecology", "idempotency_key": key, **extra}
    response = await client.submit("/report", data)
    assert response.status_code == 200, response.text
    ticket_id = re.search(r'data-ticket="([^"]+)"', response.text).group(1)
    secret = re.search(r'data-secret="([^"]+)"', response.text).group(1)
    await site.wait_for(ticket_id, lambda t: t.last_seq >= 2)  # received and routed
    return ticket_id, secret


def make_ticket(engine, ticket_id: str, **fields) -> Ticket:
    """A read-model row without a workflow, for list, board and ranking tests."""
    now = datetime.now(UTC)
    values = dict(id=ticket_id, stage="in_progress", channel="web", description="测试诉求 张三 13812345678",
                  complainant_name="张三", complainant_phone="13812345678", received_at=now, updated_at=now,
                  dispatch_owner_id="centre", primary_unit_id="dept-ecology", item_code="MK-001",
                  item_name="餐饮油烟扰民", state={})
    values.update(fields)
    values.setdefault("complainant_phone_number", national_number(values["complainant_phone"]) or "")
    with Session(engine) as session:
        ticket = Ticket(**values)
        session.add(ticket)
        session.commit()
        session.refresh(ticket)
    return ticket
