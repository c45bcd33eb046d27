"""Group commit: callers in many threads each hand in one item; whoever finds no write under way writes every
item waiting, in one transaction, and the others wait for the write that carries theirs. A burst of N small
writes becomes a few transactions (on SQLite, a few flushes to disk instead of N), and each caller still returns
only once its item is stored, with its own result. When a batch's write fails, each of its items is written
alone, so only the item that fails raises, to its own caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class _Batch:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.results: list[Any] = []
        self.errors: list[BaseException | None] = []
        self.turn = threading.Event()  # its first caller may write it
        self.done = threading.Event()

    def result(self, position: int) -> Any:
        if self.errors[position] is not None:
            raise self.errors[position]
        return self.results[position]


class GroupCommit:
    """`write(engine, items)` stores a list of items in one transaction and returns their results in order (or
    None); `mark(engine, item)` blocks until `item` is stored and returns its result, or raises its own failure.
    A batch is written by its first caller, one batch at a time per engine (so items for different databases
    never share a transaction), and everyone who arrives meanwhile joins the next batch: no caller writes more
    than its own batch."""

    def __init__(self, write: Callable[[Any, list[Any]], list[Any] | None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._filling: dict[int, _Batch] = {}  # engine id -> the batch callers join now
        self._writing: set[int] = set()  # engines with a batch being written

    def mark(self, engine: Any, item: Any) -> Any:
        key = id(engine)
        with self._lock:
            batch = self._filling.setdefault(key, _Batch())
            batch.items.append(item)
            position = len(batch.items) - 1
            if position == 0 and key not in self._writing:
                self._writing.add(key)
                batch.turn.set()
        if position == 0:
            batch.turn.wait()
            self._write_batch(key, engine, batch)
        else:
            batch.done.wait()
        return batch.result(position)

    def _written(self, engine: Any, items: list[Any]) -> tuple[list[Any], list[BaseException | None]]:
        """(results, errors) of the items: all in one write, or each alone when that write fails."""
        try:
            return self._write(engine, items) or [None] * len(items), [None] * len(items)
        except Exception as exc:
            if len(items) == 1:
                return [None], [exc]
        alone = [self._written(engine, [item]) for item in items]
        return [results[0] for results, _ in alone], [errors[0] for _, errors in alone]

    def _write_batch(self, key: int, engine: Any, batch: _Batch) -> None:
        with self._lock:
            if self._filling.get(key) is batch:
                del self._filling[key]  # who comes now forms the next batch
        try:
            batch.results, batch.errors = self._written(engine, batch.items)
        except BaseException as exc:  # interrupted: nobody waits for ever, everyone learns it
            batch.results, batch.errors = [None] * len(batch.items), [exc] * len(batch.items)
            raise
        finally:
            batch.done.set()
            self._hand_over(key)

    def _hand_over(self, key: int) -> None:
        with self._lock:
            following = self._filling.get(key)
            if following is not None:
                following.turn.set()  # its first caller writes it next
            else:
                self._writing.discard(key)
