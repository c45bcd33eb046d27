"""Maps in Chromium with no tile server (the shipped boundary layer only): drop a pin on a phone, use my
location on the whistle form, the dashboard's hot spots, the public map. Screenshots under test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.sessions import PHONE, sign_in
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.browser


def _context(browser, live_site, **options):
    return browser.new_context(base_url=live_site.url, locale="zh-CN", **options)




def _ready(page, kind: str):
    box = page.locator(f'[data-map="{kind}"]')
    page.wait_for_selector(f'[data-map="{kind}"][data-ready]', timeout=10_000)
    assert box.get_attribute("data-error") is None
    return box


def test_report_at_390_px_drop_a_pin_and_submit(browser, live_site, artifacts_dir):
    context = _context(browser, live_site, viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto("/report")
    _ready(page, "pick")
    label = page.locator(".leaflet-tooltip.map-label", has_text="东关街道")
    label.scroll_into_view_if_needed()
    spot = label.bounding_box()
    page.touchscreen.tap(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] + 12)
    page.wait_for_function("() => document.querySelector('input[name=lng]').value !== ''", timeout=5_000)
    assert page.input_value('select[name="street_id"]') == "s-east-1"
    assert page.input_value('input[name="address"]') == "东城区东关街道"
    assert "东关街道" in page.locator(".map-note").inner_text()
    assert page.locator(".leaflet-marker-icon").count() == 1
    page.fill('textarea[name="description"]', "东关街道路灯坏了一排，晚上很黑，请尽快修理")
    page.fill('input[name="phone"]', "13812345678")
    page.screenshot(path=str(artifacts_dir / "map-report-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    lat = float(page.input_value('input[name="lat"]'))
    page.click('form[action="/report"] button[type="submit"]')
    page.wait_for_selector(".ticket-id", timeout=15_000)
    context.close()
    assert 36.60 < lat < 36.67


def test_whistle_form_uses_my_location(browser, live_site):
    context = _context(browser, live_site, viewport={"width": 1000, "height": 900}, permissions=["geolocation"],
                       geolocation={"latitude": 36.63, "longitude": 101.75})
    page = context.new_page()
    sign_in(page, "grid-east")
    page.goto("/whistle")
    _ready(page, "pick")
    page.click("button.map-locate")
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''", timeout=10_000)
    assert page.input_value('input[name="lat"]') == "36.630000"
    assert page.input_value('input[name="lng"]') == "101.750000"
    assert page.input_value('input[name="address"]') == "西城区西门街道"
    context.close()


def test_dashboard_hot_spots_and_public_map(browser, live_site, artifacts_dir):
    now = datetime.now(UTC)
    spots = [(36.6201, 101.7803)] * 3 + [(36.6262, 101.7851), (36.6405, 101.7422), (36.6305, 101.7502),
             (36.5803, 101.8404)]
    for i, (lat, lng) in enumerate(spots):
        closed = i % 2 == 0
        make_ticket(live_site.engine, f"M-{i}", lat=lat, lng=lng, received_at=now, category="urban",
                    street_id="s-east-1" if lng > 101.77 else "s-west-1",
                    stage="closed" if closed else "in_progress", published=closed, closed_at=now if closed else None)
    context = _context(browser, live_site, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, "supervisor")
    page.goto("/evaluation/dashboard")
    box = _ready(page, "hotspot")
    assert int(box.get_attribute("data-cells-drawn")) >= 3  # and the case filed on /report above
    assert page.locator('[data-map="hotspot"] path.leaflet-interactive').count() >= 3
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(artifacts_dir / "map-dashboard.png"))
    page.goto("/board/map")
    box = _ready(page, "public")
    page.wait_for_selector(f'[data-map="public"][data-loaded-points="{len(spots)}"]', timeout=10_000)
    assert page.locator('[data-map="public"] path.leaflet-interactive').count() >= len(spots)
    page.screenshot(path=str(artifacts_dir / "map-public.png"), full_page=True)
    context.close()
