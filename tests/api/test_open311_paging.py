"""Open311 `GET requests.{json,xml}` in pages (GeoReport v2's page / page_size extension), on read-model rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import httpx
import pytest

from api.open311.routes import MAX_PAGE_SIZE
from app.main import create_app
from core.config import Settings
from tests.web.conftest import make_ticket

CASES = 23


@pytest.fixture
async def open311(engine, tmp_path):
    """The app without Temporal, over 23 tickets of which three share one received time (ties break by id)."""
    now = datetime.now(UTC)
    for n in range(CASES):
        received = now - timedelta(hours=min(n, 20))
        make_ticket(engine, f"2026-1130-{n:06d}", received_at=received, updated_at=received)
    make_ticket(engine, "2026-1130-secret", confidential=True, received_at=now, updated_at=now)
    app = create_app(Settings(environment="test", data_dir=tmp_path), engine=engine, temporal_client=object())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_pages_do_not_overlap_and_cover_every_request(open311):
    seen, url = [], "/open311/v2/requests.json?page_size=5"
    while url:
        response = await open311.get(url)
        assert response.status_code == 200, response.text
        seen += [r["service_request_id"] for r in response.json()]
        link = response.headers.get("link")
        url = link[1:link.index(">")] if link else ""
    assert len(seen) == len(set(seen)) == CASES
    assert "2026-1130-secret" not in seen
    assert seen[0] == "2026-1130-000000" and seen[-3:] == ["2026-1130-000022", "2026-1130-000021",
                                                           "2026-1130-000020"]  # newest first, then id
    third = await open311.get("/open311/v2/requests.json?page=3&page_size=5")
    assert [r["service_request_id"] for r in third.json()] == seen[10:15]
    assert (await open311.get("/open311/v2/requests.json?page=9&page_size=5")).json() == []


async def test_default_page_size_is_fifty_and_filters_still_apply(open311):
    response = await open311.get("/open311/v2/requests.json?status=open")
    assert len(response.json()) == CASES and "link" not in response.headers
    old = await open311.get("/open311/v2/requests.json?end_date="
                            + (datetime.now(UTC) - timedelta(hours=19, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert sorted(r["service_request_id"] for r in old.json()) == [f"2026-1130-{n:06d}" for n in (20, 21, 22)]


@pytest.mark.parametrize("query", [f"page_size={MAX_PAGE_SIZE + 1}", "page_size=0", "page=0", "page=-1",
                                   "page=two", "page_size=1.5"])
async def test_bad_paging_is_a_400_in_the_open311_error_format(open311, query):
    response = await open311.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json()[0]["code"] == 400 and name in response.json()[0]["description"]
    xml = await open311.get(f"/open311/v2/requests.xml?{query}")
    assert xml.status_code == 400 and ET.fromstring(xml.content).findtext("error/code") == "400"


async def test_xml_pages_too(open311):
    first = await open311.get("/open311/v2/requests.xml?page_size=20")
    second = await open311.get("/open311/v2/requests.xml?page=2&page_size=20")
    ids = [e.text for e in ET.fromstring(first.content).iter("service_request_id")]
    more = [e.text for e in ET.fromstring(second.content).iter("service_request_id")]
    assert len(ids) == 20 and len(more) == 3 and not set(ids) & set(more)
    assert "requests.xml?" in first.headers["link"] and "page=2" in first.headers["link"]
    assert "link" not in second.headers
