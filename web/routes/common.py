"""Helpers shared by the page routes: form fields, redirects, the parsed form as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from core.i18n import _
from core.vocabulary import ErrorKind
from services.errors import ServiceError


def text(form: FormData, name: str, max_length: int = 4000) -> str:
    value = form.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > max_length:
        raise ServiceError(ErrorKind.BAD_INPUT, _("A field is too long (at most %(max)s characters).", max=max_length))
    return value


def fields(form: FormData) -> dict[str, str | list[str]]:
    """A form's text fields; a repeated field (a multi-select) becomes a list."""
    found: dict[str, str | list[str]] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        if values:
            found[key] = values if len(values) > 1 else values[0]
    return found


def safe_next(value: object, default: str) -> str:
    """Only a path on this site: never an absolute or protocol-relative address."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def parsed_form(request: Request) -> FormData:
    """The request's form, read on the event loop, so a `def` route (run in the thread pool) can use it."""
    return await request.form()


FormDep = Annotated[FormData, Depends(parsed_form)]
