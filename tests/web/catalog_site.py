"""The demo city's catalog behind the web app, for the catalog page tests (the small test catalog has no
contacts, processes or street overrides)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, func, select

from app.main import create_app
from core.demo_catalog import load_demo_catalog
from core.models.catalog import CatalogVersion
from core.models.users import User
from tests.web.conftest import _HASH, Site


def demo_catalog_site(engine, settings) -> Site:
    """The demo catalog with an admin (city) and a dispatcher (centre); no Temporal behind it."""
    with Session(engine) as session:
        load_demo_catalog(session)
        now = datetime.now(UTC)
        for username, role, unit in (("admin", "admin", "city"), ("dispatcher", "dispatcher", "centre")):
            session.add(User(username=username, display_name=username, role=role, unit_id=unit,
                             password_hash=_HASH, created_at=now))
        session.commit()
    return Site(create_app(settings, engine=engine, temporal_client=object()), engine, settings, None)


def versions(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(CatalogVersion)).one()
