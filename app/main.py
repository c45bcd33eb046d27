"""The FastAPI application factory: the JSON API, Open311, health and the console, over one Platform.

    uvicorn --factory app.main:create_app

Settings, engine and Temporal connection are built here (never at import time) and kept on
app.state.platform; every adapter reaches the services through it. A ServiceError is answered in the
format of the surface that raised it: JSON under /api/, Open311 under /open311/, a page elsewhere.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

from api import open311
from api.errors import json_error
from api.routes import catalog as catalog_api
from api.routes import health, tickets
from core.config import Settings, get_settings
from core.db import get_engine
from services.errors import ServiceError
from services.platform import Platform
from services.temporal import TemporalConnection
from web import pages
from web.auth import verify_csrf
from web.headers import SecurityHeadersMiddleware
from web.i18n import LocaleMiddleware
from web.routes.catalog import router as catalog_pages_router

SESSION_COOKIE = "wr_session"
SESSION_MAX_AGE = 8 * 3600  # one working day


def create_app(settings: Settings | None = None, *, engine=None, temporal_client=None) -> FastAPI:
    settings = settings or get_settings()
    owns_engine = engine is None
    platform = Platform(engine if engine is not None else get_engine(settings.effective_database_url), settings,
                        TemporalConnection(settings, temporal_client))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if owns_engine:
            platform.engine.dispose()

    app = FastAPI(title="Whistle-report grievance platform (接诉即办)", version="0.1.0", lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None)
    app.state.platform = platform
    app.include_router(health.router)
    app.include_router(open311.router)
    app.add_exception_handler(open311.Open311Error, open311.open311_error_handler)
    app.include_router(tickets.router)
    app.include_router(catalog_api.router)
    _include_console(app, settings)
    app.add_exception_handler(ServiceError, _service_error)
    return app


def _include_console(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_MAX_AGE, same_site="lax", https_only=settings.environment == "production")
    pages.install_error_pages(app)
    app.mount("/static", pages.static_files(), name="static")
    app.include_router(pages.router, dependencies=[Depends(verify_csrf)])
    app.include_router(catalog_pages_router, dependencies=[Depends(verify_csrf)])


async def _service_error(request: Request, exc: ServiceError):
    path = request.url.path
    if path.startswith("/api/"):
        return json_error(exc)
    if path.startswith("/open311/"):
        return open311.service_error(request, exc)
    return pages.error_page(request, exc)
