"""At 390 px (a phone): table headers keep their words on one line, menu links are never split, and the
page itself never scrolls sideways (a wide table scrolls inside its own box). Screenshots for people to look at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.sessions import PHONE, signed_in
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.browser

# Every <th> and menu link that is taller than one line of its own text, or whose text overflows it.
BROKEN = """() => {
  const out = [];
  const lineHeight = el => parseFloat(getComputedStyle(el).lineHeight)
                           || 1.5 * parseFloat(getComputedStyle(el).fontSize);
  for (const el of document.querySelectorAll('th, header.top nav a, header.top .account > *')) {
    const rects = el.getClientRects();
    const height = el.getBoundingClientRect().height;
    const padding = parseFloat(getComputedStyle(el).paddingTop) + parseFloat(getComputedStyle(el).paddingBottom);
    if (rects.length > 1 || height - padding > 1.6 * lineHeight(el) || el.scrollWidth > el.clientWidth + 1)
      out.push(el.tagName + ': ' + el.textContent.trim());
  }
  return out;
}"""




def _fits(page, path: str = "") -> None:
    assert page.evaluate(BROKEN) == [], path
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (path, wide)


def test_case_page_and_menu_at_390_px(browser, live_site, artifacts_dir):
    now = datetime.now(UTC)
    dues = [now + timedelta(days=d) for d in (1, 3, 5, 7)]
    make_ticket(live_site.engine, "2026-0101-390001", colour="yellow", closure_deadline=dues[-1],
                accept_deadline=now + timedelta(hours=4), street_id="s-east-1", state={
                    "checkpoints": [{"index": i + 1, "due": d.isoformat(), "colour": "yellow" if i == 0 else None,
                                     "note": "no progress since the previous checkpoint" if i == 0 else ""}
                                    for i, d in enumerate(dues)]})
    context, page = signed_in(browser, live_site, "supervisor", PHONE)
    try:
        for lang in ("zh", "en"):
            for path in ("/cases/2026-0101-390001", "/supervise", "/supervise/suspect", "/evaluation",
                         "/public/rankings", "/report"):
                page.goto(f"{path}?lang={lang}")
                _fits(page, path)
        page.goto("/cases/2026-0101-390001?lang=zh")
        page.screenshot(path=str(artifacts_dir / "mobile-case-390.png"), full_page=True)
        page.goto("/supervise?lang=en")
        page.screenshot(path=str(artifacts_dir / "mobile-nav-390.png"))
    finally:
        context.close()
