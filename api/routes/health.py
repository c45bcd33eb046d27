"""GET /healthz: 200 when Temporal and the database answer, 503 naming the one that does not."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from core.db import DatabaseMissing, check_read_model

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 3.0


@router.get("/healthz", summary="Liveness of Temporal and the database")
async def healthz(request: Request) -> JSONResponse:
    temporal, database = await asyncio.gather(_temporal(request), _database(request))
    body = {"temporal": temporal, "database": database}
    ok = temporal == "ok" and database == "ok"
    return JSONResponse(body, status_code=200 if ok else 503)


async def _temporal(request: Request) -> str:
    try:
        client = await asyncio.wait_for(request.app.state.platform.temporal.get(attempts=1), CHECK_TIMEOUT)
        healthy = await client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT))
        return "ok" if healthy else "unavailable"
    except Exception as exc:  # any failure means "not reachable"; the message says which
        return f"unavailable: {type(exc).__name__}"


async def _database(request: Request) -> str:
    """For real: the SQLite file is there and a real table answers (not just `SELECT 1` on any connection)."""
    try:
        await asyncio.wait_for(run_in_threadpool(check_read_model, request.app.state.platform.engine), CHECK_TIMEOUT)
        return "ok"
    except DatabaseMissing:
        return "unavailable: the database file is missing"
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
