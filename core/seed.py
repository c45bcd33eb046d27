"""First-run data: the working-day calendar, the demo catalog and demo accounts. Each step runs once.

`python -m core.seed` creates the schema and seeds; `make run` calls the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from core import calendar_years
from core.db import create_schema
from core.messages import Role
from core.models.calendar import CalendarDay
from core.models.catalog import Unit
from core.models.users import ApiToken, User
from core.security import hash_password, hash_token
from core.workcalendar import seed_rows_from_chinesecalendar

DEMO_PASSWORD = "demo1234"
DEMO_API_KEY = "demo-open311-key"  # only seeded outside production, for trying the Open311 API
DEMO_CLIENT = "demo Open311 client"
OPEN311_SCOPE = "open311"  # services.accounts.TokenScope.OPEN311 (core cannot import services)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    unit_id: str
    display_name: str


# The people a demo needs; every department also gets a handler account "h-<unit id>".
DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "city", "系统管理员"),
    DemoAccount("operator", Role.OPERATOR, "centre", "12345接线员 小王"),
    DemoAccount("dispatcher", Role.DISPATCHER, "centre", "市派单员 李敏"),
    DemoAccount("east-dispatcher", Role.DISPATCHER, "d-east", "东城区派单员 周洁"),
    DemoAccount("supervisor", Role.SUPERVISOR, "supervision", "市督查员 王强"),
    DemoAccount("street-east-1", Role.STREET, "s-east-1", "东关街道 马主任"),
    DemoAccount("grid-east-1", Role.GRID, "c-east-1-a", "东关大街社区网格员 小马"),
)


def seed_calendar(session: Session) -> int:
    if session.exec(select(func.count()).select_from(CalendarDay)).one():
        return 0
    rows = seed_rows_from_chinesecalendar()
    session.add_all(CalendarDay(day=d, is_workday=w, name=n, source="chinesecalendar") for d, w, n in rows)
    for year in sorted({d.year for d, _w, _n in rows}):
        calendar_years.publish(session, year, "chinesecalendar")
    session.commit()
    return len(rows)


def seed_demo_users(session: Session, password: str = DEMO_PASSWORD) -> int:
    if session.exec(select(func.count()).select_from(User)).one():
        return 0
    now = datetime.now(UTC)
    password_hash = hash_password(password)  # one hash for all demo accounts keeps first start fast
    accounts = list(DEMO_ACCOUNTS)
    for unit in session.exec(select(Unit).where(Unit.kind == "department").order_by(Unit.id)):
        accounts.append(DemoAccount(f"h-{unit.id}", Role.HANDLER, unit.id, f"{unit.name_zh} 承办人"))
    for street in session.exec(select(Unit).where(Unit.kind.in_(("street", "township"))).order_by(Unit.id)):
        if street.id != "s-east-1":
            accounts.append(DemoAccount(f"street-{street.id.removeprefix('s-')}", Role.STREET, street.id,
                                        f"{street.name_zh} 吹哨办"))
    known = {u.id for u in session.exec(select(Unit))}
    for account in accounts:
        if account.unit_id in known:
            session.add(User(username=account.username, display_name=account.display_name, role=account.role.value,
                             unit_id=account.unit_id, password_hash=password_hash, created_at=now))
    session.commit()
    return len(accounts)


def seed_demo_api_key(session: Session, key: str = DEMO_API_KEY) -> bool:
    """The demo Open311 client's key (scope open311, no account). A database seeded before token scopes
    has this key as admin's API token: it is turned into the Open311 client's, so it no longer opens /api/v1."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(key))).first()
    if row is not None:
        if row.scope == OPEN311_SCOPE and row.user_id is None:
            return False
        row.scope, row.user_id, row.name = OPEN311_SCOPE, None, DEMO_CLIENT
    else:
        row = ApiToken(token_hash=hash_token(key), name=DEMO_CLIENT, scope=OPEN311_SCOPE, created_at=datetime.now(UTC))
    session.add(row)
    session.commit()
    return True


def revoke_demo_api_key(session: Session, key: str = DEMO_API_KEY) -> bool:
    """In production the publicly known demo key opens nothing, whatever an earlier start seeded."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(key))).first()
    if row is None or row.revoked:
        return False
    row.revoked = True
    session.add(row)
    session.commit()
    return True


def seed_all(engine: Engine, *, demo_api_key: bool = True) -> dict[str, int | bool]:
    from core.demo_catalog import load_demo_catalog

    create_schema(engine)
    with Session(engine) as session:
        report: dict[str, int | bool] = {"calendar_days": seed_calendar(session)}
        report["catalog"] = load_demo_catalog(session)
        session.commit()
        report["users"] = seed_demo_users(session)
        if demo_api_key:
            report["api_key"] = seed_demo_api_key(session)
        else:
            report["demo_api_key_revoked"] = revoke_demo_api_key(session)
    return report


if __name__ == "__main__":
    from core.config import get_settings
    from core.db import get_engine

    print(seed_all(get_engine(get_settings().effective_database_url)))  # noqa: T201
