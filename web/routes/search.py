"""Case search for staff (GET /search) and the hotline's caller history fragment (GET /search/caller).

Both read through services.search, which applies the case pages' visibility and masking; the rate limit is
counted before the request's database session is first used.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from core.messages import Role
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep
from services import search
from services.errors import ServiceError
from services.tickets import unit_names
from web.auth import CurrentUser, require_roles
from web.templating import render

router = APIRouter()

STAFF = (Role.ADMIN, Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.HANDLER, Role.STREET, Role.GRID)
Staff = Annotated[CurrentUser, Depends(require_roles(*STAFF))]
Operator = Annotated[CurrentUser, Depends(require_roles(Role.OPERATOR))]


@router.get("/search")
def search_page(request: Request, session: SessionDep, platform: PlatformDep, user: Staff, q: str = "",
                page: int = 1):
    """The search form, and with a query one page of the cases found (a refused query: the form and why)."""
    context = {"q": q, "results": None, "error": "", "field_labels": search.FIELD_LABELS,
               "may_search_phones": search.may_search_phones(user), "min_query": search.MIN_QUERY}
    if not q.strip():
        return render(request, "search.html", context)
    search.check_search_rate(platform.rate_limits, user)
    try:
        context["results"] = search.search(session, platform.settings, user, q, page)
    except ServiceError as exc:
        if exc.kind not in (ErrorKind.BAD_INPUT, ErrorKind.FORBIDDEN):
            raise
        context["error"] = exc.message
        return render(request, "search.html", context, status_code=exc.status)
    context["names"] = unit_names(session)
    return render(request, "search.html", context)


@router.get("/search/caller")
def caller_history(request: Request, session: SessionDep, platform: PlatformDep, user: Operator, phone: str = ""):
    """The caller's earlier tickets beside the hotline form: htmx loads it as the phone is typed."""
    if search.phone_digits(phone) is not None:
        search.check_search_rate(platform.rate_limits, user)
    history = search.caller_history(session, platform.settings, user, phone)
    return render(request, "_caller_history.html", {"history": history, "names": unit_names(session)})
