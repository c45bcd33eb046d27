"""The FastAPI application factory: JSON API, Open311, health, and the Jinja2 pages from web/.

    uvicorn --factory api.main:create_app

Settings, engine and Temporal connection are built here (never at import time) and kept on app.state.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import open311
from api.deps import TemporalConnection
from api.routes import health
from core.config import Settings, get_settings
from core.db import get_engine


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
    _include_web(app)
    return app


def _include_web(app: FastAPI) -> None:
    from web.pages import router as pages_router
    from web.pages import static_files

    app.mount("/static", static_files(), name="static")
    app.include_router(pages_router)
