"""The FastAPI application factory: JSON API, Open311, health, and the Jinja2 pages from web/.

    uvicorn --factory api.main:create_app

Settings, engine and Temporal connection are built here (never at import time) and kept on app.state.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from api import open311
from api.deps import TemporalConnection
from api.routes import catalog as catalog_api
from api.routes import health, tickets
from core.config import Settings, get_settings
from core.db import get_engine

SESSION_COOKIE = "wr_session"
SESSION_MAX_AGE = 8 * 3600  # one working day


def create_app(settings: Settings | None = None, *, engine=None, temporal_client=None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if app.state.owns_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="Whistle-report grievance platform (接诉即办)",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.owns_engine = engine is None
    app.state.engine = engine if engine is not None else get_engine(settings.effective_database_url)
    app.state.temporal = TemporalConnection(settings)
    if temporal_client is not None:
        app.state.temporal.set(temporal_client)

    app.include_router(health.router)
    app.include_router(open311.router)
    app.add_exception_handler(open311.Open311Error, open311.open311_error_handler)
    app.include_router(tickets.router)
    app.include_router(catalog_api.router)
    _include_web(app, settings)
    return app


def _include_web(app: FastAPI, settings: Settings) -> None:
    from api.auth import verify_csrf
    from web.headers import SecurityHeadersMiddleware
    from web.i18n import LocaleMiddleware
    from web.pages import install_error_pages, static_files
    from web.pages import router as pages_router
    from web.routes.catalog import router as catalog_pages_router

    app.add_middleware(LocaleMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.environment == "production",
    )
    install_error_pages(app)
    app.mount("/static", static_files(), name="static")
    app.include_router(pages_router, dependencies=[Depends(verify_csrf)])
    app.include_router(catalog_pages_router, dependencies=[Depends(verify_csrf)])
