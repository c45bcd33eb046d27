"""Workflow payloads encrypted with AES-GCM, so personal data is ciphertext in Temporal's database and UI.

Keys come from settings (PAYLOAD_KEY, PAYLOAD_OLD_KEYS) or, outside production, from a key file made once
under the data dir. A payload that is not ours (plaintext from the CLI, an unknown key, tampered bytes) is
never decoded: the worker gets a marker no converter reads, so an update carrying it is rejected.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from core.config import Settings
from core.payload_keys import PayloadKeyError, configured_older_keys, parse_key
from core.payload_types import PayloadConverter

ENCRYPTED = b"binary/encrypted"
KEY_ID = "encryption-key-id"
# Markers the worker sees instead of a payload it refuses; no payload converter knows these encodings.
REFUSED_PLAINTEXT = b"binary/refused-not-encrypted"
REFUSED_UNDECRYPTABLE = b"binary/refused-undecryptable"
REFUSED_REASON = "refused-reason"
KEY_FILE = "payload.key"
NONCE_BYTES = 12


class PayloadRefused(ValueError):
    """A payload that cannot be decrypted with any of our keys."""


def key_id(key: bytes) -> str:
    """A short public name for a key, derived from it, so rotation needs no separate id setting."""
    return hashlib.sha256(b"whistle-report payload key\x00" + key).hexdigest()[:16]


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class KeyRing:
    """The key new payloads are encrypted with, and every key a payload may still be decrypted with."""

    current: bytes
    older: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def ciphers(self) -> dict[str, AESGCM]:
        return {key_id(key): AESGCM(key) for key in (*self.older, self.current)}


def keyring(settings: Settings) -> KeyRing:
    """The configured keys; outside production without PAYLOAD_KEY, the data dir's key file (made once)."""
    older = configured_older_keys(settings)
    if settings.payload_key:
        return KeyRing(parse_key(settings.payload_key), older)
    if settings.environment == "production":
        raise PayloadKeyError("PAYLOAD_KEY must be set in production")
    return KeyRing(dev_key(settings.data_dir), older)


def dev_key(data_dir: Path) -> bytes:
    """The key file under data_dir (mode 0600), created atomically so the worker and web share one key."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_key_text() + "\n")
        try:
            os.link(draft, path)  # fails if another process made it first: then theirs is the key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return parse_key(path.read_text(), str(path))


class EncryptionCodec(PayloadCodec):
    """Encrypts every payload with the current key; decodes only what one of our keys authenticates."""

    def __init__(self, keys: KeyRing) -> None:
        super().__init__()
        self.keys = keys
        self._current_id = keys.current_id
        self._ciphers = keys.ciphers()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """For the SDK: a refused payload becomes a marker, so one forged update is rejected and the
        workflow task goes on, instead of the task failing again and again on an exception here."""
        return [self._decode_or_mark(p) for p in payloads]

    def decode_strict(self, payloads: Iterable[Payload]) -> list[Payload]:
        """For people (the UI's codec endpoint): plaintext shown as it is, an undecryptable one refused."""
        return [self.decrypt(p) if p.metadata.get("encoding") == ENCRYPTED else p for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[self._current_id].encrypt(nonce, payload.SerializeToString(), None)
        return Payload(metadata={"encoding": ENCRYPTED, KEY_ID: self._current_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        found = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(found)
        if cipher is None:
            raise PayloadRefused(f"payload encrypted with unknown key id {found!r} "
                                 f"(this process knows {', '.join(sorted(self._ciphers))})")
        try:
            return Payload.FromString(cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], None))
        except InvalidTag:
            raise PayloadRefused(f"payload does not authenticate under key id {found!r}") from None

    def _decode_or_mark(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCRYPTED:
            return _marker(REFUSED_PLAINTEXT, "not encrypted with the platform's key")
        try:
            return self.decrypt(payload)
        except PayloadRefused as exc:
            return _marker(REFUSED_UNDECRYPTABLE, str(exc))


def _marker(encoding: bytes, reason: str) -> Payload:
    return Payload(metadata={"encoding": encoding, REFUSED_REASON: reason.encode()})


def encrypted_converter(keys: KeyRing) -> DataConverter:
    """The one data converter of every client and worker: payloads and failure messages encrypted."""
    return dataclasses.replace(DataConverter.default, payload_converter_class=PayloadConverter,
                               payload_codec=EncryptionCodec(keys),
                               failure_converter_class=DefaultFailureConverterWithEncodedAttributes)


def data_converter(settings: Settings) -> DataConverter:
    return encrypted_converter(keyring(settings))
