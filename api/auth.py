"""Sign-in, sessions, role checks and CSRF for the web console.

Sessions are Starlette's SessionMiddleware cookies (signed with itsdangerous, settings.secret_key);
the session holds only the user id and the CSRF token. Every refusal is a 403 logged with user,
path and reason. Machine clients (bearer tokens) are not handled here.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlmodel import Session, select

from api.deps import SessionDep
from api.errors import LoginRequired, PageError
from core import catalog
from core.i18n import _
from core.messages import Role
from core.models.users import User
from core.security import verify_password

log = logging.getLogger("api.auth")

SESSION_USER = "uid"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Who may see complainants' names and phones unmasked (plus the handler of the primary unit).
UNMASKED_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)

# Login throttling with `limits` (moving window, in process memory: one web process per limit).
_limiter = MovingWindowRateLimiter(MemoryStorage())
LOGIN_PER_ACCOUNT = parse("5/minute")
LOGIN_PER_ADDRESS = parse("30/minute")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: Role
    unit_id: str | None
    district_id: str | None  # None for city-level accounts
    street_id: str | None  # the street / township a grid worker's or street's unit lies in

    @property
    def is_city_level(self) -> bool:
        return self.district_id is None


def load_user(session: Session, user_id: int | None) -> CurrentUser | None:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        return None
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        role=Role(user.role),
        unit_id=user.unit_id,
        district_id=catalog.district_of(session, user.unit_id),
        street_id=catalog.street_of(session, user.unit_id),
    )


def optional_user(request: Request, session: SessionDep) -> CurrentUser | None:
    if not hasattr(request.state, "user"):
        request.state.user = load_user(session, request.session.get(SESSION_USER))
    return request.state.user


OptionalUser = Annotated[CurrentUser | None, Depends(optional_user)]


def signed_in(request: Request, user: OptionalUser) -> CurrentUser:
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


CurrentUserDep = Annotated[CurrentUser, Depends(signed_in)]


def deny(request: Request, user: CurrentUser | None, reason: str, message: str | None = None) -> PageError:
    """Log a refusal and return the 403 to raise."""
    who = f"{user.username}({user.role.value}@{user.unit_id})" if user else "anonymous"
    log.warning("403 user=%s path=%s reason=%s", who, request.url.path, reason)
    return PageError(403, message or _("You may not open this page or do this."), reason)


def require_roles(*roles: Role, signed_in_by=signed_in):
    """Dependency: the signed-in user (by session, or as `signed_in_by` finds them, e.g. a bearer token),
    if their role is one of `roles`; a logged 403 otherwise."""

    def check(request: Request, user: CurrentUser = Depends(signed_in_by)) -> CurrentUser:
        if user.role not in roles:
            raise deny(request, user, f"role {user.role.value} not in {','.join(r.value for r in roles)}")
        return user

    return check


def may_see_personal_data(user: CurrentUser | None, primary_unit_id: str | None) -> bool:
    if user is None:
        return False
    if user.role in UNMASKED_ROLES:
        return True
    return user.role in (Role.HANDLER, Role.STREET) and user.unit_id is not None and user.unit_id == primary_unit_id


# ---- log-in and log-out ----


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def login_allowed(address: str, username: str) -> bool:
    """Counts one attempt; False once an account or an address tries too often."""
    per_address = _limiter.hit(LOGIN_PER_ADDRESS, "login-ip", address)
    per_account = _limiter.hit(LOGIN_PER_ACCOUNT, "login-user", address, username.strip().lower())
    return per_address and per_account


def allow(limit, *keys: str) -> bool:
    """Counts one hit of `limit` for `keys`; False once the limit is reached."""
    return _limiter.hit(limit, *keys)


def reset_login_limits() -> None:
    _limiter.storage.reset()


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
