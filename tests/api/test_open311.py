"""Open311 GeoReport v2 contract: every endpoint, both formats, the error format, and bad input that
starts nothing."""

from __future__ import annotations

import asyncio
import re
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import Session, func, select

from core.models.tickets import Intake, Ticket
from tests.api.conftest import API_KEY

TICKET = re.compile(r"^\d{4}-\d{4}-\d{6}$")
VALID = {"api_key": API_KEY, "service_code": "MK-002", "description": "超市卖过期牛奶，电话13812345678",
         "lat": "36.62", "long": "101.78", "first_name": "三", "last_name": "张", "phone": "13812345678",
         "attribute[street]": "s-east-1"}


def intake_count(api) -> int:
    with Session(api.app.state.platform.engine) as session:
        return session.exec(select(func.count()).select_from(Intake)).one()


async def wait_for_ticket(api, ticket_id: str) -> Ticket:
    for _ in range(100):
        with Session(api.app.state.platform.engine) as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.last_seq >= 2:
                return ticket
        await asyncio.sleep(0.05)
    raise AssertionError(f"{ticket_id} never reached the read model")


async def test_services_json_lists_catalog_items(api):
    response = await api.get("/open311/v2/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert services["MK-002"]["service_name"] == "食品安全"
    assert set(services["MK-002"]) == {"service_code", "service_name", "description", "metadata", "type",
                                       "keywords", "group"}
    assert services["MK-002"]["type"] == "realtime" and services["MK-002"]["metadata"] is True


async def test_services_xml(api):
    response = await api.get("/open311/v2/services.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    assert "MK-002" in [s.findtext("service_code") for s in root.findall("service")]


async def test_service_definition_has_street_attribute(api):
    response = await api.get("/open311/v2/services/MK-002.json")
    assert response.status_code == 200
    attribute = response.json()["attributes"][0]
    assert attribute["code"] == "street" and attribute["datatype"] == "singlevaluelist"
    assert {"key": "s-east-1", "name": "东关街道"} in attribute["values"]
    root = ET.fromstring((await api.get("/open311/v2/services/MK-002.xml")).content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None


async def test_unknown_service_definition_is_404_in_error_format(api):
    response = await api.get("/open311/v2/services/NOPE.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code NOPE not found"}]
    root = ET.fromstring((await api.get("/open311/v2/services/NOPE.xml")).content)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


@pytest.mark.parametrize(("change", "status", "fragment"), [
    ({"api_key": None}, 400, "api_key is required"),
    ({"api_key": "wrong"}, 403, "api_key is not valid"),
    ({"service_code": None}, 400, "service_code is required"),
    ({"service_code": "NOPE"}, 400, "service_code NOPE not found"),
    ({"description": None}, 400, "description is required"),
    ({"description": "长" * 4001}, 400, "description is longer than 4000"),
    ({"lat": "north"}, 400, "lat must be a decimal number"),
    ({"lat": "91"}, 400, "lat must be between"),
    ({"long": None}, 400, "lat and long go together"),
    ({"lat": None, "long": None}, 400, "a location is required"),
    ({"email": "not-an-email"}, 400, "email is not a valid address"),
    ({"attribute[street]": "s-nowhere"}, 400, "is not a street of this city"),
    ({"jurisdiction_id": "elsewhere"}, 400, "jurisdiction_id elsewhere is not served here"),
])
async def test_bad_request_is_400_and_starts_nothing(api, change, status, fragment):
    form = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    response = await api.post("/open311/v2/requests.json", data=form)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and fragment in error["description"]
    assert intake_count(api) == 0


async def test_wrong_types_in_json_body_and_bad_media_are_refused(api):
    response = await api.post("/open311/v2/requests.json", json={**VALID, "lat": [1, 2]})
    assert response.status_code == 400 and "lat has the wrong type" in response.json()[0]["description"]
    response = await api.post("/open311/v2/requests.json", data=VALID,
                              files={"media": ("x.txt", b"plain text", "text/plain")})
    assert response.status_code == 400 and "JPEG, PNG or WebP" in response.json()[0]["description"]
    big = b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024)
    response = await api.post("/open311/v2/requests.json", data=VALID, files={"media": ("big.jpg", big, "image/jpeg")})
    assert response.status_code == 400 and "larger than" in response.json()[0]["description"]
    assert intake_count(api) == 0


async def test_post_creates_a_grievance_and_is_idempotent(api):
    first = await api.post("/open311/v2/requests.json", data=VALID, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    [body] = first.json()
    assert TICKET.match(body["service_request_id"]) and body["token"].startswith("tk")
    again = await api.post("/open311/v2/requests.json", data=VALID, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == body["service_request_id"]
    # Without a header the same body from the same client is a retry too; another body is a new request.
    retry_a = await api.post("/open311/v2/requests.json", data=VALID)
    retry_b = await api.post("/open311/v2/requests.json", data=VALID)
    other = await api.post("/open311/v2/requests.json", data={**VALID, "description": "另一件事：路灯不亮"})
    assert retry_a.json()[0]["service_request_id"] == retry_b.json()[0]["service_request_id"]
    assert len({body["service_request_id"], retry_a.json()[0]["service_request_id"],
                other.json()[0]["service_request_id"]}) == 3
    assert intake_count(api) == 3

    ticket = await wait_for_ticket(api, body["service_request_id"])
    assert ticket.channel == "api" and ticket.street_id == "s-east-1" and ticket.lat == 36.62

    token = await api.get(f"/open311/v2/tokens/{body['token']}.json")
    assert token.json() == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    assert (await api.get("/open311/v2/tokens/tk99999999.json")).status_code == 404


async def test_a_form_body_with_raw_utf8_keeps_its_chinese(api):
    # `curl -d "description=楼下..."` sends the characters unescaped; browsers escape them. Both must
    # arrive as the same Chinese text, and a body that is not UTF-8 at all is refused whole.
    form = "&".join(f"{k}={v}" for k, v in {**VALID, "description": "楼下饭店油烟直排，熏得窗户不敢开"}.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    created = await api.post("/open311/v2/requests.json", content=form.encode("utf-8"), headers=headers)
    assert created.status_code == 201, created.text
    ticket = await wait_for_ticket(api, created.json()[0]["service_request_id"])
    assert ticket.description == "楼下饭店油烟直排，熏得窗户不敢开"

    before = intake_count(api)
    broken = await api.post("/open311/v2/requests.json", content=form.encode("gbk"), headers=headers)
    assert broken.status_code == 400
    assert broken.json()[0]["code"] == 400 and "UTF-8" in broken.json()[0]["description"]
    assert intake_count(api) == before


async def test_get_request_masks_personal_data_and_reports_status(api):
    created = (await api.post("/open311/v2/requests.json", data=VALID)).json()[0]["service_request_id"]
    await wait_for_ticket(api, created)
    response = await api.get(f"/open311/v2/requests/{created}.json")
    assert response.status_code == 200
    [request] = response.json()
    assert request["status"] == "open" and request["service_request_id"] == created
    # Not reviewed by a dispatcher yet: a placeholder, not the filed text (tests/security/test_public_outputs.py).
    assert "13812345678" not in request["description"] and "超市" not in request["description"]
    for field in ("service_name", "service_code", "agency_responsible", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "lat", "long", "media_url", "status_notes"):
        assert field in request
    assert request["requested_datetime"].endswith("+08:00")
    # Not dispatched yet: the service the client asked for, until the dispatcher chooses the item.
    assert request["service_code"] == "MK-002" and request["service_name"]
    root = ET.fromstring((await api.get(f"/open311/v2/requests/{created}.xml")).content)
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"
    assert (await api.get("/open311/v2/requests/2026-0101-999999.json")).status_code == 404


async def test_list_requests_filters(api):
    a = (await api.post("/open311/v2/requests.json", data=VALID)).json()[0]["service_request_id"]
    b = (await api.post("/open311/v2/requests.json", data={**VALID, "service_code": "MK-001",
                                                            "description": "饭店油烟"})).json()[0]["service_request_id"]
    await wait_for_ticket(api, a)
    await wait_for_ticket(api, b)
    listed = await api.get("/open311/v2/requests.json")
    assert {r["service_request_id"] for r in listed.json()} == {a, b}
    by_id = await api.get(f"/open311/v2/requests.json?service_request_id={a}")
    assert [r["service_request_id"] for r in by_id.json()] == [a]
    by_service = await api.get("/open311/v2/requests.json?service_code=MK-001")
    assert [r["service_request_id"] for r in by_service.json()] == [b]
    assert (await api.get("/open311/v2/requests.json?status=closed")).json() == []
    assert len((await api.get("/open311/v2/requests.json?status=open")).json()) == 2
    too_wide = await api.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
    assert too_wide.status_code == 400 and "90 days" in too_wide.json()[0]["description"]
    bad = await api.get("/open311/v2/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and "W3C" in bad.json()[0]["description"]
    assert (await api.get("/open311/v2/requests.json?status=maybe")).status_code == 400
