"""Message catalogs (Babel): the current locale and gettext for every layer that writes for people.

Source strings are English msgids; zh_Hans is the default locale, en the switch. The locale is held in
a context variable for one request or task; web.i18n chooses it from `?lang=` or the cookie.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
ALIASES = {"zh": "zh_Hans", "zh-hans": "zh_Hans", "zh_hans": "zh_Hans", "zh-cn": "zh_Hans", "en": "en"}

_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def normalize(value: str | None) -> str | None:
    return ALIASES.get((value or "").strip().lower())


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
