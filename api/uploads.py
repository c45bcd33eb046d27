"""Photo uploads for every intake channel: JPEG, PNG or WebP (checked by content), at most 5 MB each.

Files are stored once under settings.data_dir/uploads/<sha256>; a case keeps only Attachment records.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.messages import Attachment

MAX_BYTES = 5 * 1024 * 1024


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
