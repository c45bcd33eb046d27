"""The 12345 operator's console in Chromium: taking a call, the caller's earlier tickets appear as the phone is
typed (htmx, issue 20), on a desktop and at 390 px; screenshots under test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.sessions import DESKTOP, PHONE, signed_in
from tests.browser.test_work_consoles_browser import HEADERS_ON_ONE_LINE, PAGE_WIDTH
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.browser
CALLER = "139 0000 7777"


@pytest.fixture(scope="module")
def a_caller_who_called_before(live_site):
    """Three earlier tickets of one caller (typed three ways) among 35 cases of other callers."""
    now = datetime.now(UTC)
    for i, typed in enumerate(("13900007777", "+86-139-0000-7777", "139 0000 7777")):
        make_ticket(live_site.engine, f"2026-1101-{i:06d}", complainant_phone=typed, stage="closed",
                    received_at=now - timedelta(days=30 - i), description=f"第{i + 1}次来电：楼下饭店油烟扰民")
    for i in range(35):
        make_ticket(live_site.engine, f"2026-1102-{i:06d}", complainant_phone=f"1380000{i:04d}",
                    received_at=now - timedelta(hours=i))
    return live_site


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "390px"])
def test_the_operator_sees_the_callers_earlier_tickets_while_typing(browser, a_caller_who_called_before,
                                                                    artifacts_dir, viewport):
    context, page = signed_in(browser, a_caller_who_called_before, "operator", viewport)
    page.goto("/intake/hotline")
    page.fill('input[name="phone"]', CALLER)
    history = page.locator(".caller-history tbody tr")
    history.first.wait_for(timeout=10_000)
    assert history.count() == 3
    assert "2026-1101-000002" in history.first.inner_text()  # newest first
    assert "2026-1102-" not in page.locator(".caller-history").inner_text()  # other callers stay out
    if viewport is PHONE:
        assert page.evaluate(HEADERS_ON_ONE_LINE) == []
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    name = "operator-hotline.png" if viewport is DESKTOP else "operator-hotline-390.png"
    page.screenshot(path=str(artifacts_dir / name), full_page=True)
    context.close()
