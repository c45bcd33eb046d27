"""Log-in and log-out pages; the session itself is web.auth's (cookie) and services.sessions' (server side)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from core.i18n import _
from http_common.deps import PlatformDep, SessionDep, client_address
from services.accounts import authenticate, check_login_rate, record_login
from web.auth import OptionalUser, end_session, start_session
from web.routes.common import FormDep, safe_next, see_other, text
from web.templating import flash, render

router = APIRouter()


def home_of(role: str) -> str:
    return {
        "operator": "/intake/hotline",
        "dispatcher": "/dispatch",
        "handler": "/inbox",
        "street": "/inbox",
        "grid": "/whistles",
        "supervisor": "/supervise",
        "admin": "/supervise",
    }.get(role, "/")


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str = ""):
    return render(request, "login.html", {"next": safe_next(next, ""), "error": "", "username": ""})


@router.post("/login")
def login(request: Request, form: FormDep, session: SessionDep, platform: PlatformDep, user: OptionalUser):
    username, password = text(form, "username", 64), str(form.get("password") or "")[:200]
    next_url = safe_next(form.get("next"), "")
    address = client_address(request)
    check_login_rate(platform.rate_limits, address, username)
    account = authenticate(session, username, password) if username and password else None
    if username:
        record_login(platform.rate_limits, address, username, succeeded=account is not None)
    if account is None:
        context = {"next": next_url, "error": _("Wrong user name or password."), "username": username}
        return render(request, "login.html", context, status_code=400)
    start_session(request, session, account)
    flash(request, _("Signed in as %(name)s.", name=account.display_name or account.username))
    return see_other(next_url or home_of(account.role))


@router.post("/logout")
def logout(request: Request):
    end_session(request)
    flash(request, _("Signed out."))
    return see_other("/")
