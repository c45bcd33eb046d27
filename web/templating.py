"""The Jinja2 environment of the console: i18n extension, filters for times and labels, page helpers.

Templates live in web/templates (layout.html, pages, `_partial.html`, macros in includes/).
No template may reference an address outside this site.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from core.i18n import HTML_LANG, _, current_locale, translations
from core.masking import mask_text
from web import labels
from web.auth import csrf_token
from web.catalog_view import duration_words
from web.form_refill import refill
from web.spans import BABEL_LOCALE, as_datetime, local_time, waited_since
from web.system_texts import system_text

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def time_left(value: Any, now: datetime | None = None) -> str:
    """"3 hours left" or "overdue by 2 days", in the page's language."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    delta = moment - (now or datetime.now(UTC))
    span = format_timedelta(abs(delta), threshold=1.5, locale=BABEL_LOCALE[current_locale()])
    if delta >= timedelta(0):
        return _("%(span)s left", span=span)
    return _("overdue by %(span)s", span=span)


def is_past(value: Any) -> bool:
    moment = as_datetime(value)
    return bool(moment and moment < datetime.now(UTC))


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.filters.update(
        local_time=local_time,
        time_left=time_left,
        waited_since=waited_since,  # the consoles' waiting times: "2小时15分钟"
        stage_label=labels.stage,
        role_label=labels.role,
        action_label=labels.action,
        channel_label=labels.channel,
        rating_label=labels.rating,
        outcome_label=labels.outcome,
        colour_label=labels.colour,
        pending_label=labels.pending,
        wait_label=labels.wait,
        visit_reason_label=labels.visit_reason,
        checkpoint_note=labels.checkpoint_note,
        notice_label=labels.notice,
        system_text=system_text,  # the workflow's English sentences, in the page's language
        duration_words=duration_words,  # "2wd" -> "2 working days" (2个工作日)
        category_label=labels.category,
        masked=mask_text,  # again at display: rows published under older masking rules
        percent=lambda v: "—" if v is None else f"{v * 100:.1f}%",
        refill=refill,  # a refused action form shown again with what was typed
    )
    # Each rendered action form names its action once: sending it again (after a 503) is the same update.
    env.globals.update(actor_label=labels.actor, is_past=is_past, new_action_id=lambda: uuid.uuid4().hex)
    return env


templates = Jinja2Templates(env=build_environment())


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
           ) -> HTMLResponse:
    """Every page gets the user, the locale, the CSRF token and the flash messages."""
    locale = current_locale()
    base = {
        "user": getattr(request.state, "user", None),
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "other_locale": "en" if locale == "zh_Hans" else "zh_Hans",
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "path": request.url.path,
        "page_query": request.url.query,
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, message])
    request.session["flash"] = request.session["flash"]  # mark the session as modified


def pop_flashes(request: Request) -> list[list[str]]:
    if "flash" not in request.session:
        return []
    return request.session.pop("flash")
