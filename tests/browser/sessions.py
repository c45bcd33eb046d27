"""Signing in through the log-in form, as a person does, for the browser tests (accounts of tests/web/conftest)."""

from __future__ import annotations

PASSWORD = "test-pass-123"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action="/login"] button[type="submit"]')
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"


def signed_in(browser, site, username: str, viewport: dict = DESKTOP, **options):
    """A new browser context (Chinese, this viewport) signed in as `username`, and its page."""
    context = browser.new_context(base_url=site.url, locale="zh-CN", viewport=viewport, device_scale_factor=1,
                                  **options)
    page = context.new_page()
    sign_in(page, username)
    return context, page
