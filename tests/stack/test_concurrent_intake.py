"""Nothing blocks the event loop: 200 grievances from 32 concurrent clients are all accepted and started.

Against the live site (uvicorn on 127.0.0.1, a real dev server and worker, SQLite): half through Open311,
half through the JSON API. Before the service layer, sync SQLite work on the event loop let one write
lock freeze every request, and most of these timed out. No speed is asserted here (that is `make bench`).
"""

from __future__ import annotations

import asyncio
import itertools

import httpx
from sqlmodel import Session, select
from temporalio.api.enums.v1 import WorkflowExecutionStatus

from core.models.tickets import Intake
from services.accounts import issue_open311_key, issue_token

CLIENTS = 32
GRIEVANCES = 200


async def _file_all(url: str, token: str, open311_key: str) -> list[httpx.Response]:
    numbers = itertools.count()
    responses: list[httpx.Response] = []

    async def client_loop(client: httpx.AsyncClient) -> None:
        while (n := next(numbers)) < GRIEVANCES:
            if n % 2:
                response = await client.post("/open311/v2/requests.json", data={
                    "api_key": open311_key, "service_code": "MK-001", "description": f"建设路饭店油烟扰民 第{n}件",
                    "address_string": "东关街道建设路12号"})
            else:
                response = await client.post("/api/v1/tickets", json={"description": f"占道经营 第{n}件"},
                                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k{n}"})
            responses.append(response)

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(CLIENTS)))
    return responses


def test_200_grievances_from_32_clients_are_all_accepted_and_started(live_site):
    with Session(live_site.engine) as session:
        token = issue_token(session, "operator", "concurrency test")
        open311_key = issue_open311_key(session, "concurrency test")
    responses = asyncio.run(_file_all(live_site.url, token, open311_key))
    assert len(responses) == GRIEVANCES
    assert [r.status_code for r in responses if r.status_code != 201] == []
    with Session(live_site.engine) as session:
        intakes = session.exec(select(Intake)).all()
    filed = [i for i in intakes if i.idempotency_key.startswith(("open311:", "api:"))]
    assert len(filed) == GRIEVANCES and all(i.started for i in filed)
    statuses = asyncio.run(_statuses(live_site, [i.ticket_id for i in filed]))
    assert set(statuses) == {WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING}


async def _statuses(live_site, ticket_ids: list[str]) -> list[int]:
    from temporalio.client import Client

    client = await Client.connect(live_site.temporal_address)
    return [(await client.get_workflow_handle(t).describe()).status for t in ticket_ids]
