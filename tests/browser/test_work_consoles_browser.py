"""The handler inbox, the supervisor board and the street's whistles in Chromium with a busy shift's load
(35+ cases each), on a desktop and at 390 px; screenshots under test-artifacts/ for people to look at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.sessions import DESKTOP, PHONE, signed_in
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.browser
HEADERS_ON_ONE_LINE = "() => [...document.querySelectorAll('th')].filter(th => th.getClientRects().length > 1"\
                      " || th.getBoundingClientRect().height > 3 * parseFloat(getComputedStyle(th).fontSize))"\
                      ".map(th => th.textContent)"
PAGE_WIDTH = "() => document.scrollingElement.scrollWidth"


COLOURS = ("green", "yellow", "red")
REASON = "需第三方检测机构出具报告后才能确定整改方案"
WHISTLE = "建设路与和平街路口第{n}处占道经营，摊位摆到人行道中间，行人只能走机动车道，早晚高峰很危险"


@pytest.fixture(scope="module")
def busy_shift(live_site):
    """37 new cases and 12 in hand for the ecology bureau, 40 stalled cases and 3 requests on the board,
    36 whistles of the east street, some waiting for its review or rating."""
    now = datetime.now(UTC)
    _seed_inbox(live_site.engine, now)
    _seed_board(live_site.engine, now)
    for i in range(36):
        make_ticket(live_site.engine, f"W-{i:03d}", channel="whistle", whistle_unit_id="s-east-1",
                    street_id="s-east-1", stage=("review", "rating", "in_progress", "received")[i % 4],
                    cooperating_unit_ids=[], primary_unit_id="d-east-urban", received_at=now - timedelta(hours=i * 5),
                    description=WHISTLE.format(n=i + 1))
    return live_site


def _seed_inbox(engine, now: datetime) -> None:
    for i in range(37):
        make_ticket(engine, f"N-{i:03d}", stage="dispatched", dispatched_at=now - timedelta(hours=i % 20),
                    accept_deadline=now + timedelta(hours=24 - i % 20 * 1.3), reopen_count=int(i % 9 == 0),
                    closure_deadline=now + timedelta(days=10), next_checkpoint_at=now + timedelta(days=2))
    for i in range(12):
        make_ticket(engine, f"H-{i:03d}", colour=COLOURS[i % 3], dispatched_at=now - timedelta(days=4),
                    closure_deadline=now + timedelta(days=i - 2), next_checkpoint_at=now + timedelta(hours=5 + i * 7),
                    overdue=i < 2, wait_kind="rework" if i == 5 else "", wait_due=now + timedelta(days=1),
                    primary_unit_id="dept-market" if i % 4 == 3 else "dept-ecology",
                    cooperating_unit_ids=["dept-ecology"])


def _seed_board(engine, now: datetime) -> None:
    for i in range(40):
        checkpoints = [{"index": n, "colour": COLOURS[(i + n) % 3] if n <= i % 4 else None,
                        "due": (now + timedelta(days=n - 2)).isoformat()} for n in (1, 2, 3, 4)]
        make_ticket(engine, f"S-{i:03d}", colour=COLOURS[i % 3], state={"checkpoints": checkpoints},
                    primary_unit_id=("dept-housing", "d-east-urban")[i % 2], overdue=i < 5, escalated=i % 7 == 0,
                    closure_deadline=now + timedelta(hours=i * 6 - 30), dispatched_at=now - timedelta(days=5),
                    next_checkpoint_at=now + timedelta(hours=i * 3 + 1),
                    wait_kind="review" if i % 5 == 2 else "", wait_due=now + timedelta(hours=i - 10))
    for i, kind in enumerate(("extension", "bounce", "pause")):
        make_ticket(engine, f"R-{i:03d}", pending_request=kind, primary_unit_id="dept-housing",
                    state={"pending": {"kind": kind, "reason": REASON, "extra": "3wd"}},
                    wait_kind=kind, wait_due=now + timedelta(hours=20 - i * 9))




def _check_phone(page, path: str, shot) -> None:
    page.goto(path)
    assert page.evaluate(HEADERS_ON_ONE_LINE) == []
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]  # the table scrolls in its own box, not the page
    page.screenshot(path=str(shot), full_page=True)


def test_inbox_with_a_busy_shift(browser, busy_shift, artifacts_dir):
    context, page = signed_in(browser, busy_shift, "h-ecology", DESKTOP)
    page.goto("/inbox")
    assert page.locator(".queue-summary .count").first.inner_text() == "37"
    assert page.locator("#work-new tbody tr").count() == 37
    assert page.locator('#work-new [data-why="reopened"]').count() == 5
    page.screenshot(path=str(artifacts_dir / "inbox.png"), full_page=True)
    page.click(".tabs a:nth-child(2)")
    page.select_option('select[name="colour"]', "red")
    page.click(".filters button[type=submit]")
    page.wait_for_load_state()
    assert "colour=red" in page.url and "tab=working" in page.url
    assert page.locator("#work-working tbody tr").count() == 4
    page.select_option('select[name="unit"]', "dept-market")
    page.click(".filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#work-working tbody tr").count() == 1  # H-011: the market's, red
    context.close()
    context, phone = signed_in(browser, busy_shift, "h-ecology", PHONE)
    _check_phone(phone, "/inbox", artifacts_dir / "inbox-390.png")
    context.close()


def test_supervisor_board_with_a_busy_shift(browser, busy_shift, artifacts_dir):
    context, page = signed_in(browser, busy_shift, "supervisor", DESKTOP)
    page.goto("/supervise?tab=board")
    rows = page.locator("#work-board tbody tr")
    assert rows.count() >= 35 and page.locator(".legend").is_visible()
    assert rows.first.get_attribute("data-ticket").startswith("S-00")  # overdue first
    page.screenshot(path=str(artifacts_dir / "supervise.png"), full_page=True)
    page.goto("/supervise")
    assert page.locator("#work-requests tbody tr").count() == 3  # the requests' tab first while any wait
    context.close()
    context, phone = signed_in(browser, busy_shift, "supervisor", PHONE)
    _check_phone(phone, "/supervise?tab=board", artifacts_dir / "supervise-390.png")
    context.close()


def test_street_whistles_and_inbox(browser, busy_shift, artifacts_dir):
    context, page = signed_in(browser, busy_shift, "street-east", DESKTOP)
    page.goto("/inbox")
    assert page.locator('[data-why="whistle_review"]').count() == 9
    assert page.locator('[data-why="whistle_rate"]').count() == 9
    page.goto("/whistles")
    assert page.locator("#work-whistles tbody tr").count() == 36
    assert "第1处占道经营" in page.locator("#work-whistles").inner_text()
    page.screenshot(path=str(artifacts_dir / "whistles.png"), full_page=True)
    context.close()
    context, phone = signed_in(browser, busy_shift, "street-east", PHONE)
    _check_phone(phone, "/inbox", artifacts_dir / "street-inbox-390.png")
    _check_phone(phone, "/whistles", artifacts_dir / "whistles-390.png")
    context.close()
