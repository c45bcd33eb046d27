"""A phone number as the search finds it: the national number, however it was typed or spoken into the form."""

from __future__ import annotations

import re
import unicodedata

COUNTRY_PREFIXES = ("0086", "86")  # mainland China's, typed before an 11-digit mobile number


def national_number(text: str | None) -> str | None:
    """"+86 138-1234-5678", "１３８ １２３４ ５６７８" -> "13812345678"; None when the digits are no phone number."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
    for prefix in COUNTRY_PREFIXES:
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix):]
    return digits if 7 <= len(digits) <= 15 else None
