"""The request's locale: chosen by `?lang=` (then kept in a cookie) or the cookie, for core.i18n's gettext."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from core.i18n import DEFAULT_LOCALE, _locale, normalize, set_locale

LANG_COOKIE = "lang"


class LocaleMiddleware:
    """Pure ASGI, so the context variable is visible to the route, templates and exception handlers."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = normalize((query.get("lang") or [None])[0])
        locale = asked or normalize(_cookie(scope, LANG_COOKIE)) or DEFAULT_LOCALE
        scope.setdefault("state", {})["locale"] = locale
        token = set_locale(locale)

        async def send_with_cookie(message) -> None:
            if asked and message["type"] == "http.response.start":
                cookie = f"{LANG_COOKIE}={asked}; Path=/; Max-Age=31536000; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            _locale.reset(token)


def _cookie(scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header means "no preference"
                return None
            if name in jar:
                return jar[name].value
    return None
