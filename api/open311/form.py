"""Reading an Open311 request: form, urlencoded (raw UTF-8 too), multipart with one photo, or JSON; each
field checked with a GeoReport-style 400 naming it. Nothing here starts a workflow.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Request

from api.open311.formats import Open311Error
from core.messages import Attachment
from services.errors import ServiceError
from services.uploads import MAX_BYTES, check_photos

MAX_DESCRIPTION = 4000
MAX_FIELD = 200

def number_field(form: dict, name: str, low: float, high: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a decimal number, got {raw[:40]!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(400, f"{name} must be between {low} and {high}")
    return value


def text_field(form: dict, name: str, limit: int = MAX_FIELD) -> str:
    value = form.get(name) or ""
    if not isinstance(value, str):
        raise Open311Error(400, f"{name} must be text")
    value = value.strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} is longer than {limit} characters")
    return value


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MEDIA_URL = re.compile(r"^https?://\S+$")

def date_param(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time, e.g. 2026-11-01T00:00:00+08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))

async def read_form(request: Request) -> tuple[dict, list[tuple[Attachment, bytes]]]:
    """The fields (form, multipart or JSON) and a validated `media` photo, if any."""
    content_type = request.headers.get("content-type", "")  # size, UTF-8 and characters: http_common.request_guard
    if "application/json" in content_type:
        try:
            body = await request.json()
        except ValueError:
            raise Open311Error(400, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise Open311Error(400, "the body must be a JSON object")
        return {k: v if isinstance(v, str) else _scalar(k, v) for k, v in body.items()}, []
    if "application/x-www-form-urlencoded" in content_type:
        # Starlette reads unescaped bytes of a urlencoded body as Latin-1; clients such as `curl -d`
        # send Chinese as raw UTF-8, so the body is decoded as UTF-8 here (escaped bytes too).
        try:
            body = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise Open311Error(400, "the body is not valid UTF-8") from None
        return dict(parse_qsl(body, keep_blank_values=True)), []
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    uploads = [u for u in form.getlist("media") if not isinstance(u, str) and u.filename]
    if len(uploads) > 1:
        raise Open311Error(400, "at most one media file")
    files = [(u.filename, await u.read(MAX_BYTES + 1)) for u in uploads]
    if any(len(data) > MAX_BYTES for _name, data in files):
        raise Open311Error(400, "media is larger than 5 MB")
    try:
        media = check_photos(files, limit=1, max_pixels=request.app.state.platform.settings.upload_max_pixels)
    except ServiceError as exc:
        reason = f" ({exc.detail})" if exc.detail else ""
        raise Open311Error(400, f"media must be a JPEG, PNG or WebP photo{reason}") from None
    return fields, media


def _scalar(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Open311Error(400, f"{name} has the wrong type")
    return str(value)
