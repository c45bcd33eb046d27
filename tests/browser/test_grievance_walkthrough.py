"""One grievance through the real UI as each role, in headless Chromium, with screenshots as artifacts.

citizen files on the public form (JavaScript off) -> dispatcher confirms the proposal -> handler
accepts, reports progress, submits -> dispatcher approves -> citizen rates on the tracking page ->
the public board shows the case masked; a supervisor and a hotline operator look on.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.sessions import signed_in

pytestmark = pytest.mark.browser


def _wait(check, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")




def test_walk_one_grievance_from_intake_to_rating(browser, live_site, artifacts_dir):
    shots = artifacts_dir / "browser"
    shots.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    # 1. Citizen, with JavaScript off: the public form works as plain HTML.
    citizen_ctx = browser.new_context(base_url=live_site.url, java_script_enabled=False,
                                      viewport={"width": 1000, "height": 900})
    citizen = citizen_ctx.new_page()
    citizen.goto("/report")
    assert citizen.locator("html").get_attribute("lang") == "zh-Hans"
    citizen.fill('textarea[name="description"]', "建设路饭店油烟很大，晚上十点还在排油烟，影响休息")
    citizen.select_option('select[name="category"]', "ecology")
    citizen.fill('input[name="address"]', "东关街道建设路12号")
    citizen.select_option('select[name="street_id"]', "s-east-1")
    citizen.fill('input[name="name"]', "张三")
    citizen.fill('input[name="phone"]', "13812345678")
    shot(citizen, "01-citizen-public-form")
    citizen.click('form[action="/report"] button[type="submit"]')
    ticket_id = citizen.locator(".ticket-id").get_attribute("data-ticket")
    secret = citizen.locator(".secret").get_attribute("data-secret")
    assert ticket_id and secret
    shot(citizen, "02-citizen-receipt")
    _wait(lambda: (t := live_site.ticket(ticket_id)) and t.last_seq >= 2, what="the ticket in the read model")

    # 2. Dispatcher confirms the top proposal with one click.
    dispatcher_ctx, dispatcher = signed_in(browser, live_site, "dispatcher")
    dispatcher.goto("/dispatch")
    row = dispatcher.locator(f"#t-{ticket_id}")
    assert "MK-001" in row.inner_text()
    shot(dispatcher, "03-dispatcher-console")
    row.locator("form.confirm", has_text="MK-001").locator("button").click()
    dispatcher.wait_for_load_state()
    assert live_site.ticket(ticket_id).stage == "dispatched"
    assert "已完成" in dispatcher.locator(".flash").inner_text()

    # 3. Handler accepts, reports progress and submits the result.
    handler_ctx, handler = signed_in(browser, live_site, "h-ecology")
    handler.goto("/inbox")
    assert ticket_id in handler.content()
    shot(handler, "04-handler-inbox")
    handler.locator("tr", has_text=ticket_id).locator('form[action$="/accept"] button').click()
    handler.wait_for_load_state()
    handler.goto(f"/cases/{ticket_id}")
    handler.fill('form[action$="/progress"] textarea[name="note"]', "已约谈店主，要求加装油烟净化器")
    handler.click('form[action$="/progress"] button')
    handler.wait_for_load_state()
    handler.fill('form[action$="/submit"] textarea[name="summary"]', "已加装油烟净化器，复测达标")
    handler.select_option('form[action$="/submit"] select[name="outcome"]', "resolved")  # nothing is preselected
    shot(handler, "05-handler-case-page")
    handler.click('form[action$="/submit"] button')
    handler.wait_for_load_state()
    assert live_site.ticket(ticket_id).stage == "review"

    # 4. Dispatcher approves the result (the console's reviews tab).
    dispatcher.goto("/dispatch?tab=reviews")
    review = dispatcher.locator(f"#r-{ticket_id}")
    review.locator('input[name="decision"][value="approve"]').check()
    shot(dispatcher, "06-dispatcher-review")
    review.locator("button").click()
    dispatcher.wait_for_load_state()
    assert live_site.ticket(ticket_id).stage == "rating"

    # 5. A supervisor looks at the case: full timeline with who did what.
    supervisor_ctx, supervisor = signed_in(browser, live_site, "supervisor")
    supervisor.goto(f"/cases/{ticket_id}")
    timeline = supervisor.locator("ol.timeline").inner_text()
    for words in ("派单", "接单", "已约谈店主", "提交办理结果", "审核通过"):
        assert words in timeline
    shot(supervisor, "07-supervisor-case-timeline")
    supervisor.goto("/supervise")
    shot(supervisor, "08-supervisor-board")

    # 6. The citizen rates on the tracking page (still without JavaScript).
    citizen.goto(f"/track?ticket={ticket_id}")  # the secret is typed into the form, never put in a URL
    citizen.fill('input[name="secret"]', secret)
    citizen.click('form[action="/track"] button')
    assert secret not in citizen.url
    citizen.check('input[name="rating"][value="satisfied"]')
    citizen.check('input[name="resolved"][value="yes"]')  # the complainant confirms it (no return visit needed)
    citizen.fill('textarea[name="comment"]', "处理及时，谢谢")
    shot(citizen, "09-citizen-tracking")
    citizen.click("form.rate button")
    _wait(lambda: (t := live_site.ticket(ticket_id)) and t.published, what="publication")
    citizen.goto(f"/track/{ticket_id}")  # this browser checked the secret a moment ago
    assert "已办结" in citizen.locator(".stage").inner_text()
    shot(citizen, "10-citizen-closed")

    # 7. The public board shows the case, masked, and the unit in the ranking.
    citizen.goto("/board")
    board = citizen.locator("main").inner_text()
    assert ticket_id in board and "已加装油烟净化器" in board and "市生态环境局" in board
    assert "13812345678" not in board and "张三" not in board
    shot(citizen, "11-public-board")
    citizen.goto("/board?lang=en")
    assert "Public board" in citizen.locator("h1").inner_text()
    shot(citizen, "12-public-board-english")

    # 8. A hotline operator registers a call (the operator's form, with htmx loaded but not needed).
    operator_ctx, operator = signed_in(browser, live_site, "operator")
    operator.goto("/intake/hotline")
    operator.fill('textarea[name="description"]', "超市出售过期食品")
    operator.fill('input[name="phone"]', "13900001111")
    operator.click('form[action="/intake/hotline"] button[type="submit"]')
    assert operator.locator(".ticket-id").get_attribute("data-ticket")
    shot(operator, "13-operator-receipt")

    for context in (citizen_ctx, dispatcher_ctx, handler_ctx, supervisor_ctx, operator_ctx):
        context.close()


def test_htmx_loads_from_this_site_without_console_errors(browser, live_site):
    context, page = signed_in(browser, live_site, "supervisor")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/supervise")
    page.goto("/board")
    assert page.evaluate("typeof htmx") == "object"  # the shipped copy loaded
    assert errors == []  # nothing blocked by the content security policy
    assert all(url.startswith(live_site.url) for url in requests), requests
    context.close()
