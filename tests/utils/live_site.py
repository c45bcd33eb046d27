"""A live site for tests that need real HTTP: a Temporal dev server, a worker and uvicorn on 127.0.0.1,
in one event loop of their own on a background thread (browser tests, the API fuzz test)."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from sqlmodel import Session
from temporalio.worker import Worker

from activities import build_activities
from app.main import create_app
from core.config import Settings
from core.db import create_schema, make_engine
from core.models.tickets import Ticket, TicketCounter
from tests.temporal_env import TEST_PAYLOAD_KEY, start_dev_server
from tests.utils.catalog import seed_small_catalog
from tests.web.conftest import seed_accounts
from workflows.grievance import GrievanceWorkflow
from workflows.hotline_import import HotlineImportWorkflow

# Every request here comes from 127.0.0.1, and the stack tests file hundreds of cases in seconds.
LOAD_TEST_LIMITS = {f"rate_limit_{name}": "100000/minute" for name in (
    "public_report", "whistle_account", "whistle_address", "open311_key", "open311_address", "api_intake",
    "anonymous_intake", "track", "login_address", "login_account")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveSite(threading.Thread):
    """Dev server + worker + uvicorn in one event loop of their own, so the sync Playwright API can drive it."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(daemon=True, name="live-site")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = Settings(environment="test", extension_cutoff="", return_visit_share=0.0,
                                 temporal_task_queue=f"browser-{uuid.uuid4()}", data_dir=data_dir,
                                 centre_unit_id="centre", payload_key=TEST_PAYLOAD_KEY, **LOAD_TEST_LIMITS)
        self.engine = make_engine(f"sqlite:///{data_dir / 'read-model.db'}")
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.server: uvicorn.Server | None = None
        self.temporal_address = ""

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test thread
            self.error = exc
            self.ready.set()

    async def _serve(self) -> None:
        create_schema(self.engine)
        with Session(self.engine) as session:
            seed_small_catalog(session)
            seed_accounts(session)
            session.add(TicketCounter(day=datetime.now(ZoneInfo("Asia/Shanghai")).date(), last=0))
            session.commit()
        env = await start_dev_server()
        self.temporal_address = env.client.service_client.config.target_host
        try:
            activities = build_activities(self.engine, self.settings)
            with ThreadPoolExecutor(max_workers=8) as executor:
                async with Worker(env.client, task_queue=self.settings.temporal_task_queue,
                                  workflows=[GrievanceWorkflow, HotlineImportWorkflow], activities=activities,
                                  activity_executor=executor):
                    app = create_app(self.settings, engine=self.engine, temporal_client=env.client)
                    config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                            lifespan="off", proxy_headers=False)  # as scripts.stack runs it
                    self.server = uvicorn.Server(config)
                    serving = asyncio.create_task(self.server.serve())
                    while not self.server.started and not serving.done():
                        await asyncio.sleep(0.05)
                    self.ready.set()
                    await serving
        finally:
            await env.shutdown()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.join(timeout=30)
        self.engine.dispose()

    def ticket(self, ticket_id: str) -> Ticket | None:
        with Session(self.engine) as session:
            return session.get(Ticket, ticket_id)
