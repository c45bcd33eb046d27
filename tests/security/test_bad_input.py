"""Bad input is refused at the door with a clear 400 and nothing stored: control characters, lone surrogates
and noncharacters in any text field; NaN, Infinity and overflowing numbers in JSON; invalid UTF-8 in forms,
Open311 bodies and query strings. And one bad row stored before these checks never breaks the XML feed.
"""

from __future__ import annotations

import json
import re
import uuid
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import Session, func, select

from core.models.tickets import Intake, Ticket
from services.accounts import issue_token
from tests.api.conftest import api, api_temporal  # noqa: F401  (fixtures)
from tests.api.test_open311 import VALID, wait_for_ticket
from tests.web.conftest import seeded, settings, site, ts_env  # noqa: F401  (fixtures)

REFUSED = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ufdd0", "\uffff", "\U0001fffe"]
INTAKE = {"description": "超市卖过期牛奶，请尽快处理", "channel": "hotline", "address": "东关街道建设路12号",
          "street_id": "s-east-1", "complainant": {"name": "张三", "phone": "13812345678"}}


def stored(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Ticket)).one(),
                session.exec(select(func.count()).select_from(Intake)).one())


def _engine(client):
    return client.app.state.platform.engine


async def _token(client) -> dict[str, str]:
    with Session(_engine(client)) as session:
        return {"Authorization": f"Bearer {issue_token(session, 'operator', 'bad input test')}"}


async def _post_json(client, body: bytes, headers: dict[str, str]):
    return await client.post("/api/v1/tickets", content=body, headers={
        **headers, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})


# ---- the JSON API ----


@pytest.mark.parametrize("char", REFUSED)
async def test_json_api_refuses_a_control_character_or_noncharacter(api, char):  # noqa: F811
    headers = await _token(api)
    body = json.dumps({**INTAKE, "description": f"超市卖过期牛奶{char}请尽快处理"}).encode()
    response = await _post_json(api, body, headers)
    assert response.status_code == 400, response.text
    assert "character that is not allowed" in response.json()["detail"] or "不允许" in response.json()["detail"]
    assert f"U+{ord(char):04X}" in response.json()["detail"]
    assert stored(_engine(api)) == (0, 0)


@pytest.mark.parametrize("body", [
    b'{"description": "\\ud800 lone surrogate here", "channel": "hotline"}',
    b'{"description": "ok ok ok", "lat": NaN}',
    b'{"description": "ok ok ok", "lat": Infinity}',
    b'{"description": "ok ok ok", "lng": -Infinity}',
    b'{"description": "ok ok ok", "lat": 1e309}',
    b'{"description": "\xed\xa0\x80 encoded surrogate"}',
    b'{"description": "\xff\xfe not UTF-8"}',
    b'[' * 100_000 + b']' * 100_000,
])
async def test_json_api_parses_bodies_strictly(api, body):  # noqa: F811
    headers = await _token(api)
    response = await _post_json(api, body, headers)
    assert response.status_code in (400, 413), response.text  # the deep nesting is over the size cap too
    assert set(response.json()) == {"detail", "reason"} and response.json()["detail"]
    assert stored(_engine(api)) == (0, 0)


async def test_json_api_explains_refusals_in_the_users_language_and_keeps_tabs_and_newlines(api):  # noqa: F811
    headers = await _token(api)
    response = await api.post("/api/v1/tickets?lang=zh", content=b'{"description": "ok", "lat": NaN}',
                              headers={**headers, "Content-Type": "application/json", "Idempotency-Key": "k1"})
    assert response.status_code == 400
    assert "NaN" in response.json()["reason"]
    english = await api.post("/api/v1/tickets?lang=en", content=b'{"description": "ok", "lat": 1e999}',
                             headers={**headers, "Content-Type": "application/json", "Idempotency-Key": "k2"})
    assert english.status_code == 400 and "not valid JSON" in english.json()["detail"]
    assert stored(_engine(api)) == (0, 0)
    clean = json.dumps({**INTAKE, "description": "超市卖过期牛奶\t第二行\r\n请处理", "lat": 36.62,
                        "lng": 101.78}).encode()
    filed = await _post_json(api, clean, headers)
    assert filed.status_code == 201, filed.text


async def test_api_query_string_must_be_utf8_and_clean(api):  # noqa: F811
    headers = await _token(api)
    for query in ("unit_id=%ff", "unit_id=%00", "unit_id=a%c3"):
        response = await api.get(f"/api/v1/tickets?{query}", headers=headers)
        assert response.status_code == 400, (query, response.text)
        assert response.json()["reason"]


async def test_a_hotline_file_with_a_control_character_is_refused_whole(api):  # noqa: F811
    headers = await _token(api)
    csv = ("来电编号 call_id,来电时间 received_at,诉求内容 description,所属街道 street_id\n"
           "C1,2026-11-20 09:30,路灯不亮,s-east-1\n"
           "C2,2026-11-20 09:40,噪音\x00很大,s-east-1\n").encode()
    response = await api.post("/api/v1/tickets/bulk", files={"file": ("calls.csv", csv, "text/csv")},
                              headers=headers)
    assert response.status_code == 400 and "U+0000" in response.json()["detail"]
    assert stored(_engine(api)) == (0, 0)


# ---- Open311 ----


@pytest.mark.parametrize("encoded", ["%00", "%01", "%EF%BF%BF", "%ff", "%C3"])
async def test_open311_refuses_bad_characters_and_bytes_in_a_form(api, encoded):  # noqa: F811
    body = "&".join(f"{k}={v}" for k, v in {**VALID, "description": "超市卖过期牛奶"}.items() if k != "description")
    body += f"&description=%E8%B6%85%E5%B8%82{encoded}%E7%89%9B%E5%A5%B6"
    response = await api.post("/open311/v2/requests.xml", content=body.encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400, response.text
    error = ET.fromstring(response.content).find("error")
    assert error.findtext("code") == "400" and error.findtext("description")
    assert stored(_engine(api)) == (0, 0)


async def test_open311_refuses_a_raw_invalid_byte_and_a_json_control_character(api):  # noqa: F811
    raw = b"&".join(f"{k}={v}".encode() for k, v in VALID.items() if k != "description") + b"&description=\xff\xfe"
    response = await api.post("/open311/v2/requests.json", content=raw,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400 and response.json()[0]["code"] == 400
    as_json = await api.post("/open311/v2/requests.json", json={**VALID, "description": "过期牛奶\u0000过期牛奶"})
    assert as_json.status_code == 400 and "U+0000" in as_json.json()[0]["description"]
    assert stored(_engine(api)) == (0, 0)


async def test_open311_refuses_a_control_character_in_a_multipart_field(api):  # noqa: F811
    fields = {**VALID, "description": "超市卖过期牛奶\x01请处理"}
    response = await api.post("/open311/v2/requests.json", data=fields, files={"media": ("a.txt", b"x" * 10)})
    assert response.status_code == 400 and "U+0001" in response.json()[0]["description"]
    invalid = await api.post("/open311/v2/requests.json", data={k: v for k, v in VALID.items()},
                             files={"description": (None, "过期牛奶".encode("gbk"))})
    assert invalid.status_code == 400, invalid.text
    assert stored(_engine(api)) == (0, 0)


async def test_one_old_row_with_a_control_character_never_breaks_the_xml_feed(api):  # noqa: F811
    filed = await api.post("/open311/v2/requests.json", data=VALID)
    assert filed.status_code == 201, filed.text
    ticket_id = filed.json()[0]["service_request_id"]
    await wait_for_ticket(api, ticket_id)
    with Session(_engine(api)) as session:  # as a row stored before input was checked would be
        ticket = session.get(Ticket, ticket_id)
        ticket.description, ticket.address = "坏\x00行\x01数据\ud7ff", "建设路\x0b12号"
        session.add(ticket)
        session.commit()
    feed = await api.get("/open311/v2/requests.xml")
    assert feed.status_code == 200
    root = ET.fromstring(feed.content)  # the whole feed still parses
    assert ticket_id in [r.findtext("service_request_id") for r in root.findall("request")]
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", feed.content)


# ---- the console forms ----


async def test_console_form_refuses_a_control_character_in_the_users_language(site):  # noqa: F811
    client = site.client()
    page = await client.get("/report?lang=en")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    data = {"description": "建设路饭店油烟很大\x00晚上十点还在排油烟", "address": "东关街道建设路12号",
            "street_id": "s-east-1", "category": "ecology", "idempotency_key": key}
    response = await client.submit("/report", data)
    assert response.status_code == 400
    assert "not allowed (U+0000)" in response.text and "description" in response.text
    chinese = await client.submit("/report?lang=zh", {**data, "description": "油烟很大\ufffe晚上十点还在排"},
                                  form_page="/report")
    assert chinese.status_code == 400 and "U+FFFE" in chinese.text
    assert stored(site.engine) == (0, 0)


async def test_console_form_refuses_invalid_utf8(site):  # noqa: F811
    client = await site.signed_in("operator")
    token = await client.csrf("/intake/hotline")
    body = (f"csrf_token={token}&description=%E5%BB%BA%ff%fe%E8%AE%BE&address=x&street_id=s-east-1"
            "&category=ecology&name=a&phone=13812345678").encode()
    response = await client.post("/intake/hotline?lang=en", content=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400 and "not valid UTF-8" in response.text
    raw = await client.post("/intake/hotline?lang=en", content=body.replace(b"%ff%fe", b"\xff\xfe"),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert raw.status_code == 400 and "not valid UTF-8" in raw.text
    multipart = await client.post("/intake/hotline?lang=en", data={"csrf_token": token, "address": "x"},
                                  files={"description": (None, "建设路饭店油烟".encode("gbk"))})
    assert multipart.status_code == 400 and "not valid UTF-8" in multipart.text
    assert stored(site.engine) == (0, 0)


async def test_console_query_string_must_be_utf8(site):  # noqa: F811
    response = await site.client().get("/report?lang=en&street_id=%ff")
    assert response.status_code == 400 and "not valid UTF-8" in response.text
