"""The web console: one router gathering web/routes/*, the static files, and the error pages.

The composition root (app.main) mounts them: `router` (with the CSRF dependency), `static_files()`,
`install_error_pages(app)`, and shows a ServiceError on a console path with `error_page`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from services.errors import ServiceError
from web import error_pages
from web.auth import LoginRequired
from web.routes import auth, cases, evaluation, imports, intake, public, work
from web.routes import maps as map_pages
from web.routes import search as search_pages
from web.routes.common import see_other

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)
for module in (public, auth, intake, imports, work, cases, evaluation, search_pages, map_pages):
    router.include_router(module.router)


def static_files() -> StaticFiles:
    return StaticFiles(directory=HERE / "static")


async def error_page(request: Request, exc: ServiceError) -> Response:
    if getattr(request.state, "expired_form", False) and request.url.path in intake.EXPIRY_KEEPS:
        # A report typed for longer than the session lived: the form comes back filled, with a fresh token.
        return await intake.show_expired(request, request.app.state.platform, exc)
    return error_pages.service_error_page(request, exc)


def install_error_pages(app: FastAPI) -> None:
    error_pages.install(app)  # unknown pages, bad addresses and crashes: friendly pages, JSON under /api/

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        target = f"/login?next={quote(exc.next_url, safe='/')}"
        if request.headers.get("hx-request"):  # an htmx poll after the session ended: reload as a whole page
            return Response(status_code=204, headers={"HX-Redirect": target})
        return see_other(target)
