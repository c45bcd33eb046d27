"""Photo uploads for every intake channel: JPEG, PNG or WebP (checked by content), at most 5 MB each, at
most 3 per case. A bad file refuses the whole submission before anything is stored.

Every photo is decoded and encoded again without its metadata (EXIF carries GPS positions and camera
serials), upright; one with more pixels than settings.upload_max_pixels is refused from its header,
before it is decoded. Files are stored once, readable by us only, under settings.data_dir/uploads/<sha256>;
a case keeps only Attachment records.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.config import defaults
from core.files import private_dir, write_private
from core.i18n import _
from core.messages import Attachment
from core.vocabulary import ErrorKind
from services.errors import ServiceError

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
MAX_REQUEST_BYTES = MAX_FILES * MAX_BYTES + 512 * 1024  # the photos plus the text fields
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
JPEG_QUALITY = 90


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
    folder = private_dir(data_dir / "uploads")
    for attachment, data in photos:
        target = folder / attachment.storage_key
        if not target.exists():
            write_private(target, data)  # atomic: a reader never sees half a photo
    return [attachment for attachment, _data in photos]


def path_of(data_dir: Path, sha256: str) -> Path | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    target = data_dir / "uploads" / sha256
    return target if target.is_file() else None


def check_photos(files: list[tuple[str, bytes]], limit: int = MAX_FILES,
                 max_pixels: int | None = None) -> list[tuple[Attachment, bytes]]:
    """Validated photos with their cleaned bytes (each read up to MAX_BYTES + 1); a 400 naming the first bad file."""
    max_pixels = max_pixels or defaults().upload_max_pixels
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
        clean = reencode(name, data, kind, max_pixels)
        photos.append((describe(name, clean, kind), clean))
    return photos


def reencode(name: str, data: bytes, kind: str, max_pixels: int) -> bytes:
    """The photo upright and without metadata, in its own format; a 400 for a bomb or a broken file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]]) as image:
                width, height = image.size  # read from the header: nothing is decoded yet
                if width * height > max_pixels:
                    raise _too_many_pixels(name, max_pixels)
                upright = ImageOps.exif_transpose(image)  # decodes; a copy whatever the orientation
        return _encode(upright, PIL_FORMATS[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ServiceError(ErrorKind.BAD_INPUT, _("The photo %(name)s is damaged and cannot be read.", name=name),
                           "undecodable image") from None


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Only the pixels (and a palette's transparency) go out: EXIF, XMP, ICC, text chunks and dates stay behind."""
    transparency = image.info.get("transparency")
    image.info = {"transparency": transparency} if transparency is not None else {}
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": JPEG_QUALITY} if fmt in ("JPEG", "WEBP") else {}
    image.save(out, fmt, **options)
    return out.getvalue()


def _too_many_pixels(name: str, max_pixels: int) -> ServiceError:
    return ServiceError(ErrorKind.BAD_INPUT,
                        _("The photo %(name)s has too many pixels (at most %(megapixels)s megapixels).",
                          name=name, megapixels=round(max_pixels / 1_000_000)),
                        "decompression bomb or oversized image")
