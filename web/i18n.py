"""Message catalogs (Babel): the request's locale, gettext for Python code and for Jinja2 templates.

Source strings are English msgids; zh_Hans is the default locale, en the switch. The locale is chosen
by `?lang=` (then kept in a cookie) or the cookie, and held in a context variable for one request.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LANG_COOKIE = "lang"
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
_ALIASES = {"zh": "zh_Hans", "zh-hans": "zh_Hans", "zh_hans": "zh_Hans", "zh-cn": "zh_Hans", "en": "en"}

_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def normalize(value: str | None) -> str | None:
    return _ALIASES.get((value or "").strip().lower())


@cache
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def current_locale() -> str:
    return _locale.get()


def set_locale(locale: str):
    return _locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str, **variables: object) -> str:
    text = translations(_locale.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(_locale.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def N_(message: str) -> str:
    """Marks a string for extraction; translated later, where it is shown."""
    return message


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
