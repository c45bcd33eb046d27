"""The console's sessions, signed-in user dependencies and CSRF; who the account is comes from services.accounts.

Sessions are Starlette's SessionMiddleware cookies (signed with itsdangerous, settings.secret_key);
the session holds only the user id and the CSRF token. Every refusal is a 403 logged with user,
path and reason.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.i18n import _
from core.messages import Role
from core.models.users import User
from http_common.deps import EngineDep
from services.accounts import CurrentUser, denied, load_user

SESSION_USER = "uid"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class LoginRequired(Exception):
    """Not signed in: pages redirect to the log-in form and come back afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def optional_user(request: Request, engine: EngineDep) -> CurrentUser | None:
    if not hasattr(request.state, "user"):
        with Session(engine) as session:  # closed at once: never held while an async route awaits
            request.state.user = load_user(session, request.session.get(SESSION_USER))
    return request.state.user


OptionalUser = Annotated[CurrentUser | None, Depends(optional_user)]


def signed_in(request: Request, user: OptionalUser) -> CurrentUser:
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


CurrentUserDep = Annotated[CurrentUser, Depends(signed_in)]


def deny(request: Request, user: CurrentUser | None, reason: str, message: str | None = None):
    """Log a refusal and return the 403 to raise."""
    return denied(user, request.url.path, reason, message)


def require_roles(*roles: Role):
    """Dependency: the signed-in user if their role is one of `roles`; a logged 403 otherwise."""

    def check(request: Request, user: CurrentUser = Depends(signed_in)) -> CurrentUser:
        if user.role not in roles:
            raise deny(request, user, f"role {user.role.value} not in {','.join(r.value for r in roles)}")
        return user

    return check


def start_session(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session on log-in: no fixation of an earlier cookie
    request.session[SESSION_USER] = user.id
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    request.session.clear()


# ---- CSRF ----
# A synchronizer token: one random token per session, kept inside the signed session cookie and
# repeated in a hidden field of every form. Plain HTML forms work without JavaScript, and no extra
# library is needed: starlette-csrf checks a header only (forms would need JS), and
# fastapi-csrf-protect's double-submit cookie needs a call in every route.


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


async def verify_csrf(request: Request) -> None:
    """Router dependency: every unsafe request carries the session's token (form field or header)."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    expected = request.session.get(SESSION_CSRF)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        user = getattr(request.state, "user", None)
        raise deny(request, user, f"csrf token missing or wrong (session uid={request.session.get(SESSION_USER)})",
                   _("The form has expired or did not come from this site. Reload the page and try again."))
