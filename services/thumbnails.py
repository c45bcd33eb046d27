"""Small previews of a case's photos for the case page, made once and kept next to the upload.

The caller has already checked that the user may see the case and that the photo is the case's
(web.routes.cases); this module only reads stored uploads and writes their previews.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from core.files import write_private
from services.uploads import path_of

THUMB_SIZE = (320, 320)  # px, the longest side; the page shows it at most 160 px wide (2x for sharp screens)
THUMB_QUALITY = 80


def thumbnail_of(data_dir: Path, sha256: str) -> Path | None:
    """The photo's preview (a JPEG under uploads/<sha256>.thumb.jpg), made on first use; None without the photo."""
    original = path_of(data_dir, sha256)
    if original is None:
        return None
    target = original.with_name(f"{sha256}.thumb.jpg")
    if not target.is_file():
        write_private(target, _preview(original))  # atomic: two first readers at once both write the same bytes
    return target


def _preview(original: Path) -> bytes:
    with Image.open(original) as image:  # stored photos were checked and cleaned at upload (services.uploads)
        image.draft("RGB", THUMB_SIZE)  # a JPEG decodes at a fraction of its size: fast for big photos
        image.thumbnail(THUMB_SIZE)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.getvalue()
