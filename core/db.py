"""Database engine and sessions for the read model (SQLite by default, PostgreSQL in production).

The read model is written only by activities and by the API's own tables (users, intake outbox);
grievance state itself lives in the workflows.
"""

from __future__ import annotations

import functools
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import create_engine


class DatabaseConfigError(RuntimeError):
    """DATABASE_URL is malformed or names a driver we do not ship."""


SQLITE_BUSY_TIMEOUT = 30.0  # seconds a writer waits for another's lock (the worker: no one is waiting on it)


def make_engine(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT, pool_size: int = 10, *,
                durable: bool = True) -> Engine:
    """`durable=False` (SQLite): commits are not flushed to disk one by one (synchronous=NORMAL), for counters
    that are not records: a process crash keeps them, a power cut may lose the last second of them."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseConfigError(f"DATABASE_URL is not a valid database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    elif backend not in ("sqlite", "postgresql"):
        raise DatabaseConfigError(f"DATABASE_URL must be sqlite:// or postgresql://, got {backend!r}")
    if backend == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        in_memory = parsed.database in (None, "", ":memory:")  # one connection, no pool to size
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": busy_timeout},
                               **({} if in_memory else {"pool_size": pool_size, "max_overflow": 2 * pool_size}))
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_ms=int(busy_timeout * 1000),
                                                          synchronous="FULL" if durable else "NORMAL"))
        return engine
    options = {} if durable else {"connect_args": {"options": "-c synchronous_commit=off"}}
    return create_engine(parsed, pool_pre_ping=True, pool_size=pool_size, max_overflow=2 * pool_size, **options)


def separate_pool(engine: Engine, pool_size: int = 4, *, durable: bool = True) -> Engine:
    """An engine on the same database with a pool of its own, for short writes made while the caller may hold a
    connection of `engine` (the rate counters, checked inside a request's reads). With one shared pool, 15
    requests at once each held a connection and waited for a second until the pool timed out: a deadlock.
    In-memory SQLite has no second connection to the same database, so it keeps the engine itself."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return engine
    return make_engine(engine.url.render_as_string(hide_password=False), pool_size=pool_size, durable=durable)


_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager:
    """Held around a write transaction on a SQLite file, so that this process's writers queue for SQLite's one
    write lock in turn instead of each polling it in the busy handler's growing sleeps (up to 100 ms a try,
    which made a burst of 32 intakes wait seconds). Keyed by the file: every engine on it shares the lock.
    PostgreSQL locks rows, not the database: no lock there."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        return nullcontext()
    with _write_locks_guard:
        return _write_locks.setdefault(str(Path(database).resolve()), threading.Lock())


def _sqlite_pragmas(dbapi_conn, _record, busy_ms: int, synchronous: str = "FULL") -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the web app read while the worker writes; busy_timeout rides out short write locks.
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before it returns (a record survives a power cut); per connection.
    cur.execute(f"PRAGMA synchronous={synchronous}")
    cur.execute(f"PRAGMA busy_timeout={busy_ms}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE_REVISION = "0001"


def migrations_config(connection=None):
    """Alembic's configuration for core/migrations, migrating on `connection` when one is given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def create_schema(engine: Engine) -> None:
    """Bring the read model to the newest schema with the Alembic migrations in core/migrations.

    Run by the seed step on every start (make run, the compose migrate service); a second run is a
    no-op. A database made before migrations existed (by create_all) is stamped with the baseline
    first, so its data stays and only later migrations run on it.
    """
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two migrators at once (compose's migrate service and a hand run) wait for each other.
            conn.execute(text("SELECT pg_advisory_xact_lock(7234001)"))
        config = migrations_config(conn)
        tables = inspect(conn).get_table_names()
        if "alembic_version" not in tables and "tickets" in tables:
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


class DatabaseMissing(RuntimeError):
    """The SQLite file is gone: a fresh connection would silently create an empty one."""


def check_read_model(engine: Engine) -> None:
    """Raises unless the read model answers for real: its SQLite file exists and a real table can be read.

    `SELECT 1` is not enough: open connections keep a deleted SQLite file alive, and a new one makes an
    empty database where the old one was.
    """
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not Path(database).is_file():
        raise DatabaseMissing(f"the database file {database} is missing")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1 FROM tickets LIMIT 1"))


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None, busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> Engine:
    """One engine per URL (and busy timeout) per process (activities and the web app share this)."""
    if url is None:
        from core.config import get_settings

        url = get_settings().effective_database_url
    key = url if busy_timeout == SQLITE_BUSY_TIMEOUT else f"{url}#busy={busy_timeout}"
    if key not in _engines:
        _engines[key] = make_engine(url, busy_timeout)
    return _engines[key]
