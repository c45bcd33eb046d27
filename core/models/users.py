"""Accounts, roles and machine tokens. Passwords are argon2 hashes, tokens are stored hashed."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


# A person who signs in: dispatcher, handler, supervisor, street / grid worker, admin.
class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    display_name: str = ""
    role: str = Field(index=True)  # see core.messages.Role
    unit_id: str | None = Field(default=None, foreign_key="units.id", index=True)
    password_hash: str
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


# A bearer token. Its scope says what it opens: "api" is an account's JSON API token (user_id set),
# "open311" an Open311 partner's api_key that may file and read Open311 only (no account).
class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    name: str = ""
    scope: str = Field(default="api", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked: bool = False


# A signed-in console session, kept server-side so log-out ends it and it has an absolute lifetime.
# The cookie carries only the session's random id; the table keeps its hash.
class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)  # absolute: created_at + lifetime


# One fixed-window counter of a rate limit, shared by every web process (the `limits` storage).
class RateCounter(SQLModel, table=True):
    __tablename__ = "rate_counters"

    key: str = Field(primary_key=True, max_length=255)
    count: int = 0
    expires_at: float = Field(index=True)  # epoch seconds
