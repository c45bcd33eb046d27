"""Maps: the boundary layer, the public map's data, the CSP for a tile server, the map boxes on the pages."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.main import create_app
from core.config import Settings
from services import maps
from tests.web.conftest import Site, make_ticket

OUTSIDE = re.compile(r'(src|href|action)="(https?:)?//')
DEMO_UNITS = maps.DEMO_BOUNDARIES.parent / "units.csv"


async def test_boundaries_cover_the_demo_districts_and_streets_without_overlap(site_without_temporal):
    client = site_without_temporal.client()
    response = await client.get("/maps/boundaries.geojson")
    assert response.status_code == 200 and response.headers["content-type"] == "application/geo+json"
    doc = response.json()
    with DEMO_UNITS.open(encoding="utf-8") as f:
        areas = {r["id"]: r for r in csv.DictReader(f) if r["kind"] in maps.AREA_KINDS}
    assert doc["type"] == "FeatureCollection"
    assert {f["properties"]["id"] for f in doc["features"]} == set(areas)
    for feature in doc["features"]:
        props, ring = feature["properties"], feature["geometry"]["coordinates"][0]
        assert props["name_zh"] == areas[props["id"]]["name_zh"] and ring[0] == ring[-1] and len(ring) >= 4
    assert maps.street_at(doc, 36.62, 101.78) == "s-east-1"  # the point the API tests file cases at
    west, south, east, north = maps.bounding_box(doc)
    streets = [f for f in doc["features"] if f["properties"]["kind"] != "district"]
    for i in range(40):
        for j in range(40):
            lng, lat = west + (east - west) * (i + .5) / 40, south + (north - south) * (j + .5) / 40
            assert sum(maps._inside(f["geometry"], lng, lat) for f in streets) <= 1, (lat, lng)
    config = (await client.get("/maps/config.json")).json()
    assert config["tiles"] == "" and config["boundaries"] == "/maps/boundaries.geojson"
    assert config["bounds"] == [[south, west], [north, east]]


async def test_public_map_rounds_points_and_carries_no_personal_data(site_without_temporal, monkeypatch):
    engine, now = site_without_temporal.engine, datetime.now(UTC)
    point = dict(lat=36.6234567, lng=101.7812345, address="建设路12号3单元501 张三家", category="ecology")
    make_ticket(engine, "T-CLOSED", stage="closed", published=True, closed_at=now, **point)
    make_ticket(engine, "T-OPEN", stage="in_progress", received_at=now - timedelta(hours=1), **point)
    make_ticket(engine, "T-SECRET", stage="in_progress", confidential=True, **point)
    make_ticket(engine, "T-NEW", stage="received", **point)  # not yet checked by a dispatcher
    make_ticket(engine, "T-UNPUBLISHED", stage="closed", published=False, **point)
    make_ticket(engine, "T-OLD", stage="in_progress", received_at=now - timedelta(days=100), **point)
    make_ticket(engine, "T-NOWHERE", stage="in_progress")
    client = site_without_temporal.client()
    response = await client.get("/board/map.geojson")
    assert response.status_code == 200
    doc = response.json()
    assert [f["properties"]["status"] for f in doc["features"]] == ["closed", "open"] and doc["next_page"] is None
    for feature in doc["features"]:
        assert feature["geometry"]["coordinates"] == [101.781, 36.623]
        assert set(feature["properties"]) <= {"status", "category", "day", "id"}
    assert doc["features"][0]["properties"]["id"] == "T-CLOSED" and "id" not in doc["features"][1]["properties"]
    for personal in ("张三", "13812345678", "建设路", "测试诉求", "36.6234", "T-OPEN", "T-SECRET"):
        assert personal not in response.text
    monkeypatch.setattr(maps, "PUBLIC_PAGE_SIZE", 1)
    first = (await client.get("/board/map.geojson?page=1")).json()
    second = (await client.get("/board/map.geojson?page=2")).json()
    assert (len(first["features"]), first["next_page"], len(second["features"]), second["next_page"]) == (1, 2, 1, None)
    for page in (0, maps.PUBLIC_MAX_PAGES + 1):
        assert (await client.get(f"/board/map.geojson?page={page}")).status_code == 400


async def test_csp_allows_the_tile_server_only_when_one_is_set(seeded, settings):
    default = Site(create_app(settings, engine=seeded, temporal_client=object()), seeded, settings, None)
    csp = (await default.client().get("/report")).headers["content-security-policy"]
    assert "img-src 'self' data:;" in csp
    tiled = settings.model_copy(update={"map_tile_url": "http://t{s}.tiles.city.gov.cn/vec/{z}/{x}/{y}.png?tk=1",
                                        "map_tile_attribution": "市测绘院"})
    site = Site(create_app(tiled, engine=seeded, temporal_client=object()), seeded, tiled, None)
    client = site.client()
    csp = (await client.get("/report")).headers["content-security-policy"]
    assert "img-src 'self' data: http://*.tiles.city.gov.cn;" in csp and "script-src 'self';" in csp
    assert (await client.get("/maps/config.json")).json()["tiles"] == tiled.map_tile_url
    with pytest.raises(ValidationError):
        Settings(map_tile_url="javascript:alert(1)")


async def test_no_page_names_another_site_and_map_pages_load_the_vendored_leaflet(site_without_temporal):
    engine = site_without_temporal.engine
    make_ticket(engine, "T-1", lat=36.6201, lng=101.7803, street_id="s-east-1", received_at=datetime.now(UTC))
    public = site_without_temporal.client()
    supervisor = await site_without_temporal.signed_in("supervisor")
    grid = await site_without_temporal.signed_in("grid-east")
    pages = {"/": public, "/report": public, "/board": public, "/board/map": public, "/track": public,
             "/whistle": grid, "/cases/T-1": supervisor, "/evaluation/dashboard": supervisor}
    for path, client in pages.items():
        response = await client.get(path)
        assert response.status_code == 200, path
        assert not OUTSIDE.search(response.text), path
    for path, kind in (("/report", "pick"), ("/whistle", "pick"), ("/board/map", "public"),
                       ("/cases/T-1", "case"), ("/evaluation/dashboard", "hotspot")):
        html = (await pages[path].get(path)).text
        assert f'data-map="{kind}"' in html and '/static/vendor/leaflet-1.9.4/leaflet.js' in html, path
        assert '<script src="/static/map.js" defer>' in html and " style=" not in html, path
    for asset in ("/static/vendor/leaflet-1.9.4/leaflet.js", "/static/vendor/leaflet-1.9.4/LICENSE",
                  "/static/vendor/leaflet-1.9.4/images/marker-icon.png", "/static/map.js"):
        assert (await public.get(asset)).status_code == 200, asset


async def test_case_page_keeps_the_coordinates_as_text_beside_its_map(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1", lat=36.6201, lng=101.7803)
    make_ticket(site_without_temporal.engine, "T-2")
    supervisor = await site_without_temporal.signed_in("supervisor")
    html = (await supervisor.get("/cases/T-1")).text
    assert "(36.6201, 101.7803)" in html
    assert re.search(r'data-map="case"[^>]*data-point=\'\[36.6201, 101.7803\]\'', html, re.S)
    assert 'data-map="case"' not in (await supervisor.get("/cases/T-2")).text  # no point, no map


async def test_dashboard_hands_the_hot_spot_counts_to_its_map(site_without_temporal):
    now = datetime.now(UTC)
    for i in range(3):
        make_ticket(site_without_temporal.engine, f"T-{i}", lat=36.6201, lng=101.7803, street_id="s-east-1",
                    received_at=now)
    supervisor = await site_without_temporal.signed_in("supervisor")
    html = (await supervisor.get("/evaluation/dashboard")).text
    cells = json.loads(re.search(r"data-cells='([^']*)'", html).group(1))
    streets = json.loads(re.search(r"data-streets='([^']*)'", html).group(1))
    assert cells == [[36.62, 101.78, 3]] and ["s-east-1", 3] in streets
    assert "<svg" in html  # the dots stay as the picture without JavaScript


async def test_a_point_s_day_is_the_city_s_calendar_day(site_without_temporal):
    """A case received at 20:00 UTC on 30 November was received on 1 December in Beijing: the day the board shows."""
    late = datetime.now(UTC).replace(hour=20, minute=0, second=0, microsecond=0) - timedelta(days=1)
    make_ticket(site_without_temporal.engine, "T-LATE", stage="in_progress", received_at=late, lat=36.62, lng=101.78)
    doc = (await site_without_temporal.client().get("/board/map.geojson")).json()
    assert doc["features"][0]["properties"]["day"] == (late + timedelta(hours=8)).date().isoformat()
