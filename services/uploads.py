"""Photo uploads for every intake channel: JPEG, PNG or WebP (checked by content), at most 5 MB each, at
most 3 per case. A bad file refuses the whole submission before anything is stored.

Files are stored once under settings.data_dir/uploads/<sha256>; a case keeps only Attachment records.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.i18n import _
from core.messages import Attachment
from core.vocabulary import ErrorKind
from services.errors import ServiceError

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
MAX_REQUEST_BYTES = MAX_FILES * MAX_BYTES + 512 * 1024  # the photos plus the text fields


def sniff(head: bytes) -> str | None:
    """The photo's real type from its first bytes, whatever its name or declared type says."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def describe(name: str, data: bytes, kind: str) -> Attachment:
    digest = hashlib.sha256(data).hexdigest()
    return Attachment(name=Path(name).name[:200], content_type=kind, size=len(data), sha256=digest, storage_key=digest)


def store(data_dir: Path, photos: list[tuple[Attachment, bytes]]) -> list[Attachment]:
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    for attachment, data in photos:
        target = folder / attachment.storage_key
        if not target.exists():
            partial = target.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(target)  # atomic: a reader never sees half a photo
    return [attachment for attachment, _data in photos]


def path_of(data_dir: Path, sha256: str) -> Path | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    target = data_dir / "uploads" / sha256
    return target if target.is_file() else None


def check_photos(files: list[tuple[str, bytes]], limit: int = MAX_FILES) -> list[tuple[Attachment, bytes]]:
    """Validated photos with their bytes (each read up to MAX_BYTES + 1); a 400 naming the first bad file."""
    if len(files) > limit:
        raise ServiceError(ErrorKind.BAD_INPUT, _("At most %(count)s photos may be attached.", count=limit))
    photos = []
    for name, data in files:
        if len(data) > MAX_BYTES:
            raise ServiceError(ErrorKind.BAD_INPUT, _("The photo %(name)s is larger than 5 MB.", name=name))
        kind = sniff(data[:16])
        if kind is None:
            raise ServiceError(ErrorKind.BAD_INPUT,
                               _("The file %(name)s is not a JPEG, PNG or WebP photo.", name=name))
        photos.append((describe(name, data, kind), data))
    return photos
