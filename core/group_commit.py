"""Group commit: callers in many threads each hand in one item; whoever finds no write under way writes every
item waiting, in one transaction, and the others wait for the write that carries theirs. A burst of N small
writes becomes a few transactions, and each caller still returns only once its item is stored (or raises what
the write raised).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class _Batch:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.done = threading.Event()
        self.error: BaseException | None = None


class GroupCommit:
    """`write(engine, items)` stores a list of items in one transaction; `mark(engine, item)` blocks until
    `item` is stored. Batches are per engine, so items for different databases never share a transaction."""

    def __init__(self, write: Callable[[Any, list[Any]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[Any, _Batch]] = {}  # engine id -> (engine, batch being filled)
        self._writing: set[int] = set()  # engines with a leader writing now

    def mark(self, engine: Any, item: Any) -> None:
        key = id(engine)
        with self._lock:
            _engine, batch = self._waiting.setdefault(key, (engine, _Batch()))
            batch.items.append(item)
            leader = key not in self._writing
            if leader:
                self._writing.add(key)
        if not leader:
            batch.done.wait()
            if batch.error is not None:
                raise batch.error
            return
        self._lead(key, engine)
        if batch.error is not None:
            raise batch.error

    def _lead(self, key: int, engine: Any) -> None:
        """Writes batch after batch until none is waiting; then the next caller leads."""
        while True:
            with self._lock:
                taken = self._waiting.pop(key, None)
                if taken is None:
                    self._writing.discard(key)
                    return
            batch = taken[1]
            try:
                self._write(engine, batch.items)
            except BaseException as exc:  # every caller in the batch learns it, not just the leader
                batch.error = exc
            batch.done.set()
