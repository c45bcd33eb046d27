"""Photo uploads of the intake forms: at most 3 per case, each checked by api.uploads (JPEG, PNG or
WebP by content, at most 5 MB). A bad file refuses the whole submission before anything is stored."""

from __future__ import annotations

from starlette.datastructures import UploadFile

from api.errors import PageError
from api.uploads import MAX_BYTES, describe, path_of, sniff, store
from core.i18n import _
from core.messages import Attachment

MAX_FILES = 3
MAX_REQUEST_BYTES = MAX_FILES * MAX_BYTES + 512 * 1024  # the photos plus the text fields

__all__ = ["MAX_BYTES", "MAX_FILES", "MAX_REQUEST_BYTES", "path_of", "read_photos", "store"]


async def read_photos(files: list[UploadFile]) -> list[tuple[Attachment, bytes]]:
    """Validated photos with their bytes; raises a 400 PageError naming the first bad file."""
    files = [f for f in files if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES:
        raise PageError(400, _("At most %(count)s photos may be attached.", count=MAX_FILES))
    photos = []
    for upload in files:
        data = await upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise PageError(400, _("The photo %(name)s is larger than 5 MB.", name=upload.filename))
        kind = sniff(data[:16])
        if kind is None:
            raise PageError(400, _("The file %(name)s is not a JPEG, PNG or WebP photo.", name=upload.filename))
        photos.append((describe(upload.filename, data, kind), data))
    return photos
