"""Masking of personal data before anything is shown to the public or to roles that do not need it.

Phones, ID-card numbers, e-mails, room numbers and the complainant's known name are masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{7,8}(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_ROOM = re.compile(r"(\d{1,2}单元)?\d{3,4}(室|号房)")


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "****" if digits else ""


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    text = text or ""
    for value in known:
        value = (value or "").strip()
        if len(value) >= 2:
            text = text.replace(value, mask_name(value) if not value[0].isdigit() else mask_phone(value))
    text = _ID_CARD.sub(r"\1********\2", text)
    text = _MOBILE.sub(r"\1****\2", text)
    text = _LANDLINE.sub(r"\1********", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    text = _ROOM.sub("***\\2", text)
    return text
