"""Map data for web/static/map.js (tile settings, the boundary layer) and the public map of cases.

Everything here is public and carries no personal data: the boundaries are the city's districts and
streets, the public map's points are rounded and bare (services.maps).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from http_common.deps import SessionDep, SettingsDep
from services import maps
from web.templating import render

router = APIRouter()
GEOJSON = "application/geo+json"


@router.get("/maps/config.json")
def map_config(settings: SettingsDep):
    return JSONResponse({**maps.map_config(settings), "boundaries": "/maps/boundaries.geojson"},
                        headers={"Cache-Control": "public, max-age=300"})


@router.get("/maps/boundaries.geojson")
def boundaries(settings: SettingsDep):
    return JSONResponse(maps.boundaries(settings), media_type=GEOJSON,
                        headers={"Cache-Control": "public, max-age=3600"})


@router.get("/board/map")
def public_map(request: Request):
    return render(request, "board_map.html", {"window_days": maps.PUBLIC_WINDOW_DAYS})


@router.get("/board/map.geojson")
def public_map_points(session: SessionDep, settings: SettingsDep, page: int = 1):
    """One bounded page of points; `next_page` says whether another follows."""
    return JSONResponse(maps.public_cases(session, page, timezone=settings.timezone), media_type=GEOJSON,
                        headers={"Cache-Control": "public, max-age=60"})
