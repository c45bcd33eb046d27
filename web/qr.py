"""QR codes as inline SVG, drawn here by segno: no image service, no file, nothing leaves the site.

The catalog's public item page prints one so a poster or a paper list links back to the item.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

QR_SCALE = 4
QR_BORDER = 2


def qr_svg(data: str, title: str = "") -> Markup:
    """An <svg> element (no XML declaration) encoding `data` with medium error correction."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(scale=QR_SCALE, border=QR_BORDER, svgclass="qr", title=title or None)
    return Markup(svg)
