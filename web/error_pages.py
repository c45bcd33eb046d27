"""Friendly error pages for people: 403, 404, 405, 422 and 500 as translated pages with the site's navigation.

JSON surfaces (/api/, /open311/) keep JSON errors. A page never shows the English developer detail (it goes
to the log); a 500 shows a reference id that is logged with the traceback, so support can find it.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import escape
from starlette.exceptions import HTTPException

from core.i18n import N_, _, _locale, set_locale
from services.errors import ServiceError
from web.auth import optional_user
from web.headers import HEADERS as SECURITY_HEADERS
from web.templating import render

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/open311/")
TITLES = {
    400: N_("This could not be done"), 403: N_("Not allowed"), 404: N_("Page not found"),
    405: N_("Not possible at this address"), 409: N_("Not possible right now"), 413: N_("Too large"),
    422: N_("Some values are not valid"), 429: N_("Too many requests"), 500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
}
MESSAGES = {
    404: N_("There is no page at this address. The link may be mistyped or the page may have moved."),
    405: N_("This page cannot be used this way. Open it from the site's menu."),
    422: N_("A value in the address of this page is not valid."),
}
FALLBACK_MESSAGE = N_("This request could not be handled.")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


def error_page(request: Request, status: int, message: str, *, reference: str = "") -> Response:
    """The translated error page, with the menu of the signed-in user when one can be looked up."""
    if status in (403, 404):
        try:
            optional_user(request)
        except Exception:  # the page must show even when the session cannot be read
            log.warning("error page without the user's menu", exc_info=True)
    context = {"status": status, "title": _(TITLES.get(status, TITLES[400])), "message": message,
               "reference": reference, "next_url": _here(request)}
    return render(request, "error.html", context, status_code=status)


def service_error_page(request: Request, exc: ServiceError) -> Response:
    return error_page(request, exc.status, exc.message)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query and request.method == "GET" else "")


async def http_error(request: Request, exc: HTTPException) -> Response:
    message = _(MESSAGES.get(exc.status_code, FALLBACK_MESSAGE))
    if wants_json(request):
        return JSONResponse({"detail": message, "reason": str(exc.detail)}, status_code=exc.status_code,
                            headers=exc.headers)
    response = error_page(request, exc.status_code, message)
    response.headers.update(exc.headers or {})
    return response


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    if wants_json(request):  # machine clients keep FastAPI's field-by-field answer
        return await request_validation_exception_handler(request, exc)
    log.info("422 path=%s errors=%s", request.url.path, [e.get("loc") for e in exc.errors()])
    return error_page(request, 422, _(MESSAGES[422]))


async def server_error(request: Request, exc: Exception) -> Response:
    """Runs outside the locale middleware: the locale it chose is read back from the request's state."""
    reference = uuid.uuid4().hex[:12]
    log.error("500 ref=%s path=%s", reference, request.url.path, exc_info=exc)
    token = set_locale(request.scope.get("state", {}).get("locale", ""))
    try:
        message = _("Sorry, something went wrong on our side. Nothing you typed is your fault; please try again "
                    "in a moment. If it happens again, give this reference to the hotline: %(ref)s.", ref=reference)
        if wants_json(request):
            return JSONResponse({"detail": message, "reason": "internal error", "reference": reference},
                                status_code=500)
        try:
            response = error_page(request, 500, message, reference=reference)
        except Exception:  # the page itself failed: a plain page in the same words
            log.exception("500 ref=%s: the error page could not be rendered", reference)
            response = HTMLResponse(f"<!doctype html><title>500</title><p>{escape(message)}</p>", status_code=500)
        for name, value in SECURITY_HEADERS:  # sent from outside the middleware that adds them
            response.headers.setdefault(name.decode(), value.decode())
        return response
    finally:
        _locale.reset(token)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
