"""Errors never destroy work: refused forms come back filled in with the message beside the field, and unknown
pages, refusals and crashes get friendly translated pages (JSON under /api/ and /open311/)."""

from __future__ import annotations

import logging
import re

import httpx
from sqlmodel import Session, func, select

from core.i18n import _, _locale, set_locale
from core.models.tickets import Intake
from tests.web.conftest import WebClient, make_ticket

NOT_A_PHOTO = [("photos", ("notes.txt", b"just some text, not an image", "text/plain"))]
GRIEVANCE = {"description": "小区门口的路灯坏了一个多月，晚上很黑", "address": "东关街道建设路12号",
             "name": "李四", "phone": "13900001111", "email": "lisi@example.cn", "street_id": "s-east-1",
             "category": "ecology", "lat": "39.9", "lng": "116.4", "confidential": "on", "idempotency_key": "form-k1"}


def zh(message: str, **variables) -> str:
    """A message as the Chinese page shows it (from the catalog the lead compiles)."""
    token = set_locale("zh_Hans")
    try:
        return _(message, **variables)
    finally:
        _locale.reset(token)


def intakes(site) -> int:
    with Session(site.engine) as session:
        return session.exec(select(func.count()).select_from(Intake)).one()


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<span class="field-error" id="{name}-error">([^<]*)</span>', page)
    assert found, f"no message beside {name}"
    return found.group(1)


async def test_a_rejected_photo_keeps_every_value_and_says_why_beside_the_field(site_without_temporal):
    for lang in ("zh_Hans", "en"):
        await _photo_refused(site_without_temporal, lang)


async def _photo_refused(site_without_temporal, lang: str) -> None:
    client = site_without_temporal.client()
    path = "/report" if lang == "zh_Hans" else "/report?lang=en"
    response = await client.submit(path, GRIEVANCE, files=NOT_A_PHOTO)
    page = response.text
    assert response.status_code == 400 and intakes(site_without_temporal) == 0
    assert not (site_without_temporal.settings.data_dir / "uploads").exists()
    for name in ("address", "name", "phone", "email", "lat", "lng", "idempotency_key"):
        assert f'value="{GRIEVANCE[name]}"' in page, name
    assert f'>{GRIEVANCE["description"]}</textarea>' in page
    assert '<option value="s-east-1" selected>' in page and '<option value="ecology" selected>' in page
    assert re.search(r'name="confidential"\s+checked', page)
    beside = field_error(page, "photos")
    assert "notes.txt" in beside
    if lang == "zh_Hans":
        assert 'lang="zh-Hans"' in page and "不是JPEG、PNG或WebP" in beside
    else:
        assert 'lang="en"' in page and "is not a JPEG, PNG or WebP photo" in beside
    assert 'class="field-error photos-again"' in page  # a browser cannot fill a file input again


async def test_every_problem_sits_beside_its_field_and_values_stay(site_without_temporal):
    client = site_without_temporal.client()
    sent = {**GRIEVANCE, "description": "短", "phone": "abc", "lat": "north", "email": "no-at-sign"}
    page = (await client.submit("/report", sent)).text
    assert "请至少用5个字描述问题" in field_error(page, "description")
    assert "电话号码格式不正确" in field_error(page, "phone") and "电子邮箱格式不正确" in field_error(page, "email")
    assert "地图位置不是有效坐标" in field_error(page, "lat")
    assert 'value="north"' in page and 'value="abc"' in page and 'photos-again' not in page


async def test_hotline_and_whistle_forms_keep_their_values_too(site_without_temporal):
    operator = await site_without_temporal.signed_in("operator")
    call = await operator.submit("/intake/hotline", {**GRIEVANCE, "description": ""}, files=NOT_A_PHOTO)
    assert call.status_code == 400 and 'value="13900001111"' in call.text
    assert field_error(call.text, "description") and "notes.txt" in field_error(call.text, "photos")
    grid = await site_without_temporal.signed_in("grid-east")
    whistle = await grid.submit("/whistle", {"description": "河道里有大量垃圾漂浮", "address": "河边路3号"},
                                files=NOT_A_PHOTO)
    assert whistle.status_code == 400 and ">河道里有大量垃圾漂浮</textarea>" in whistle.text
    assert 'value="河边路3号"' in whistle.text and intakes(site_without_temporal) == 0


async def test_an_unknown_page_is_a_friendly_translated_404_and_json_stays_json(site_without_temporal):
    client = site_without_temporal.client()
    for query, lang, home in (("", "zh-Hans", "首页"), ("?lang=en", "en", "Home")):
        response = await client.get(f"/no/such/page{query}")
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
        assert f'lang="{lang}"' in response.text and f'href="/">{home}</a>' in response.text
        message = zh("There is no page at this address. The link may be mistyped or the page may have moved.") \
            if lang == "zh-Hans" else "There is no page at this address."
        assert message in response.text
        assert '"detail"' not in response.text and "Not Found" not in response.text
    for path in ("/api/v1/no-such-thing", "/open311/no-such-thing"):
        response = await client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 404 and response.headers["content-type"] == "application/json", path
        assert response.json()["detail"] and response.json()["reason"] == "Not Found"


async def test_a_403_page_says_who_may_and_how_to_sign_in(site_without_temporal):
    dispatcher = await site_without_temporal.signed_in("dispatcher")
    response = await dispatcher.get("/supervise")
    assert response.status_code == 403 and "您无权访问此页面" in response.text
    assert zh("Supervisor") in response.text  # who may open it
    assert 'href="/login?next=/supervise"' in response.text and 'href="/dispatch"' in response.text  # own menu
    english = await dispatcher.get("/supervise?lang=en")
    assert "It is for: Supervisor" in english.text and "Sign in with another account" in english.text


async def test_a_crash_is_an_apology_with_a_logged_reference(site_without_temporal, caplog):
    app = site_without_temporal.app

    def crash():
        raise RuntimeError("database said something technical")

    app.add_api_route("/test-crash", crash)
    app.add_api_route("/api/test-crash", crash)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with WebClient(transport=transport, base_url="http://testserver") as client:
        with caplog.at_level(logging.ERROR, logger="web.error_pages"):
            page = await client.get("/test-crash")
            api = await client.get("/api/test-crash")
    assert page.status_code == 500 and 'lang="zh-Hans"' in page.text
    reference = re.search(r"<code>([0-9a-f]{12})</code>", page.text).group(1)
    assert any(f"ref={reference}" in r.getMessage() and r.exc_info for r in caplog.records)
    assert "database said" not in page.text and "Traceback" not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert api.status_code == 500 and api.json()["reference"] != reference and "database" not in api.text


async def test_a_refused_case_action_comes_back_on_the_case_page_with_what_was_typed(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-F1")
    handler = await site_without_temporal.signed_in("h-ecology")
    response = await handler.act("T-F1", "submit", outcome="resolved", summary="")
    assert response.status_code == 400
    failed = re.search(r'<form [^>]*id="failed-action">(.*?)</form>', response.text, re.S).group(1)
    assert '<p class="field-error" role="alert">请填写办理结果说明' in failed  # beside the form, in Chinese
    assert '<option value="resolved" selected>' in failed  # what was chosen stays chosen
    assert 'action="/cases/T-F1/submit"' in response.text and 'class="flash error"' in response.text
    back = await handler.act("T-F1", "escalate", reason="看看", next="/inbox")  # a handler may not escalate
    assert back.status_code == 303 and back.headers["location"] == "/inbox"
    inbox = await handler.get("/inbox")
    assert 'class="flash error"' in inbox.text and "T-F1" in inbox.text


async def test_a_report_whose_form_expired_comes_back_filled_with_a_fresh_token(site_without_temporal):
    """The citizen typed for longer than the anonymous session lived (or the cookie was lost): the token no longer
    matches, nothing is filed, and the form shows everything typed again, ready to send."""
    client = site_without_temporal.client()
    await client.get("/report")  # the page that was opened; its token is then lost with the cookie
    client.cookies.clear()
    response = await client.post("/report", data={**GRIEVANCE, "csrf_token": "a-token-of-a-lost-session"})
    page = response.text
    assert response.status_code == 403 and intakes(site_without_temporal) == 0
    assert f'>{GRIEVANCE["description"]}</textarea>' in page and f'value="{GRIEVANCE["phone"]}"' in page
    assert zh("The form had expired, so nothing was sent. Everything you typed is below: check it and send it "
              "again.") in page
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    again = await client.post("/report", data={**GRIEVANCE, "description": "灯", "csrf_token": fresh})
    assert again.status_code == 400 and field_error(again.text, "description")  # the token is good: the text is read


async def test_a_staff_form_with_a_wrong_token_is_refused_without_showing_the_form(site_without_temporal):
    client = site_without_temporal.client()
    response = await client.post("/intake/hotline", data={**GRIEVANCE, "csrf_token": "forged"})
    assert response.status_code == 403 and GRIEVANCE["description"] not in response.text
