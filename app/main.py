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
from api.routes import health, imports, tickets
from api.routes import search as search_api
from core.config import Settings, get_settings
from core.db import get_engine
from core.files import make_private
from core.heap import settle_startup_objects
from core.logsetup import configure_logging
from http_common.client import ClientAddressMiddleware
from http_common.request_guard import RequestGuardMiddleware
from services.database_errors import DATABASE_UNAVAILABLE, database_unavailable
from services.errors import ServiceError
from services.platform import Platform
from services.temporal import TemporalConnection
from web import pages
from web.auth import verify_csrf
from web.headers import SecurityHeadersMiddleware
from web.i18n import LocaleMiddleware
from web.routes.catalog import router as catalog_pages_router
from web.routes.codec import router as codec_router
from web.routes.corrections import router as corrections_router

SESSION_COOKIE = "wr_session"


def create_app(settings: Settings | None = None, *, engine=None, temporal_client=None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging("web")
    make_private(settings.data_dir, settings.effective_database_url)  # umask 077: data files are 0600
    owns_engine = engine is None
    if engine is None:  # a short lock wait: a person is waiting, and a waiting request holds a thread
        engine = get_engine(settings.effective_database_url, busy_timeout=settings.web_db_busy_timeout)
    platform = Platform(engine, settings, TemporalConnection(settings, temporal_client))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        settle_startup_objects()  # before the first request: no full collection walks the app's own objects
        yield
        platform.rate_limits.close()
        if owns_engine:
            platform.engine.dispose()

    app = FastAPI(title="Whistle-report grievance platform (接诉即办)", version="0.1.0", lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None)
    app.state.platform = platform
    app.include_router(health.router)
    app.include_router(open311.router)
    app.add_exception_handler(open311.Open311Error, open311.open311_error_handler)
    app.include_router(imports.router)  # before tickets: /tickets/bulk is not a ticket number
    app.include_router(tickets.router)
    app.include_router(catalog_api.router)
    app.include_router(search_api.router)
    # innermost: a refused body is answered in the surface's format and the user's language
    app.add_middleware(RequestGuardMiddleware, settings=settings, refuse=_service_error)
    _include_console(app, settings)
    app.add_exception_handler(ServiceError, _service_error)
    for failure in DATABASE_UNAVAILABLE:
        app.add_exception_handler(failure, _database_unavailable)
    app.add_middleware(ClientAddressMiddleware)  # outermost: every log line of the request can name the client
    return app


def _include_console(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, tile_url=settings.map_tile_url)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=SESSION_COOKIE,
                       max_age=int(settings.session_lifetime_hours * 3600),  # the server-side row decides
                       same_site="lax", https_only=settings.environment == "production")
    pages.install_error_pages(app)
    app.mount("/static", pages.static_files(), name="static")
    app.include_router(pages.router, dependencies=[Depends(verify_csrf)])
    app.include_router(catalog_pages_router, dependencies=[Depends(verify_csrf)])
    app.include_router(corrections_router, dependencies=[Depends(verify_csrf)])
    app.include_router(codec_router)  # JSON from the Temporal UI's origin: CORS preflight instead of a CSRF token


async def _database_unavailable(request: Request, exc: Exception):
    return await _service_error(request, database_unavailable(exc, request.url.path))


async def _service_error(request: Request, exc: ServiceError):
    path = request.url.path
    if path.startswith("/api/"):
        response = json_error(exc)
    elif path.startswith("/open311/"):
        response = open311.service_error(request, exc)
    else:
        response = await pages.error_page(request, exc)
    if exc.retry_after is not None:  # a refusal that ends by itself (429): when to try again, in every format
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
