"""Which characters text from outside may carry, and what an XML 1.0 document can hold.

Input refuses control characters (tab, newline and carriage return aside), lone surrogates and Unicode
noncharacters: none of them is typed by a person, and one of them stored breaks every XML feed.
"""

from __future__ import annotations

import re

_NONCHARACTERS = "".join(chr(plane + low) for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF))
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")
# XML 1.0's Char production, negated: what no XML 1.0 document can carry even as a character reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def refused_character(text: str) -> str | None:
    """The first character input may not carry, as `U+XXXX`, or None when the text is clean."""
    found = _REFUSED.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def xml_safe(text: str) -> str:
    """The text with every character XML 1.0 cannot hold replaced by U+FFFD, so one old row never breaks a feed."""
    return _NOT_XML.sub("\ufffd", text)
