"""Finds code that takes a second pooled connection while its thread still holds one.

Under load every thread of the pool can hold its first connection and wait for a second: the pool deadlocks
until its timeout (the 503s at 32 clients). Watched engines record each such checkout with its stack, in
the threads that serve requests and run activities; the test's own thread may hold a fixture's session
while it opens another.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter

from sqlalchemy import event
from sqlalchemy.engine import Engine


class NestedCheckouts:
    def __init__(self, engine: Engine) -> None:
        self.held: Counter[int] = Counter()
        self.found: list[str] = []
        self._lock = threading.Lock()
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)

    def _checkout(self, _dbapi_conn, record, _proxy) -> None:
        thread = threading.get_ident()
        if thread == threading.main_thread().ident:
            return
        with self._lock:
            if self.held[thread]:
                self.found.append("".join(traceback.format_stack(limit=25)))
            self.held[thread] += 1
            record.info["watched_thread"] = thread

    def _checkin(self, _dbapi_conn, record) -> None:
        thread = record.info.pop("watched_thread", None)
        if thread is not None:
            with self._lock:
                self.held[thread] -= 1
