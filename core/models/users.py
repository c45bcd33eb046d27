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


# A bearer token for machine clients of the JSON API and Open311 (api_key).
class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    name: str = ""
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked: bool = False
