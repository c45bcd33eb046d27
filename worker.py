"""The Temporal worker: runs grievance workflows and their activities. Start as many as you like.

    python worker.py          # uses TEMPORAL_ADDRESS / DATABASE_URL, or the embedded defaults

SIGTERM or Ctrl-C finishes the tasks in hand and exits. The worker also re-starts any intake the web
app accepted but could not hand to Temporal (the intake outbox), so no grievance is lost.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.worker import Worker

from activities import build_activities
from core import routing
from core.config import get_settings
from core.db import DatabaseConfigError, get_engine, ping
from core.files import make_private
from core.heap import settle_startup_objects
from core.logsetup import configure_logging
from core.payload_codec import PayloadKeyError
from core.temporal import ACTIVITY_THREADS, TemporalUnreachable, connect, exit_now, worker_tuner, workflow_runner
from services.import_jobs import start_queued_imports
from services.intake import start_pending
from workflows.evaluation import MonthlyEvaluationWorkflow, ensure_monthly_schedule
from workflows.grievance import GrievanceWorkflow
from workflows.hotline_import import HotlineImportWorkflow

log = logging.getLogger("worker")
OUTBOX_SWEEP_SECONDS = 15


async def run_worker(stop: asyncio.Event) -> None:
    settings = get_settings()
    engine = get_engine(settings.effective_database_url)
    ping(engine)
    client = await connect(settings)
    try:
        await ensure_monthly_schedule(client, settings.temporal_task_queue, timezone=settings.timezone)
    except Exception:  # the grievances must run even if the schedule cannot be written now
        log.exception("could not create or check the monthly evaluation schedule")
    settle_startup_objects()  # a full collection stalls every case in hand: it walks only what came after
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=[GrievanceWorkflow, MonthlyEvaluationWorkflow, HotlineImportWorkflow],
            activities=build_activities(engine, settings),
            activity_executor=executor,
            workflow_runner=workflow_runner(settings),
            tuner=worker_tuner(settings),
            graceful_shutdown_timeout=timedelta(seconds=20),
        )
        log.info("worker polling %s on %s", settings.temporal_task_queue, settings.effective_temporal_address)
        sweeper = asyncio.create_task(_sweep_outbox(client, engine, settings, stop))
        asyncio.get_running_loop().run_in_executor(executor, routing.warm_up, engine)  # while the worker starts
        async with worker:
            await stop.wait()
            log.info("stopping: finishing tasks in hand")
        sweeper.cancel()


async def _sweep_outbox(client, engine, settings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await start_pending(client, engine, settings)
            await start_queued_imports(client, engine, settings)  # imports whose web died before starting them
        except Exception:  # a sweep failure must not stop the worker; the next sweep retries
            log.exception("intake outbox sweep failed")
        try:
            await asyncio.wait_for(stop.wait(), OUTBOX_SWEEP_SECONDS)
        except TimeoutError:
            pass


def main() -> int:
    configure_logging("worker")
    settings = get_settings()
    make_private(settings.data_dir, settings.effective_database_url)  # umask 077: reports, keys, databases
    stop = asyncio.Event()

    async def runner() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(stop)

    try:
        asyncio.run(runner())
    except (TemporalUnreachable, DatabaseConfigError, PayloadKeyError) as exc:
        print(f"worker: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except Exception as exc:
        if "OperationalError" in type(exc).__name__:
            print(f"worker: database not reachable: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",  # noqa: T201
                  file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    exit_now(main())
