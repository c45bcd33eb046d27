"""Simplified Chinese by default, English with ?lang=en (kept in a cookie), for pages and messages."""

from __future__ import annotations


async def test_pages_are_in_simplified_chinese_by_default(site_without_temporal):
    response = await site_without_temporal.client().get("/")
    assert '<html lang="zh-Hans">' in response.text and "我要反映" in response.text
    assert 'href="/?lang=en"' in response.text


async def test_lang_switch_is_kept_in_a_cookie(site_without_temporal):
    client = site_without_temporal.client()
    response = await client.get("/report?lang=en")
    assert '<html lang="en">' in response.text and "Report a problem" in response.text
    assert "lang=en" in response.headers["set-cookie"]
    later = await client.get("/board")
    assert "Public board" in later.text and "公开看板" not in later.text
    back = await client.get("/board?lang=zh_Hans")
    assert "公开看板" in back.text


async def test_python_side_messages_are_translated(site_without_temporal):
    client = await site_without_temporal.signed_in("dispatcher")
    chinese = await client.get("/supervise")
    assert chinese.status_code == 403 and "您无权访问此页面" in chinese.text
    english = await client.get("/supervise?lang=en")
    assert english.status_code == 403 and "You may not open this page" in english.text


async def test_times_and_durations_follow_the_language(site_without_temporal):
    from datetime import UTC, datetime, timedelta

    from core.i18n import set_locale
    from web.spans import local_time
    from web.templating import time_left

    token = set_locale("en")
    try:
        assert time_left(datetime.now(UTC) + timedelta(hours=3, minutes=1)) == "3 hours left"
        assert time_left(datetime.now(UTC) - timedelta(days=2)) == "overdue by 2 days"
    finally:
        set_locale("zh_Hans")
    assert time_left(datetime.now(UTC) + timedelta(hours=3, minutes=1)) == "剩余3小时"
    assert local_time(datetime(2026, 11, 23, 16, 30, tzinfo=UTC)) == "2026-11-24 00:30"  # Asia/Shanghai
    del token


async def test_an_unknown_language_falls_back_to_chinese(site_without_temporal):
    response = await site_without_temporal.client().get("/?lang=xx")
    assert '<html lang="zh-Hans">' in response.text
