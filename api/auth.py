"""Bearer-token authentication for machine clients of the JSON API (`Authorization: Bearer wr_...`).

A token acts as its account (services.accounts): the same CurrentUser, roles and visibility as the console.
Only tokens of scope "api" open it; an Open311 partner's api_key is refused here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from core.i18n import _
from core.vocabulary import ErrorKind
from http_common.deps import EngineDep
from services.accounts import CurrentUser, user_for_token
from services.errors import ServiceError

bearer = HTTPBearer(auto_error=False, description="An API token: `python -m scripts.create_token <username>`")


def api_user(request: Request, engine: EngineDep,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> CurrentUser:
    if credentials is None or not credentials.credentials:
        raise ServiceError(ErrorKind.UNAUTHENTICATED, _("An API token is required: Authorization: Bearer <token>"),
                           "no bearer token")
    with Session(engine) as session:  # closed at once: never held while an async route awaits
        user = user_for_token(session, credentials.credentials)
    request.state.user = user
    return user


ApiUser = Annotated[CurrentUser, Depends(api_user)]
