"""Bearer-token authentication for machine clients of the JSON API (`Authorization: Bearer wr_...`).

A token acts as its account: the same CurrentUser, the same roles and visibility as the web console.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from api.auth import CurrentUser, load_user, require_roles
from api.deps import SessionDep
from api.errors import PageError
from core.messages import Role
from core.models.users import ApiToken, User
from core.security import hash_token, new_api_token

bearer = HTTPBearer(auto_error=False, description="An API token: `python -m scripts.create_token <username>`")


def api_user(request: Request, session: SessionDep,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> CurrentUser:
    if credentials is None or not credentials.credentials:
        raise PageError(401, "an API token is required: Authorization: Bearer <token>", "no bearer token")
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(credentials.credentials))).first()
    user = load_user(session, token.user_id) if token is not None and not token.revoked else None
    if user is None:
        raise PageError(401, "the API token is not valid", "unknown or revoked token")
    request.state.user = user
    return user


ApiUser = Annotated[CurrentUser, Depends(api_user)]


def require_api_roles(*roles: Role):
    return require_roles(*roles, signed_in_by=api_user)


def issue_token(session: Session, username: str, name: str) -> str:
    """Creates a token for an account and returns it; only its hash is stored."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise ValueError(f"no active account {username!r}")
    token = new_api_token()
    session.add(ApiToken(token_hash=hash_token(token), name=name, user_id=user.id, created_at=datetime.now(UTC)))
    session.commit()
    return token
