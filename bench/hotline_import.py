"""Bulk hotline import as a background job: upload a call log of n rows to `POST /api/v1/tickets/bulk`, time the
202, then poll the job until the worker has filed every row. Target (the issue): the upload answers at once and
the import finishes in the background; the figures are the upload's latency and the rows filed per second.

    figures = await import_figures(client, headers, 10_000)   # client: httpx.AsyncClient on the web process
"""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.hotline_csv import make_csv

POLL_SECONDS = 0.5


async def import_figures(client: httpx.AsyncClient, headers: dict[str, str], rows: int, *,
                         timeout: float = 900, street_id: str = "") -> dict:
    """Uploads `rows` calls with a fresh call-id prefix (headers: an operator's API token) and waits, at most
    `timeout` seconds, for the job to end. Returns the upload's seconds, the filing's seconds and rows/s."""
    data = make_csv(rows, prefix=f"B{time.time_ns()}", street_id=street_id)
    began = time.perf_counter()
    answer = await client.post("/api/v1/tickets/bulk", files={"file": ("calls.csv", data, "text/csv")},
                               headers=headers, timeout=120)
    upload_s = time.perf_counter() - began
    answer.raise_for_status()
    url = answer.json()["url"]
    job = answer.json()
    while job["status"] not in ("done", "failed") and time.perf_counter() - began < timeout:
        await asyncio.sleep(POLL_SECONDS)
        job = (await client.get(url, headers=headers, timeout=30)).json()
    total_s = time.perf_counter() - began
    return {"rows": rows, "bytes": len(data), "status": job["status"], "upload_s": round(upload_s, 2),
            "accepted_status": answer.status_code, "filed": job["filed"], "failed": job["failed"],
            "done": job["done"], "total_s": round(total_s, 1), "rows_per_s": round(job["done"] / total_s, 1)}
