"""One log format for every process (time, process, level, logger, message), set up once at its start, and
the client address of the request being served, so that a refusal logged deep in a service names who asked.

The address is a plain string put here by the HTTP adapters (http_common.client); no HTTP here.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

LOG_FORMAT = "%(asctime)s {process} %(levelname)s %(name)s: %(message)s"

# The client address of the request being served ("-" outside a request: the worker, scripts, tests).
client_address: ContextVar[str] = ContextVar("client_address", default="-")


def configure_logging(process: str, level: int = logging.INFO) -> None:
    """Timestamped lines on stderr, unless someone (a log config, pytest) configured logging already."""
    if logging.getLogger().handlers:
        return
    logging.basicConfig(level=level, format=LOG_FORMAT.format(process=process))
