"""The intake's writes under load (issue 19): intakes arriving together stored in one write transaction, a burst
of "started" marks in a few transactions, SQLite writers of one process queued on one lock, and commits flushed to
disk only for records (rate counters are not records)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import event, text
from sqlmodel import Session, select

from core.db import make_engine, separate_pool, write_lock
from core.group_commit import GroupCommit
from core.intake_outbox import store_intake
from core.messages import Actor, Channel, GrievanceInput, Role
from core.models.tickets import Intake

TZ = "Asia/Shanghai"


def grievance(ticket_id: str) -> GrievanceInput:
    return GrievanceInput(ticket_id=ticket_id, channel=Channel.HOTLINE, description="路灯不亮",
                          received_at=datetime(2026, 11, 30, 2, tzinfo=UTC),
                          reporter=Actor("operator", Role.OPERATOR, "centre"), dispatch_owner_id="centre")


def count_commits(engine) -> list[int]:
    commits = [0]
    event.listen(engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1))
    return commits


def test_an_intake_is_stored_in_one_transaction_and_a_repeated_key_writes_nothing(engine):
    commits = count_commits(engine)
    row, created = store_intake(engine, TZ, grievance, "key-1")
    assert created and row.ticket_id.endswith("-000001") and row.id is not None
    assert commits[0] == 1  # the number and the row together (two commits before)
    again, created_again = store_intake(engine, TZ, grievance, "key-1")
    assert (again.ticket_id, created_again) == (row.ticket_id, False)
    second, _ = store_intake(engine, TZ, grievance, "key-2")
    assert second.ticket_id.endswith("-000002")  # the repeated key's count was rolled back: no gap
    with Session(engine) as session:
        assert len(session.exec(select(Intake)).all()) == 2


def test_parallel_intakes_get_distinct_numbers_and_one_row_per_key(engine):
    keys = [f"key-{n % 40}" for n in range(120)]  # every key sent three times at once
    commits = count_commits(engine)
    with ThreadPoolExecutor(16) as pool:
        rows = list(pool.map(lambda key: store_intake(engine, TZ, grievance, key)[0], keys))
    by_key = {}
    for key, row in zip(keys, rows, strict=True):
        assert by_key.setdefault(key, row.ticket_id) == row.ticket_id
    assert len(set(by_key.values())) == 40
    with Session(engine) as session:
        assert len(session.exec(select(Intake)).all()) == 40
    assert commits[0] < 40  # intakes arriving together were committed together


def test_group_commit_writes_a_burst_in_few_transactions_and_every_caller_waits_for_its_own():
    written: list[list[int]] = []
    gate = threading.Event()

    def write(_engine, items):
        gate.wait(5)  # the first write is slow: everyone else arrives meanwhile
        written.append(list(items))

    marks = GroupCommit(write)
    with ThreadPoolExecutor(20) as pool:
        done = [pool.submit(marks.mark, "db", n) for n in range(20)]
        threading.Timer(0.2, gate.set).start()
        for future in done:
            future.result(timeout=10)
    assert sorted(n for batch in written for n in batch) == list(range(20))
    assert len(written) <= 3  # the leader's own item, then everyone who waited, in one or two writes


def test_group_commit_gives_a_failed_write_to_every_caller_of_the_batch():
    def write(_engine, items):
        raise RuntimeError(f"disk full ({len(items)})")

    marks = GroupCommit(write)
    with ThreadPoolExecutor(4) as pool:
        outcomes = [pool.submit(marks.mark, "db", n) for n in range(4)]
        errors = [future.exception(timeout=10) for future in outcomes]
    assert all(isinstance(error, RuntimeError) for error in errors)


def test_writers_of_one_process_share_one_lock_per_sqlite_file(engine, tmp_path):
    other = separate_pool(engine)
    try:
        assert write_lock(engine) is write_lock(other)  # the rate counters' pool queues with the main one
        assert write_lock(make_engine(f"sqlite:///{tmp_path / 'another.db'}")) is not write_lock(engine)
        assert write_lock(make_engine("sqlite://")).__class__.__name__ == "nullcontext"
    finally:
        other.dispose()


def test_records_are_flushed_commit_by_commit_and_counters_are_not(engine):
    counters = separate_pool(engine, durable=False)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        with counters.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        counters.dispose()


def test_an_intake_that_cannot_be_stored_fails_alone(engine):
    def broken(ticket_id: str) -> GrievanceInput:
        raise ValueError("no input")

    items = [(grievance, f"fine-{n}") for n in range(10)] + [(broken, "broken")]
    with ThreadPoolExecutor(11) as pool:
        outcomes = [pool.submit(store_intake, engine, TZ, make, key) for make, key in items]
        errors = [future.exception(timeout=10) for future in outcomes]
    assert isinstance(errors[-1], ValueError) and errors[:-1] == [None] * 10
    with Session(engine) as session:
        assert len(session.exec(select(Intake)).all()) == 10
