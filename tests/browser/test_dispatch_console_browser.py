"""The dispatch console in Chromium at a busy shift's size: 36 cases filed through the public form, the oldest
confirmed with the keyboard only, screenshots at desktop width and at 390 px (test-artifacts/)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.browser
PASSWORD = "test-pass-123"
CASES = 36  # as many as GRIEVANCES
# (text, category): 34 different grievances, and the first one twice more in other words (near-duplicates)
GRIEVANCES = [
    ("建设路饭店油烟很大，晚上十点还在排油烟", "ecology"), ("建设路饭店油烟太大了，晚上还在排油烟", "ecology"),
    ("建设路那家饭店的油烟很大，晚上十点多还在排", "ecology"), ("超市卖过期食品，没人管", "market"),
    ("早市摊贩占道经营，行人只能走机动车道", "urban"), ("楼上邻里纠纷，半夜吵闹摔东西", ""),
    ("小区垃圾三天没人清运，卫生很差", "social"), ("楼道里闻到燃气味，怀疑燃气泄漏", "utilities"),
    ("隔壁院子私搭违建两层小楼", "urban"), ("烧烤店油烟直排进居民窗户", "ecology"),
    ("菜市场卖的肉有异味，怀疑是过期冷冻肉", "market"), ("学校门口流动摊贩占道卖零食", "urban"),
    ("邻居在公共楼道堆放杂物引发纠纷", ""), ("公园旁垃圾桶满溢，苍蝇很多", "social"),
    ("锅炉房附近燃气管道有嘶嘶声", "utilities"), ("顶楼住户在楼顶加盖违建阳光房", "urban"),
    ("火锅店后厨油烟管道漏油", "ecology"), ("网购的月饼过期了商家不退", "market"),
    ("地铁口三轮车占道卖水果", "urban"), ("两户邻居因停车位发生纠纷", ""),
    ("河边绿地上有人倾倒建筑垃圾", "social"), ("餐馆液化气罐摆在门外，担心泄漏", "utilities"),
    ("工地夜间施工噪音太大影响睡眠", ""), ("路灯坏了一个星期没人修", ""),
    ("公交站台的雨棚玻璃碎了", ""), ("小区门口井盖松动，车过时哐哐响", ""),
    ("自来水发黄，烧开后有沉淀", ""), ("电梯经常停在两层之间", ""),
    ("物业乱收停车费", ""), ("共享单车堆满人行道", "urban"),
    ("广场舞音响声音太大", ""), ("楼下理发店占用消防通道", ""),
    ("雨后路面积水很深，车辆熄火", ""), ("宠物狗不拴绳，吓到小孩", ""),
    ("幼儿园附近有人卖过期零食", "market"), ("河道里有死鱼，散发臭味", "ecology"),
]
# A <th> taller than one line of its text, or whose text overflows it.
BROKEN_HEADERS = """() => [...document.querySelectorAll('th')].filter(th => {
  const style = getComputedStyle(th);
  const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
  const inner = th.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return th.getClientRects().length > 1 || inner > 1.6 * line || th.scrollWidth > th.clientWidth + 1;
}).map(th => th.textContent.trim())"""


def _file(base_url: str, i: int) -> None:
    text, category = GRIEVANCES[i]
    street = ("s-east-1", "s-west-1")[i % 2] if i > 2 else "s-east-1"
    with httpx.Client(base_url=base_url, timeout=30) as client:
        form = client.get("/report").text
        fields = dict(re.findall(r'name="(csrf_token|idempotency_key)" value="([^"]+)"', form))
        response = client.post("/report", data={**fields, "description": text,
                                                "address": f"青川市某路{i + 1}号", "street_id": street,
                                                "category": category, "name": "张三", "phone": "13812345678"})
        assert response.status_code == 200, response.text[-300:]


def _wait_for_routed(live_site, count: int, timeout: float = 60) -> None:
    from sqlmodel import Session, func, select

    from core.models.tickets import Ticket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(live_site.engine) as session:
            routed = session.exec(select(func.count()).where(Ticket.stage == "received", Ticket.last_seq >= 2)).one()
        if routed >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"only {routed} of {count} cases were received and routed")


def _wait(check, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _signed_in(browser, live_site, viewport: dict):
    context = browser.new_context(base_url=live_site.url, locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.goto("/login")
    page.fill('input[name="username"]', "dispatcher")
    page.fill('input[name="password"]', PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    return context, page


def test_busy_console_confirms_by_keyboard_and_fits_a_phone(browser, live_site, artifacts_dir):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: _file(live_site.url, i), range(CASES)))
    _wait_for_routed(live_site, CASES)

    context, page = _signed_in(browser, live_site, {"width": 1366, "height": 900})
    page.goto("/dispatch")
    summary = page.locator(".queue-summary").inner_text()
    assert str(CASES) in summary and "最久已等" in summary
    assert page.locator("table.work-table tbody tr").count() == live_site.settings.console_page_size
    assert "第 1 / 2 页" in page.locator("nav.pager").inner_text()
    assert page.locator(".badge.duplicate").count() > 0
    page.screenshot(path=str(artifacts_dir / "dispatch-console.png"), full_page=True)

    # Keyboard only: the oldest case's confirm has the focus; Tab leaves it, Shift+Tab comes back, Enter confirms.
    oldest = page.locator("table.work-table tbody tr").first.get_attribute("id").removeprefix("t-")
    focused = "() => document.activeElement.closest('tr')?.id + ' ' + document.activeElement.className"
    assert page.evaluate(focused) == f"t-{oldest} primary"
    page.keyboard.press("Tab")  # the row's other proposals or its other actions
    assert page.evaluate(focused).startswith(f"t-{oldest} ") and not page.evaluate(focused).endswith("primary")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == f"t-{oldest} primary"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _wait(lambda: live_site.ticket(oldest).stage == "dispatched", "the oldest case dispatched")
    assert "已完成" in page.locator(".flash").inner_text()
    assert page.locator(f"#t-{oldest}").count() == 0
    assert page.evaluate(focused).endswith(" primary")  # the next case's confirm is ready for Enter
    context.close()

    phone, small = _signed_in(browser, live_site, {"width": 390, "height": 844})
    small.goto("/dispatch")
    assert small.evaluate(BROKEN_HEADERS) == []
    wrap = small.evaluate("(() => { const w = document.querySelector('.table-wrap');"
                          " return [w.scrollWidth, w.clientWidth, w.getBoundingClientRect().right]; })()")
    assert wrap[0] > wrap[1] and wrap[2] <= 390  # the table scrolls inside its box, the box fits the screen
    small.screenshot(path=str(artifacts_dir / "dispatch-console-390.png"), full_page=False)
    phone.close()
