"""A read model that is locked, overloaded or unreachable becomes a 503 the user can act on, not a bare 500.

SQLite's "database is locked" after the busy timeout, PostgreSQL's lock, statement and connection failures
(all OperationalError) and an exhausted connection pool. The adapters render it like any ServiceError.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.i18n import _
from core.vocabulary import ErrorKind
from services.errors import ServiceError

log = logging.getLogger("services.database")
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: Exception, where: str = "") -> ServiceError:
    """The 503 for a database failure; the database's own words go to the log only (they may quote SQL)."""
    first_line = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
    log.warning("503 database unavailable path=%s error=%s: %s", where, type(exc).__name__, first_line[:200])
    return ServiceError(ErrorKind.UNAVAILABLE,
                        _("The platform is busy. Please try again in a moment; nothing was saved."),
                        "database busy or unreachable", retry_after=RETRY_AFTER_SECONDS)
