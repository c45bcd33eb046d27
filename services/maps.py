"""Data for the maps (web/static/map.js): the tile settings, the boundary layer, the public map of cases.

The boundary layer is a GeoJSON file (the demo city's schematic one unless MAP_BOUNDARIES_PATH names the
city's own). The public map gets no personal data: coordinates rounded (core.masking), no text, no address.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from core.catalog import CATEGORY_LABELS
from core.config import Settings
from core.i18n import _, current_locale
from core.masking import round_coordinate
from core.messages import Stage
from core.models.tickets import Ticket
from core.vocabulary import WORKING_STAGES, ErrorKind, values
from services.errors import ServiceError

DEMO_BOUNDARIES = Path(__file__).resolve().parent.parent / "core" / "demo_catalog" / "boundaries.geojson"
PUBLIC_PAGE_SIZE = 500  # cases per GeoJSON page of the public map
PUBLIC_MAX_PAGES = 20  # the public map shows at most the 10,000 newest cases of its window
PUBLIC_WINDOW_DAYS = 90  # cases received in the last 90 days
# Open on the public map: a dispatcher has taken the case on (a new, unchecked report is not shown).
PUBLIC_OPEN_STAGES = (Stage.DISPATCHED.value, *values(WORKING_STAGES))
AREA_KINDS = ("district", "street", "township")


def map_config(settings: Settings) -> dict:
    """What map.js needs besides the boundaries: the tile template (empty: none) and where the city is."""
    west, south, east, north = bounding_box(boundaries(settings))
    return {
        "tiles": settings.map_tile_url,
        "attribution": settings.map_tile_attribution,
        "max_zoom": settings.map_tile_max_zoom,
        "bounds": [[south, west], [north, east]],
    }


def boundaries(settings: Settings) -> dict:
    """The district and street polygons as a GeoJSON FeatureCollection (read once per file)."""
    return _read_boundaries(settings.map_boundaries_path or str(DEMO_BOUNDARIES))


@lru_cache(maxsize=4)
def _read_boundaries(path: str) -> dict:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ServiceError(ErrorKind.UNAVAILABLE, _("The map's boundary layer cannot be read."), str(exc)) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if doc.get("type") != "FeatureCollection" or not isinstance(features, list) or not all(
            _is_area(f) for f in features):
        raise ServiceError(ErrorKind.UNAVAILABLE, _("The map's boundary layer cannot be read."),
                           f"{path}: not a FeatureCollection of named district and street polygons")
    return doc


def _is_area(feature) -> bool:
    props = feature.get("properties") or {} if isinstance(feature, dict) else {}
    geometry = feature.get("geometry") or {} if isinstance(feature, dict) else {}
    return (bool(props.get("id")) and bool(props.get("name_zh")) and props.get("kind") in AREA_KINDS
            and geometry.get("type") in ("Polygon", "MultiPolygon"))


def bounding_box(doc: dict) -> tuple[float, float, float, float]:
    """(west, south, east, north) of every polygon in the collection."""
    points = [p for f in doc["features"] for ring in _rings(f["geometry"]) for p in ring]
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lngs), min(lats), max(lngs), max(lats)


def street_at(doc: dict, lat: float, lng: float) -> str | None:
    """The id of the street (or township) whose polygon holds the point, as map.js suggests it."""
    for feature in doc["features"]:
        if feature["properties"]["kind"] != "district" and _inside(feature["geometry"], lng, lat):
            return feature["properties"]["id"]
    return None


def _rings(geometry: dict) -> list:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def _inside(geometry: dict, x: float, y: float) -> bool:
    """Even-odd ray casting over every ring: holes count as outside."""
    inside = False
    for ring in _rings(geometry):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def public_cases(session: Session, page: int = 1, now: datetime | None = None, timezone: str = "Asia/Shanghai"
                 ) -> dict:
    """One page of the public map: open and published closed cases of the window, newest first.

    Each point is rounded to about 100 m and carries its status, category and day only (a closed
    case also its number, as on the public board): no text, no address, no person."""
    if not 1 <= page <= PUBLIC_MAX_PAGES:
        raise ServiceError(ErrorKind.BAD_INPUT, _("No such page of the map."), f"page {page}")
    since = (now or datetime.now(UTC)) - timedelta(days=PUBLIC_WINDOW_DAYS)
    shown = or_(and_(Ticket.stage == Stage.CLOSED.value, Ticket.published == True),  # noqa: E712
                and_(col(Ticket.stage).in_(PUBLIC_OPEN_STAGES), Ticket.confidential == False))  # noqa: E712
    stmt = (select(Ticket.id, Ticket.stage, Ticket.lat, Ticket.lng, Ticket.category, Ticket.received_at)
            .where(Ticket.received_at >= since, col(Ticket.lat).is_not(None), col(Ticket.lng).is_not(None), shown)
            .order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
            .offset((page - 1) * PUBLIC_PAGE_SIZE).limit(PUBLIC_PAGE_SIZE + 1))
    rows = session.exec(stmt).all()
    more = len(rows) > PUBLIC_PAGE_SIZE and page < PUBLIC_MAX_PAGES
    return {"type": "FeatureCollection", "page": page, "next_page": page + 1 if more else None,
            "features": [_public_point(*row, zone=ZoneInfo(timezone)) for row in rows[:PUBLIC_PAGE_SIZE]]}


def _public_point(ticket_id: str, stage: str, lat: float, lng: float, category: str, received: datetime, *,
                  zone: ZoneInfo) -> dict:
    closed = stage == Stage.CLOSED.value
    labels = CATEGORY_LABELS.get(category or "")
    properties = {
        "status": "closed" if closed else "open",
        "category": (labels[0] if current_locale() == "zh_Hans" else labels[1]) if labels else "",
        "day": received.astimezone(zone).date().isoformat(),  # the city's calendar day, as the board shows it
    }
    if closed:
        properties["id"] = ticket_id
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Point", "coordinates": [round_coordinate(lng), round_coordinate(lat)]}}
