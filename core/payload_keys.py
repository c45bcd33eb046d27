"""Payload keys as settings carry them (base64 of 32 random bytes): parsed and checked here, so that a bad
key stops a process when its settings load (core.config) and the codec (core.payload_codec) uses them."""

from __future__ import annotations

import base64
import binascii


class PayloadKeyError(ValueError):
    """A key is missing or malformed: the process must not start."""


def parse_key(text: str, what: str = "PAYLOAD_KEY") -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadKeyError(f"{what} is not valid base64") from None
    if len(key) != 32:
        raise PayloadKeyError(f"{what} must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)")
    return key


def configured_older_keys(settings) -> tuple[bytes, ...]:
    """PAYLOAD_OLD_KEYS parsed (and PAYLOAD_KEY checked) from anything with those two settings."""
    if settings.payload_key:
        parse_key(settings.payload_key)
    return tuple(parse_key(part, "PAYLOAD_OLD_KEYS") for part in settings.payload_old_keys.split(",") if part.strip())
