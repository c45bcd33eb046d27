"""The tracking secret never travels in a URL: the form posts it, the case page is opened by a short-lived
grant in the signed session, old links that carried it are sent to the form without it."""

from __future__ import annotations

import re

from services.intake import tracking_secret
from tests.web.conftest import make_ticket
from web.qr import qr_svg


def urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', page)


async def test_the_right_secret_shows_the_case_with_no_secret_in_any_url(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1", stage="rating")
    secret = tracking_secret(site_without_temporal.settings, "T-1")
    client = site_without_temporal.client()
    posted = await client.submit("/track", {"ticket": "T-1", "secret": secret})
    assert posted.status_code == 303 and posted.headers["location"] == "/track/T-1"
    page = await client.get("/track/T-1")
    assert page.status_code == 200 and "待评价" in page.text
    assert 'action="/track/T-1/rate"' in page.text and 'name="rating"' in page.text
    assert secret not in page.text and not any("secret" in url for url in urls(page.text))
    stranger = await site_without_temporal.client().get("/track/T-1")  # no grant in this browser
    assert stranger.status_code == 303 and stranger.headers["location"] == "/track?ticket=T-1"


async def test_a_wrong_secret_is_said_beside_the_field_and_the_ticket_number_stays(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-2")
    client = site_without_temporal.client()
    response = await client.submit("/track", {"ticket": "T-2", "secret": "wrong-one"})
    assert response.status_code == 403 and "location" not in response.headers
    beside = re.search(r'<span class="field-error" id="secret-error"[^>]*>([^<]*)</span>', response.text).group(1)
    assert "工单号或查询码不正确" in beside
    assert 'name="ticket" value="T-2"' in response.text and "wrong-one" not in response.text
    assert (await client.get("/track/T-2")).status_code == 303  # nothing granted
    english = await client.submit("/track?lang=en", {"ticket": "T-2", "secret": ""})
    assert english.status_code == 400 and "Type the secret." in english.text


async def test_an_old_link_with_the_secret_goes_to_the_form_without_it(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-3")
    secret = tracking_secret(site_without_temporal.settings, "T-3")
    client = site_without_temporal.client()
    old = await client.get(f"/track?ticket=T-3&secret={secret}")
    assert old.status_code == 303 and old.headers["location"] == "/track?ticket=T-3"
    form = await client.get(old.headers["location"])
    assert 'method="post" action="/track"' in form.text and 'value="T-3"' in form.text
    assert secret not in form.text and 'class="flash warn"' in form.text


async def test_the_receipt_follows_the_case_by_post_and_its_qr_holds_the_number_only(site):
    client = site.client()
    receipt = await client.submit("/report", {"description": "人行道上的井盖松动了，踩上去会晃"})
    number = re.search(r'data-ticket="([^"]+)"', receipt.text).group(1)
    mine = tracking_secret(site.settings, number)
    assert not any(mine in url for url in urls(receipt.text))
    follow = re.search(r'<form method="post" action="/track"[^>]*>(.*?)</form>', receipt.text, re.S).group(1)
    assert f'name="ticket" value="{number}"' in follow and f'name="secret" value="{mine}"' in follow
    assert str(qr_svg(f"http://testserver/track?ticket={number}")) in receipt.text
