"""Console sessions kept server-side (WebSession rows): start on log-in, resolve per request, end on log-out.

The cookie carries only a random session id; the table keeps its sha256, so a copy of the database opens
no session. Expiry: an absolute lifetime from log-in and an idle timeout. No HTTP here (web/auth.py owns
the cookie).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col

from core.config import Settings
from core.models.users import User, WebSession

# Writing last_seen_at on every request would make each page view a write; once a minute is enough
# for an idle timeout counted in hours.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta  # absolute, from log-in
    idle: timedelta  # since the last request

    @classmethod
    def of(cls, settings: Settings) -> SessionPolicy:
        return cls(timedelta(hours=settings.session_lifetime_hours), timedelta(minutes=settings.session_idle_minutes))


@dataclass(frozen=True)
class LiveSession:
    """What a request learns from its session: whose it is and the CSRF token bound to it."""

    user_id: int
    csrf: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(db: Session, user_id: int, policy: SessionPolicy, now: datetime | None = None) -> str:
    """A new session for the account; returns its id (for the cookie only). Always a fresh id: no fixation."""
    now = now or datetime.now(UTC)
    purge_expired(db, policy, now)
    session_id = secrets.token_urlsafe(32)
    db.add(WebSession(id_hash=_hash(session_id), user_id=user_id, csrf=secrets.token_urlsafe(32), created_at=now,
                      last_seen_at=now, expires_at=now + policy.lifetime))
    db.commit()
    return session_id


def resolve(db: Session, session_id: str, policy: SessionPolicy, now: datetime | None = None) -> LiveSession | None:
    """The live session behind a cookie's id; None (and the row gone) once it ended, expired or its account
    was deactivated."""
    now = now or datetime.now(UTC)
    row = db.get(WebSession, _hash(session_id)) if isinstance(session_id, str) and session_id else None
    if row is None:
        return None
    user = db.get(User, row.user_id)
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle or user is None or not user.active:
        db.delete(row)
        db.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.add(row)
        db.commit()
    return LiveSession(row.user_id, row.csrf)


def end(db: Session, session_id: str) -> None:
    """Log-out: the row goes, so a replayed copy of the cookie is signed out too."""
    if isinstance(session_id, str) and session_id:
        db.exec(delete(WebSession).where(col(WebSession.id_hash) == _hash(session_id)))
        db.commit()


def end_user_sessions(db: Session, user_id: int) -> None:
    """Every session of an account ends (deactivated, or its password changed). The caller commits."""
    db.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))


def purge_expired(db: Session, policy: SessionPolicy, now: datetime) -> None:
    """Rows past either limit are dead weight: removed whenever someone signs in. The caller commits."""
    db.exec(delete(WebSession).where(or_(col(WebSession.expires_at) <= now,
                                         col(WebSession.last_seen_at) <= now - policy.idle)))
