"""Accounts: who is signed in (CurrentUser), log-in checks and throttling, API tokens, refusals.

Sessions and cookies are the web adapter's; this module only answers "who is this, and may they".
Every refusal is logged here with the account, the place and the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlmodel import Session, select

from core import catalog
from core.guards import citizen_id
from core.i18n import _
from core.messages import Actor, Role
from core.models.users import ApiToken, User
from core.security import hash_token, new_api_token, verify_password
from core.vocabulary import ErrorKind
from services.errors import ServiceError

log = logging.getLogger("services.accounts")

# Who may see complainants' names and phones unmasked (plus the handler of the primary unit).
UNMASKED_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)

# Throttling with `limits` (moving window, in process memory: one web process per limit).
_limiter = MovingWindowRateLimiter(MemoryStorage())
LOGIN_PER_ACCOUNT = parse("5/minute")
LOGIN_PER_ADDRESS = parse("30/minute")
TRACK_PER_ADDRESS = parse("30/minute")


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
    log.warning("403 user=%s path=%s reason=%s", who, where, reason)
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
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def login_allowed(address: str, username: str) -> bool:
    """Counts one attempt; False once an account or an address tries too often."""
    per_address = _limiter.hit(LOGIN_PER_ADDRESS, "login-ip", address)
    per_account = _limiter.hit(LOGIN_PER_ACCOUNT, "login-user", address, username.strip().lower())
    return per_address and per_account


def check_tracking_rate(address: str) -> None:
    """Citizens' tracking (page and API alike): a wrong secret is guessed slowly or not at all."""
    if not _limiter.hit(TRACK_PER_ADDRESS, "track", address):
        raise ServiceError(ErrorKind.TOO_MANY, _("Too many attempts. Wait a minute and try again."))


def reset_limits() -> None:
    _limiter.storage.reset()


# ---- API tokens ----


def user_for_token(session: Session, token: str) -> CurrentUser:
    """The account behind a bearer token; ServiceError(UNAUTHENTICATED) for an unknown or revoked one."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first() if token else None
    user = load_user(session, row.user_id) if row is not None and not row.revoked else None
    if user is None:
        raise ServiceError(ErrorKind.UNAUTHENTICATED, _("The API token is not valid."), "unknown or revoked token")
    return user


def issue_token(session: Session, username: str, name: str) -> str:
    """Creates a token for an account and returns it; only its hash is stored."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise ValueError(f"no active account {username!r}")
    token = new_api_token()
    session.add(ApiToken(token_hash=hash_token(token), name=name, user_id=user.id, created_at=datetime.now(UTC)))
    session.commit()
    return token


@dataclass(frozen=True)
class ApiClient:
    """A machine client known by its API key (Open311 partners)."""

    token_id: int
    name: str


def client_for_key(session: Session, api_key: str) -> ApiClient | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(api_key))).first() if api_key else None
    return ApiClient(row.id, row.name or "Open311") if row is not None and not row.revoked else None
