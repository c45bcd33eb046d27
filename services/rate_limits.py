"""Rate limits that hold across web processes and restarts: `limits`' fixed-window strategy counting in the
read model's rate_counters table, the named limits (from settings) and the checks the adapters call.

A refusal is ServiceError(TOO_MANY) carrying the seconds to wait (the adapters' Retry-After). No HTTP here:
the caller passes the client's address (http_common.deps.client_address, proxy-aware).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.config import Settings
from core.db import separate_pool, write_lock
from core.i18n import _
from core.messages import Channel
from core.models.users import RateCounter
from core.vocabulary import ErrorKind
from services.errors import ServiceError

log = logging.getLogger("services.rate_limits")

# The named limits and the Settings field holding each one in `limits` notation ("10/minute;60/hour").
LIMIT_SETTINGS = {
    "public_report": "rate_limit_public_report",  # per address: the citizens' web form
    "whistle_account": "rate_limit_whistle_account",  # per grid worker's or street's account
    "whistle_address": "rate_limit_whistle_address",
    "open311_key": "rate_limit_open311_key",  # per Open311 api_key
    "open311_address": "rate_limit_open311_address",
    "api_intake": "rate_limit_api_intake",  # per JSON API account (all its tokens)
    "anonymous_intake": "rate_limit_anonymous_intake",  # public reports and Open311 posts together
    "track": "rate_limit_track",  # per address: tracking page and API
    "login_address": "rate_limit_login_address",
    "login_account": "rate_limit_login_account",  # per account and address
    "search": "rate_limit_search",  # per account: case search and the hotline's caller history
}
MAX_KEY = 255  # rate_counters.key


class SqlCounterStorage(Storage):
    """`limits` storage in the rate_counters table: one atomic upsert per hit, on SQLite and PostgreSQL.

    Expired rows are swept at most once a minute per process; an expired row still present counts as absent.
    """

    STORAGE_SCHEME = None  # built with an engine, never from a storage URI
    SWEEP_EVERY = 60.0

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        return self.incr_until([(key, expiry, None)], amount)[0]

    def incr_until(self, windows: list[tuple[str, float, int | None]], amount: int = 1) -> list[int]:
        """Counts `amount` in each (key, expiry, limit) window in turn, in one transaction (one write lock, one
        commit), and stops after the first whose count passes its limit: the counts made."""
        now, counts = time.time(), []
        with write_lock(self.engine), self.engine.begin() as conn:
            for key, expiry, limit in windows:
                counts.append(conn.execute(self._upsert(key, now + expiry, amount, now)).scalar_one())
                if limit is not None and counts[-1] > limit:
                    break
        self._sweep(now)
        return counts

    def _upsert(self, key: str, expires_at: float, amount: int, now: float):
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(RateCounter).values(key=_stored(key), count=amount, expires_at=expires_at)
        expired = RateCounter.expires_at <= now  # a new window starts: the count and the expiry restart
        return stmt.on_conflict_do_update(index_elements=["key"], set_={
            "count": case((expired, stmt.excluded.count), else_=RateCounter.count + stmt.excluded.count),
            "expires_at": case((expired, stmt.excluded.expires_at), else_=RateCounter.expires_at),
        }).returning(RateCounter.count)

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            with write_lock(self.engine), self.engine.begin() as conn:
                conn.execute(delete(RateCounter).where(RateCounter.expires_at <= now))

    def _row(self, key: str) -> tuple[int, float] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(RateCounter.count, RateCounter.expires_at).where(
                RateCounter.key == _stored(key), RateCounter.expires_at > time.time())).first()
        return (row[0], row[1]) if row else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(RateCounter).where(RateCounter.key == _stored(key)))


def _stored(key: str) -> str:
    """The key as stored: readable (an operator can find and clear one), hashed only when too long."""
    return key if len(key) <= MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class RateLimits:
    """The platform's limits over one shared storage; built once per process by services.platform."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        # A pool of its own (counted while a request may hold a connection); not flushed commit by commit: a
        # counter is not a record, and the flush was one of each intake's two waits for the disk.
        self.storage = SqlCounterStorage(separate_pool(engine, durable=False))
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.settings = settings
        # Parsed now, so a mistyped setting stops the process at start rather than at the first request.
        self.items: dict[str, list[RateLimitItem]] = {
            name: parse_many(getattr(settings, field)) for name, field in LIMIT_SETTINGS.items()}

    def hit(self, name: str, *identifiers: str) -> int | None:
        """Counts one hit in every window of limit `name`; the seconds until a full window ends, or None."""
        for item in self.items[name]:
            if not self.limiter.hit(item, name, *identifiers):
                reset = self.limiter.get_window_stats(item, name, *identifiers).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None

    def close(self) -> None:
        """Closes the counters' own connection pool (the process is ending)."""
        self.storage.engine.dispose()

    def check(self, name: str, *identifiers: str, message: str | None = None) -> None:
        self.check_all([(name, identifiers, message)])

    def check_all(self, checks: list[tuple[str, tuple[str, ...], str | None]]) -> None:
        """Counts one hit in each window of each (limit, identifiers, message), in order and in one write (a
        request's limits together, not a transaction each), up to the first refusal, which it raises: the
        limits after it do not count a refused request, as when they were checked one by one."""
        windows = [(name, identifiers, message, item) for name, identifiers, message in checks
                   for item in self.items[name]]
        counts = self.storage.incr_until([(item.key_for(name, *ids), item.get_expiry(), item.amount)
                                          for name, ids, _m, item in windows])
        for (name, identifiers, message, item), count in zip(windows, counts, strict=False):
            if count > item.amount:
                reset = self.limiter.get_window_stats(item, name, *identifiers).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                log.warning("429 limit=%s who=%s retry_after=%ss", name, "/".join(identifiers), wait)
                raise too_many(wait, message)

    def count(self, key: str, window: int) -> int:
        """A plain counter in a window of `window` seconds starting at its first count (e.g. failed log-ins)."""
        return self.storage.incr(f"count/{key}", window)

    def forget(self, key: str) -> None:
        self.storage.clear(f"count/{key}")

    def lock(self, key: str, seconds: int) -> None:
        """Locks `key` for `seconds` (from the first lock; locking again while locked does not extend it)."""
        self.storage.incr(f"lock/{key}", seconds)

    def locked_for(self, key: str) -> int | None:
        """Seconds until `key` is unlocked, or None when it is not locked."""
        if not self.storage.get(f"lock/{key}"):
            return None
        return max(1, math.ceil(self.storage.get_expiry(f"lock/{key}") - time.time()))


def too_many(wait: int, message: str | None = None) -> ServiceError:
    """The 429 to raise; `wait` seconds become the Retry-After header."""
    text = message or _("Too many requests. Wait %(minutes)s minute(s) and try again.", minutes=wait_minutes(wait))
    return ServiceError(ErrorKind.TOO_MANY, text, f"rate limited; retry after {wait}s", retry_after=wait)


def wait_minutes(wait: int) -> int:
    return max(1, math.ceil(wait / 60))


# ---- the checks the adapters call (sync: they touch the database; async callers use a worker thread) ----


def _anonymous() -> tuple[str, tuple[str, ...], str]:
    """All anonymous channels together, so that many addresses cannot fill the dispatch queue."""
    return ("anonymous_intake", ("all",), _(
        "The platform is receiving very many reports right now. Please try again in a few minutes, "
        "or call the 12345 hotline."))


def check_form_intake(limits: RateLimits, channel: Channel, account: str | None, address: str) -> None:
    """A grievance from a console form: the public form per address (and the anonymous cap), whistles per
    account and per address. Hotline operators file for callers and are not limited here."""
    if channel == Channel.WEB:
        limits.check_all([("public_report", (address,), None), _anonymous()])
    elif channel == Channel.WHISTLE:
        limits.check_all([("whistle_account", (account or "",), None), ("whistle_address", (address,), None)])


def check_open311_post(limits: RateLimits, token_id: int, address: str) -> None:
    """An Open311 POST requests: per api_key, per address, and within the anonymous cap."""
    limits.check_all([("open311_key", (str(token_id),), None), ("open311_address", (address,), None), _anonymous()])


def check_api_intake(limits: RateLimits, account_id: int) -> None:
    """POST /api/v1/tickets: per account, whichever of its tokens is used."""
    limits.check("api_intake", str(account_id))
