"""Password hashing (argon2 via argon2-cffi) and API token hashing."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_password_hash() -> str:
    """A hash of a random password made with the same parameters as real ones: verifying against it when a
    user name is unknown costs what a known name costs."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_api_token() -> str:
    return "wr_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens are long random strings: a fast hash is enough and keeps per-request checks cheap.
    return hashlib.sha256(token.encode()).hexdigest()
