"""The console's sessions, signed-in user dependencies and CSRF; who the account is comes from services.accounts.

Sessions live server-side (services.sessions); Starlette's signed cookie (SessionMiddleware,
settings.secret_key) carries only the session's random id, an anonymous visitor's CSRF token and flash
messages. Every refusal is a 403 logged with user, path and reason.
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
from services import sessions
from services.accounts import CurrentUser, denied, load_user
from web import labels

SESSION_ID = "sid"
SESSION_CSRF = "csrf"  # an anonymous visitor's token; a signed-in user's is their server-side session's
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class LoginRequired(Exception):
    """Not signed in: pages redirect to the log-in form and come back afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def live_session(request: Request) -> sessions.LiveSession | None:
    """The request's server-side session, looked up once; a cookie whose session ended forgets its id."""
    if not hasattr(request.state, "live_session"):
        session_id, live, user = request.session.get(SESSION_ID), None, None
        if session_id:
            platform = request.app.state.platform
            with Session(platform.engine) as db:  # closed at once: never held while an async route awaits
                live = sessions.resolve(db, session_id, sessions.SessionPolicy.of(platform.settings))
                user = load_user(db, live.user_id) if live is not None else None
            if live is None:
                request.session.pop(SESSION_ID, None)
        request.state.live_session = live
        request.state.user = user
    return request.state.live_session


def optional_user(request: Request) -> CurrentUser | None:
    if not hasattr(request.state, "user"):
        live_session(request)
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
            who = _(", ").join(labels.role(r.value) for r in roles)  # the page says who may open it
            raise deny(request, user, f"role {user.role.value} not in {','.join(r.value for r in roles)}",
                       f'{_("You may not open this page or do this.")} {_("It is for: %(roles)s.", roles=who)}')
        return user

    return check


def start_session(request: Request, db: Session, user: User) -> None:
    """A new server-side session with a fresh id and CSRF token: no fixation of an earlier cookie.
    Written with the request's own database session (a second one would wait on the pool it holds)."""
    platform = request.app.state.platform
    sessions.end(db, request.session.get(SESSION_ID))  # signing in again ends this browser's earlier session
    request.session.clear()
    request.session[SESSION_ID] = sessions.start(db, user.id, sessions.SessionPolicy.of(platform.settings))
    for cached in ("live_session", "user"):
        if hasattr(request.state, cached):
            delattr(request.state, cached)


def end_session(request: Request) -> None:
    """Log-out ends the session on the server: a replayed copy of the cookie is signed out too."""
    session_id = request.session.get(SESSION_ID)
    if session_id:
        with Session(request.app.state.platform.engine) as db:
            sessions.end(db, session_id)
    request.session.clear()
    request.state.live_session, request.state.user = None, None


# ---- CSRF ----
# A synchronizer token: one random token per session, kept in the server-side session (in the signed
# cookie for anonymous visitors) and repeated in a hidden field of every form. Plain HTML forms work
# without JavaScript, and no extra library is needed: starlette-csrf checks a header only (forms would
# need JS), and fastapi-csrf-protect's double-submit cookie needs a call in every route.


def csrf_token(request: Request) -> str:
    live = live_session(request)
    if live is not None:
        return live.csrf
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


async def verify_csrf(request: Request, user: OptionalUser) -> None:
    """Router dependency: every unsafe request carries the session's token (form field or header)."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    live = live_session(request)  # resolved in the thread pool by the OptionalUser dependency
    expected = live.csrf if live is not None else request.session.get(SESSION_CSRF)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        request.state.expired_form = True  # an intake form is shown again with what was typed (web.pages)
        raise deny(request, user, f"csrf token missing or wrong (session uid={live.user_id if live else None})",
                   _("The form has expired or did not come from this site. Reload the page and try again."))
