"""Strict readers of request text: query strings, JSON and form bodies must be UTF-8 without the characters
core.characters refuses; JSON numbers must be finite. Each failure is a ServiceError(BAD_INPUT) that says
what was wrong, and where, in the request's language. They only judge: routes still parse as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from core.characters import refused_character
from core.i18n import _
from core.vocabulary import ErrorKind
from services.errors import ServiceError


def bad_encoding(where: str) -> ServiceError:
    return ServiceError(ErrorKind.BAD_INPUT, _("The request is not valid UTF-8 text. Send it again from the form, "
                                               "or encode it as UTF-8."), f"invalid UTF-8 in {where}")


def check_text(field: str, text: str) -> str:
    """The text, if it carries no refused character; `field` names it to the person (may be empty)."""
    code = refused_character(text)
    if code:
        message = (_("The field “%(field)s” contains a character that is not allowed (%(code)s). Remove it and "
                     "try again.", field=field[:40], code=code) if field else
                   _("The request contains a character that is not allowed (%(code)s). Remove it and try again.",
                     code=code))
        raise ServiceError(ErrorKind.BAD_INPUT, message, f"{code} in {field[:40] or 'a name'}")
    return text


def decode(field: str, raw: bytes) -> str:
    try:
        return check_text(field, raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad_encoding(field or "the request") from None


def check_urlencoded(raw: bytes) -> None:
    """A query string or urlencoded body: raw and percent-escaped bytes alike must be UTF-8 (`%ff` is not)."""
    text = decode("", raw)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise bad_encoding("a percent-escape") from None
    except ValueError:  # more fields than any form of ours has
        raise ServiceError(ErrorKind.BAD_INPUT, _("The form has too many fields."), "over 1000 fields") from None
    for name, value in pairs:
        check_text("", name)
        check_text(name, value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a number")
    return value


def check_json(raw: bytes) -> None:
    """Strict JSON: UTF-8, no NaN/Infinity, no number that overflows to infinity, no lone surrogate."""
    text = decode("", raw)
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        reason = str(exc)[:200] or type(exc).__name__
        raise ServiceError(ErrorKind.BAD_INPUT, _("The request body is not valid JSON (%(reason)s).", reason=reason),
                           reason) from None
    _walk(value, "")


def _walk(value: Any, field: str) -> None:
    if isinstance(value, str):
        check_text(field, value)
    elif isinstance(value, list):
        for item in value:
            _walk(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, check_text("", key))


class MultipartText:
    """Fed a multipart body chunk by chunk: every text field and file name must be UTF-8 and clean. File data
    passes unread; a body python-multipart cannot parse is left for the route to refuse."""

    def __init__(self, boundary: bytes) -> None:
        self._header, self._value, self._data = bytearray(), bytearray(), bytearray()
        self._name, self._is_file = "", False
        self._parser: MultipartParser | None = MultipartParser(boundary, callbacks=self._callbacks())

    def feed(self, chunk: bytes) -> None:
        if self._parser is None or not chunk:
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            self._parser = None

    def _callbacks(self) -> dict[str, Callable]:
        def append(buffer: bytearray) -> Callable:
            return lambda data, start, end: buffer.extend(data[start:end])

        return {"on_part_begin": self._part_begin, "on_header_field": append(self._header),
                "on_header_value": append(self._value), "on_header_end": self._header_end,
                "on_part_data": self._part_data, "on_part_end": self._part_end}

    def _part_begin(self) -> None:
        self._name, self._is_file = "", False
        self._data.clear()

    def _header_end(self) -> None:
        if bytes(self._header).strip().lower() == b"content-disposition":
            _kind, options = parse_options_header(bytes(self._value))
            self._name = decode("", options.get(b"name", b""))
            self._is_file = b"filename" in options
            if self._is_file:
                decode(self._name, options[b"filename"])
        self._header.clear()
        self._value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file:
            self._data.extend(data[start:end])

    def _part_end(self) -> None:
        if not self._is_file:
            decode(self._name, bytes(self._data))
