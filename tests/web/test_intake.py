"""Intake forms: public, hotline and whistle; idempotency, validation and photo limits."""

from __future__ import annotations

import hashlib
import io
import re

from PIL import Image
from sqlmodel import Session, func, select

from core.models.tickets import Intake
from tests.web.conftest import file_public

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the right magic only: enough for the checks made before decoding
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def real_photo(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "green").save(out, fmt)
    return out.getvalue()


def _intakes(site) -> int:
    with Session(site.engine) as session:
        return session.exec(select(func.count()).select_from(Intake)).one()


def _key(page_text: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page_text).group(1)


async def test_public_form_files_a_case_and_shows_number_secret_and_tracking_link(site):
    ticket_id, secret = await file_public(site)
    ticket = site.ticket(ticket_id)
    assert ticket.channel == "web" and ticket.street_id == "s-east-1" and ticket.dispatch_owner_id == "centre"
    assert ticket.complainant_name == "张三" and ticket.category_hint == "ecology"
    assert ticket.state["proposal"]["candidates"][0]["item_code"] == "MK-001"
    tracking = await site.client().track(ticket_id, secret)
    assert tracking.status_code == 200 and "已受理" in tracking.text


async def test_a_double_submit_returns_the_same_ticket(site):
    client = site.client()
    key = _key((await client.get("/report")).text)
    data = {"description": "小区门口路灯坏了一个月", "idempotency_key": key}
    first = await client.submit("/report", data)
    second = await client.submit("/report", data)
    number = re.compile(r'data-ticket="([^"]+)"')
    assert number.search(first.text).group(1) == number.search(second.text).group(1)
    assert "此诉求此前已受理" in second.text and _intakes(site) == 1


async def test_invalid_fields_re_render_the_form_with_messages(site_without_temporal):
    client = site_without_temporal.client()
    response = await client.submit("/report", {"description": "短", "phone": "abc", "lat": "200", "lng": "1",
                                               "street_id": "dept-market", "idempotency_key": "k1"})
    assert response.status_code == 400
    for message in ("请至少用5个字描述问题", "电话号码格式不正确", "地图位置不是有效坐标", "请从列表中选择街道"):
        assert message in response.text
    assert 'value="k1"' in response.text and _intakes(site_without_temporal) == 0


async def test_photos_are_stored_by_hash_and_attached(site):
    client = site.client()
    key = _key((await client.get("/report")).text)
    files = [("photos", ("a.png", real_photo("PNG"), "image/png")),
             ("photos", ("b.jpg", real_photo("JPEG"), "image/jpeg"))]
    data = {"description": "垃圾堆放在路边很多天", "idempotency_key": key}
    response = await client.submit("/report", data, files=files)
    assert response.status_code == 200
    ticket_id = re.search(r'data-ticket="([^"]+)"', response.text).group(1)
    ticket = await site.wait_for(ticket_id)
    attachments = ticket.state["intake"]["attachments"]
    assert [a["content_type"] for a in attachments] == ["image/png", "image/jpeg"]
    digest = attachments[0]["sha256"]  # of the photo as stored: encoded again, without its metadata
    stored = (site.settings.data_dir / "uploads" / digest).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == digest and Image.open(io.BytesIO(stored)).size == (16, 12)
    operator = await site.signed_in("operator")
    download = await operator.get(f"/cases/{ticket_id}/files/{digest}")
    assert download.status_code == 200 and download.content == stored
    assert (await operator.get(f"/cases/{ticket_id}/files/{'0' * 64}")).status_code == 404


async def test_a_file_that_is_not_a_photo_is_refused_and_nothing_starts(site_without_temporal):
    client = site_without_temporal.client()
    files = [("photos", ("evil.png", b"<script>alert(1)</script>", "image/png"))]
    response = await client.submit("/report", {"description": "路灯坏了很久了", "idempotency_key": "k2"}, files=files)
    assert response.status_code == 400 and "evil.png" in response.text and "不是JPEG、PNG或WebP" in response.text
    assert _intakes(site_without_temporal) == 0
    assert not (site_without_temporal.settings.data_dir / "uploads").exists()


async def test_a_photo_over_5_mb_is_refused(site_without_temporal):
    client = site_without_temporal.client()
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    files = [("photos", ("big.png", big, "image/png"))]
    response = await client.submit("/report", {"description": "路灯坏了很久了", "idempotency_key": "k3"}, files=files)
    assert response.status_code == 400 and "超过5 MB" in response.text and _intakes(site_without_temporal) == 0


async def test_more_than_three_photos_are_refused(site_without_temporal):
    client = site_without_temporal.client()
    files = [("photos", (f"{i}.png", PNG, "image/png")) for i in range(4)]
    response = await client.submit("/report", {"description": "路灯坏了很久了", "idempotency_key": "k4"}, files=files)
    assert response.status_code == 400 and "最多可上传3张照片" in response.text


async def test_hotline_operator_registers_a_call(site):
    operator = await site.signed_in("operator")
    key = _key((await operator.get("/intake/hotline")).text)
    response = await operator.submit("/intake/hotline", {
        "description": "超市出售过期食品", "name": "李四", "phone": "13900001111", "idempotency_key": key,
        "confidential": "on"})
    assert response.status_code == 200 and 'data-secret="' in response.text
    ticket_id = re.search(r'data-ticket="([^"]+)"', response.text).group(1)
    ticket = await site.wait_for(ticket_id)
    assert ticket.channel == "hotline" and ticket.confidential
    assert ticket.state["intake"]["reporter"]["id"] == "operator"


async def test_only_operators_use_the_hotline_form(site_without_temporal):
    dispatcher = await site_without_temporal.signed_in("dispatcher")
    response = await dispatcher.submit("/intake/hotline", {"description": "超市出售过期食品"}, form_page="/dispatch")
    assert response.status_code == 403 and _intakes(site_without_temporal) == 0


async def test_grid_worker_whistles_for_its_street(site):
    grid = await site.signed_in("grid-east")
    page = await grid.get("/whistle")
    assert 'name="phone"' not in page.text  # no complainant on a whistle
    data = {"description": "路边摊贩占道经营影响通行", "idempotency_key": _key(page.text)}
    response = await grid.submit("/whistle", data)
    assert response.status_code == 200 and 'data-secret="' not in response.text
    ticket_id = re.search(r'data-ticket="([^"]+)"', response.text).group(1)
    ticket = await site.wait_for(ticket_id)
    assert ticket.channel == "whistle" and ticket.whistle_unit_id == "s-east-1" and ticket.street_id == "s-east-1"
    assert ticket.state["intake"]["reporter"] == {"id": "grid-east", "role": "grid", "name": "grid-east 测试",
                                                  "unit_id": "c-east-1", "district_id": "d-east"}
    whistles = await grid.get("/whistles")
    assert ticket_id in whistles.text
    street = await site.signed_in("street-east")
    assert ticket_id in (await street.get("/whistles")).text
    assert ticket_id not in (await (await site.signed_in("street-west")).get("/whistles")).text


async def test_a_handler_cannot_whistle(site_without_temporal):
    handler = await site_without_temporal.signed_in("h-ecology")
    response = await handler.submit("/whistle", {"description": "路边摊贩占道经营"}, form_page="/inbox")
    assert response.status_code == 403
