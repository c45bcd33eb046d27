"""Password hashing (argon2 via argon2-cffi) and API token hashing."""

from __future__ import annotations

import hashlib
import secrets

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


def new_api_token() -> str:
    return "wr_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens are long random strings: a fast hash is enough and keeps per-request checks cheap.
    return hashlib.sha256(token.encode()).hexdigest()
