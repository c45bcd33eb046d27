"""Charts of the evaluation pages as inline SVG, drawn on the server: no script, no asset from elsewhere.

Every label is escaped; each chart carries a <title> per mark so a hover shows the exact figure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from markupsafe import Markup, escape

BAR = "#0b5cad"
SERIES = ("#0b5cad", "#2e7d32", "#b58100", "#c62828")
FONT = 'font-family="sans-serif" font-size="12"'
LINE = 14  # px between the lines of a wrapped label
LABEL_COLUMNS = 28  # a bar's name column (184 px at 12 px) in Latin letters; a Chinese character counts two


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" class="chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">' + "".join(body) + "</svg>"
    )


def bars(items: Sequence[tuple[str, float | None, str]], *, label: str, maximum: float | None = None,
         width: int = 520) -> Markup:
    """Horizontal bars: (label, value, shown text); a None value draws no bar and shows its text ("—")."""
    row, left, right = 22, 190, 70
    if not items:
        return _svg(width, 30, [f'<text x="8" y="20" {FONT}>—</text>'], label)
    top = max((v for _, v, _ in items if v is not None), default=0)
    scale = maximum if maximum else (top or 1)
    body, y = [], 4
    for name, value, text in items:
        length = 0 if value is None else max(0.0, value) / scale * (width - left - right)
        name_lines = _wrap(name)
        spans = "".join(f'<tspan x="{left - 6}" dy="{0 if n == 0 else LINE}">{escape(part)}</tspan>'
                        for n, part in enumerate(name_lines))
        body.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" {FONT}>{spans}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{row - 8}" fill="{BAR}">'
                    f'<title>{escape(name)}: {escape(text)}</title></rect>')
        body.append(f'<text x="{left + length + 4:.1f}" y="{y + 13}" {FONT}>{escape(text)}</text>')
        y += row + LINE * (len(name_lines) - 1)
    return _svg(width, max(y + 4, 30), body, label)


def lines(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, label: str,
          width: int = 560, height: int = 220) -> Markup:
    """Rates (0..1) over months, one polyline per series; a None breaks the line (month without figures)."""
    left, right, top, bottom = 44, 130, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)
    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dbe1"/>')
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{int(tick * 100)}%</text>')
    for i, month in enumerate(labels):
        body.append(f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle" {FONT}>'
                    f'{escape(month)}</text>')
    for n, (name, values) in enumerate(series.items()):
        colour = SERIES[n % len(SERIES)]
        segment: list[str] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if len(segment) > 1:
                    body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                                f'points="{" ".join(segment)}"/>')
                segment = []
                continue
            x, y = left + i * step, top + plot_h * (1 - value)
            segment.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                        f'<title>{escape(name)} {escape(labels[i])}: {value * 100:.2f}%</title></circle>')
        y = top + 14 + n * 18
        body.append(f'<rect x="{left + plot_w + 10}" y="{y - 9}" width="12" height="4" fill="{colour}"/>')
        body.append(f'<text x="{left + plot_w + 26}" y="{y - 4}" {FONT}>{escape(name)}</text>')
    return _svg(width, height, body, label)


def dots(points: Sequence[tuple[float, float, int]], *, label: str, width: int = 420, height: int = 320) -> Markup:
    """Cases on a plain lat/lng grid (no base map: no tiles from the internet); area grows with the count."""
    if not points:
        return _svg(width, 40, [f'<text x="8" y="24" {FONT}>—</text>'], label)
    pad = 18
    lats, lngs = [p[0] for p in points], [p[1] for p in points]
    lat0, lat1, lng0, lng1 = min(lats), max(lats), min(lngs), max(lngs)
    span = max(lat1 - lat0, lng1 - lng0, 0.01)
    most = max(p[2] for p in points)
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f7f9" stroke="#d5dbe1"/>']
    for lat, lng, n in points:
        x = pad + (lng - lng0) / span * (width - 2 * pad)
        y = height - pad - (lat - lat0) / span * (height - 2 * pad)
        r = 3 + 12 * math.sqrt(n / most)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{SERIES[3]}" fill-opacity="0.55">'
                    f'<title>{lat:.2f}, {lng:.2f}: {n}</title></circle>')
    return _svg(width, height, body, label)


def _width(text: str) -> int:
    """Columns at the chart's font: a Chinese character takes two, a Latin letter one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, columns: int = LABEL_COLUMNS, most: int = 3) -> list[str]:
    """A bar's name on up to `most` lines, broken between words (anywhere in Chinese): never cut short,
    so "Urban management" reads whole in English; only a name longer than `most` lines ends in "…"."""
    lines, line = [], ""
    for token in re.findall(r"\S+\s*|\s+", text) if " " in text else list(text):
        if line and _width(line + token.rstrip()) > columns:
            lines.append(line.rstrip())
            line = ""
        line += token
    lines.append(line.rstrip())
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: max(1, len(lines[-1]) - 1)] + "…"
    return [part for part in lines if part] or [""]
