"""Accounts: who is signed in (CurrentUser), log-in checks and throttling, API tokens, refusals.

Sessions are services.sessions', cookies the web adapter's; this module only answers "who is this, and may they".
Every refusal is logged here with the account, the place and the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Row, bindparam
from sqlmodel import Session, select

from core import catalog
from core.guards import citizen_id
from core.i18n import _
from core.logsetup import client_address
from core.messages import Actor, Role
from core.models.users import ApiToken, User
from core.security import dummy_password_hash, hash_password, hash_token, new_api_token, verify_password
from core.vocabulary import ErrorKind
from services import sessions
from services.errors import ServiceError
from services.rate_limits import RateLimits, too_many, wait_minutes

log = logging.getLogger("services.accounts")

# Who may see complainants' names and phones unmasked (plus the handler of the primary unit).
UNMASKED_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)



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


# Every signed-in request reads its account (and an API request its token first): plain statements built once,
# not ORM objects, which cost about as much as the rest of the check.
_USER = select(User.id, User.username, User.display_name, User.role, User.unit_id, User.active).where(
    User.id == bindparam("user_id"))
_TOKEN = select(ApiToken.id, ApiToken.name, ApiToken.scope, ApiToken.user_id, ApiToken.revoked).where(
    ApiToken.token_hash == bindparam("token_hash"))


def load_user(session: Session, user_id: int | None) -> CurrentUser | None:
    user = session.execute(_USER, {"user_id": user_id}).first() if user_id is not None else None
    if user is None or not user.active:
        return None
    chain = catalog.chain_of(session, user.unit_id)
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        role=Role(user.role),
        unit_id=user.unit_id,
        district_id=catalog.nearest_of_kind(chain, catalog.DISTRICT_KINDS),
        street_id=catalog.nearest_of_kind(chain, catalog.STREET_KINDS),
    )


def actor_for(user: CurrentUser) -> Actor:
    """The workflow's Actor for an account: always from the account, never from form fields."""
    return Actor(id=user.username, role=user.role, name=user.display_name, unit_id=user.unit_id,
                 district_id=user.district_id)


def citizen_actor(ticket_id: str) -> Actor:
    """The complainant, proven by the ticket's tracking secret (services.intake.check_secret)."""
    return Actor(id=citizen_id(ticket_id), role=Role.CITIZEN, name="citizen")


def denied(user: CurrentUser | None, where: str, reason: str, message: str | None = None) -> ServiceError:
    """Log a refusal and return the 403 to raise."""
    who = f"{user.username}({user.role.value}@{user.unit_id})" if user else "anonymous"
    log.warning("403 client=%s user=%s path=%s reason=%s", client_address.get(), who, where, reason)
    return ServiceError(ErrorKind.FORBIDDEN, message or _("You may not open this page or do this."), reason)


def require_role(user: CurrentUser, roles: tuple[Role, ...], where: str) -> CurrentUser:
    if user.role not in roles:
        raise denied(user, where, f"role {user.role.value} not in {','.join(r.value for r in roles)}")
    return user


def may_see_personal_data(user: CurrentUser | None, primary_unit_id: str | None) -> bool:
    if user is None:
        return False
    if user.role in UNMASKED_ROLES:
        return True
    return user.role in (Role.HANDLER, Role.STREET) and user.unit_id is not None and user.unit_id == primary_unit_id


# ---- log-in ----


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active account with this password, or None. An unknown or inactive name costs one argon2
    verification too, so the time taken does not tell which user names exist."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    password_ok = verify_password(user.password_hash if user is not None else dummy_password_hash(), password)
    return user if user is not None and user.active and password_ok else None


def check_login_rate(limits: RateLimits, address: str, username: str) -> None:
    """Counts one attempt; 429 for a locked user name, or an address or account trying too often.

    Known and unknown names are counted and answered alike, so a refusal tells nothing about the account."""
    name = _login_name(username)
    wait = (limits.locked_for(f"login/{name}") or limits.hit("login_address", address)
            or limits.hit("login_account", address, name))
    if wait is not None:
        log.warning("429 login user=%s address=%s retry_after=%ss", name, address, wait)
        raise too_many(wait, _("Too many sign-in attempts for this account or from this address. "
                              "Wait %(minutes)s minute(s) and try again.", minutes=wait_minutes(wait)))


def record_login(limits: RateLimits, address: str, username: str, succeeded: bool) -> None:
    """A success forgets the name's failures; the Nth failure within the window, from any address, locks it."""
    name, settings = _login_name(username), limits.settings
    if succeeded:
        limits.forget(f"login-failures/{name}")
        return
    failures = limits.count(f"login-failures/{name}", settings.login_lockout_window_minutes * 60)
    if failures >= settings.login_lockout_failures:
        limits.lock(f"login/{name}", settings.login_lockout_minutes * 60)
        log.warning("login locked user=%s failures=%s last_address=%s minutes=%s", name, failures, address,
                    settings.login_lockout_minutes)


def _login_name(username: str) -> str:
    return username.strip().lower()[:64]


def check_tracking_rate(limits: RateLimits, address: str) -> None:
    """Citizens' tracking (page and API alike): a wrong secret is guessed slowly or not at all."""
    limits.check("track", address, message=_("Too many attempts. Wait a minute and try again."))


# ---- API tokens ----


class TokenScope(StrEnum):
    API = "api"  # an account's JSON API token: acts as that account on /api/v1
    OPEN311 = "open311"  # an Open311 partner's api_key: may file and read Open311 only, no account


def _live_token(session: Session, token: str, scope: TokenScope) -> Row | None:
    """The token's id, name and user_id when it is known, not revoked and of `scope`."""
    row = session.execute(_TOKEN, {"token_hash": hash_token(token)}).first() if token else None
    return row if row is not None and not row.revoked and row.scope == scope else None


def user_for_token(session: Session, token: str) -> CurrentUser:
    """The account behind an API token; ServiceError(UNAUTHENTICATED) for an unknown, revoked or Open311 one."""
    row = _live_token(session, token, TokenScope.API)
    user = load_user(session, row.user_id) if row is not None else None
    if user is None:
        raise ServiceError(ErrorKind.UNAUTHENTICATED, _("The API token is not valid."),
                           "unknown, revoked or non-api token")
    return user


def issue_token(session: Session, username: str, name: str) -> str:
    """Creates a JSON API token for an account and returns it; only its hash is stored."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise ValueError(f"no active account {username!r}")
    return _store_token(session, ApiToken(name=name, scope=TokenScope.API, user_id=user.id))


def issue_open311_key(session: Session, client_name: str) -> str:
    """Creates an Open311 partner's api_key (no account behind it) and returns it; only its hash is stored."""
    return _store_token(session, ApiToken(name=client_name, scope=TokenScope.OPEN311))


def _store_token(session: Session, row: ApiToken) -> str:
    token = new_api_token()
    row.token_hash, row.created_at = hash_token(token), datetime.now(UTC)
    session.add(row)
    session.commit()
    return token


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None:
        return False
    row.revoked = True
    session.add(row)
    session.commit()
    return True


@dataclass(frozen=True)
class ApiClient:
    """A machine client known by its API key (Open311 partners)."""

    token_id: int
    name: str


def client_for_key(session: Session, api_key: str) -> ApiClient | None:
    """The Open311 client of an api_key; None for an unknown, revoked or account (api) token."""
    row = _live_token(session, api_key, TokenScope.OPEN311)
    return ApiClient(row.id, row.name or "Open311") if row is not None else None


# ---- account changes that end its console sessions ----


def deactivate_user(session: Session, user_id: int) -> None:
    """The account can no longer sign in, and every session it has open ends now."""
    user = session.get(User, user_id)
    if user is not None:
        user.active = False
        session.add(user)
    sessions.end_user_sessions(session, user_id)
    session.commit()


def set_password(session: Session, user_id: int, password: str) -> None:
    """A new password ends every open session: one opened by whoever knew the old password too."""
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"no account {user_id}")
    user.password_hash = hash_password(password)
    session.add(user)
    sessions.end_user_sessions(session, user_id)
    session.commit()
