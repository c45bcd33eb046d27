"""Temporal trusts no caller: payloads are ciphertext in Temporal, a payload made without the key is refused
and changes nothing, and staff read payloads in the UI only through the codec endpoint behind log-in.

On a real dev server and worker; the forger is a client without the codec, as the `temporal` CLI is.
"""

from __future__ import annotations

import base64
import os
import stat
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.converter import DataConverter
from temporalio.worker import Worker

from activities import build_activities
from app.main import create_app
from core.config import Settings
from core.messages import Stage
from core.models.tickets import TicketEvent
from core.payload_codec import (
    ENCRYPTED,
    REFUSED_PLAINTEXT,
    EncryptionCodec,
    KeyRing,
    PayloadKeyError,
    PayloadRefused,
    encrypted_converter,
    key_id,
    keyring,
    new_key_text,
    parse_key,
)
from core.payloads import DispatchInput
from tests.temporal_env import TEST_CONVERTER, TEST_PAYLOAD_KEY, start_dev_server
from tests.utils.catalog import seed_small_catalog
from tests.web.conftest import Site, seeded, settings  # noqa: F401  (fixtures)
from tests.workflows.conftest import CENTRE, ECOLOGY, make_input
from tests.workflows.steps import eventually
from workflows.grievance import GrievanceWorkflow

NAME, PHONE = "张三", "13812345678"
UI_ORIGIN = "http://127.0.0.1:8233"
# What `temporal workflow update execute --name accept --input '{...}'` sends: plain JSON, a forged actor.
FORGED_ACCEPT = {"actor": {"id": "u-eco", "role": "handler", "name": "生态局", "unit_id": "dept-ecology"}}


# ---- on a real dev server and worker ----


@pytest.fixture
async def encrypted_case(engine, tmp_path):
    """A dev server, a worker with the codec, and one case dispatched to dept-ecology."""
    with Session(engine) as session:
        seed_small_catalog(session)
    env = await start_dev_server()
    worker_settings = Settings(environment="test", data_dir=tmp_path, payload_key=TEST_PAYLOAD_KEY)
    task_queue = f"enc-{uuid.uuid4()}"
    try:
        with ThreadPoolExecutor(max_workers=4) as executor:
            async with Worker(env.client, task_queue=task_queue, workflows=[GrievanceWorkflow],
                              activities=build_activities(engine, worker_settings), activity_executor=executor):
                grievance = make_input(f"T-ENC-{uuid.uuid4().hex[:6]}")
                handle = await env.client.start_workflow(GrievanceWorkflow.run, grievance, id=grievance.ticket_id,
                                                         task_queue=task_queue, memo={"intake": "web:probe"})
                await eventually(lambda: _audit(engine, handle.id), lambda rows: len(rows) >= 2, timeout=60)
                await handle.execute_update(GrievanceWorkflow.dispatch, DispatchInput(
                    actor=CENTRE, item_code="MK-001", primary_unit_id="dept-ecology"))
                yield env, handle
    finally:
        await env.shutdown()


async def _audit(engine, ticket_id: str) -> list[tuple[int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq))
        return [(row.seq, row.action) for row in rows]


async def _plain_client(env) -> Client:
    return await Client.connect(env.client.service_client.config.target_host)


@pytest.mark.devserver
async def test_temporal_stores_only_ciphertext_of_personal_data(encrypted_case):
    env, handle = encrypted_case
    history = await (await _plain_client(env)).get_workflow_handle(handle.id).fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)
    for secret in (NAME, PHONE, "东关街道建设路12号", "楼下饭店油烟"):
        assert secret.encode() not in raw and secret not in history.to_json(), secret
    (started,) = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]
    assert all(p.metadata["encoding"] == ENCRYPTED
               for p in started.workflow_execution_started_event_attributes.input.payloads)
    described = (await handle.describe()).raw_description.workflow_execution_info
    assert all(p.metadata["encoding"] == ENCRYPTED for p in described.memo.fields.values())
    searchable = described.search_attributes.SerializeToString()  # never encoded: must hold no personal data
    assert NAME.encode() not in searchable and PHONE.encode() not in searchable


@pytest.mark.devserver
async def test_forged_update_without_the_key_is_rejected_and_changes_nothing(encrypted_case, engine):
    env, handle = encrypted_case
    before_state = await handle.query(GrievanceWorkflow.state)
    before_audit = await _audit(engine, handle.id)
    other_key = encrypted_converter(KeyRing(parse_key(new_key_text())))  # a forger with a key of their own
    forgers = [await _plain_client(env),
               await Client.connect(env.client.service_client.config.target_host, data_converter=other_key)]
    for forger in forgers:
        with pytest.raises(WorkflowUpdateFailedError):
            await forger.get_workflow_handle(handle.id).execute_update("accept", FORGED_ACCEPT)

    after = await handle.query(GrievanceWorkflow.state)
    assert after.stage == before_state.stage == Stage.DISPATCHED
    assert await _audit(engine, handle.id) == before_audit
    # The case goes on, and the very same input sent with the key is accepted: only the key was missing.
    assert FORGED_ACCEPT["actor"]["id"] == ECOLOGY.id
    await handle.execute_update("accept", FORGED_ACCEPT)
    assert (await handle.query(GrievanceWorkflow.state)).stage == Stage.IN_PROGRESS
    rows = await eventually(lambda: _audit(engine, handle.id), lambda rows: len(rows) > len(before_audit))
    assert [action for _seq, action in rows[len(before_audit):]] == ["accepted"]


# ---- the codec and its keys ----


def _payload(text: str) -> Payload:
    return TEST_CONVERTER.payload_converter.to_payloads([text])[0]


async def test_payload_encrypted_with_an_old_key_still_decodes_after_rotation():
    old, new = parse_key(new_key_text()), parse_key(new_key_text())
    (sealed,) = await EncryptionCodec(KeyRing(old)).encode([_payload(PHONE)])
    rotated = EncryptionCodec(KeyRing(new, older=(old,)))
    (opened,) = await rotated.decode([sealed])
    assert DataConverter.default.payload_converter.from_payloads([opened])[0] == PHONE
    (resealed,) = await rotated.encode([opened])
    assert resealed.metadata["encryption-key-id"] == key_id(new).encode()


async def test_sdk_decode_turns_plaintext_and_foreign_payloads_into_a_refusal_marker():
    codec = EncryptionCodec(KeyRing(parse_key(TEST_PAYLOAD_KEY)))
    (foreign,) = await EncryptionCodec(KeyRing(parse_key(new_key_text()))).encode([_payload(PHONE)])
    tampered = Payload()
    tampered.CopyFrom((await codec.encode([_payload(PHONE)]))[0])
    tampered.data = tampered.data[:-1] + bytes([tampered.data[-1] ^ 1])
    plain, other, broken = await codec.decode([_payload(PHONE), foreign, tampered])
    assert plain.metadata["encoding"] == REFUSED_PLAINTEXT and PHONE.encode() not in plain.SerializeToString()
    with pytest.raises(KeyError):  # what makes the workflow reject an update carrying it
        DataConverter.default.payload_converter.from_payloads([other])
    assert broken.metadata["encoding"] == other.metadata["encoding"] != ENCRYPTED
    with pytest.raises(PayloadRefused, match="unknown key id"):
        codec.decode_strict([foreign])


def test_dev_key_is_made_once_private_and_shared(tmp_path):
    first = keyring(Settings(environment="dev", data_dir=tmp_path))
    second = keyring(Settings(environment="dev", data_dir=tmp_path))
    assert first == second
    assert stat.S_IMODE(os.stat(tmp_path / "payload.key").st_mode) == 0o600


def test_production_refuses_to_start_without_a_key(tmp_path):
    with pytest.raises(ValueError, match="PAYLOAD_KEY"):
        Settings(environment="production", secret_key="x" * 40, data_dir=tmp_path)
    with pytest.raises(ValueError, match="PAYLOAD_KEY"):  # a malformed key stops the process, in any environment
        Settings(environment="dev", data_dir=tmp_path, payload_key="dG9vLXNob3J0")
    with pytest.raises(PayloadKeyError):
        keyring(Settings.model_construct(environment="production", payload_key=None))


# ---- the codec endpoint for the Temporal UI ----


@pytest.fixture
def codec_site(seeded, settings) -> Site:  # noqa: F811
    settings = settings.model_copy(update={"payload_key": TEST_PAYLOAD_KEY, "temporal_ui_origin": UI_ORIGIN})
    return Site(create_app(settings, engine=seeded, temporal_client=object()), seeded, settings, None)


def _wire(payload: Payload) -> dict:
    return {"metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
            "data": base64.b64encode(payload.data).decode()}


async def _sealed(text: str, keys: KeyRing | None = None) -> dict:
    codec = EncryptionCodec(keys or KeyRing(parse_key(TEST_PAYLOAD_KEY)))
    return _wire((await codec.encode([_payload(text)]))[0])


UI_HEADERS = {"Origin": UI_ORIGIN, "X-Namespace": "default", "Content-Type": "application/json"}


async def test_codec_endpoint_refuses_anonymous_and_other_roles(codec_site):
    body = {"payloads": [await _sealed(PHONE)]}
    anonymous = await codec_site.client().post("/codec/decode", json=body, headers=UI_HEADERS)
    assert anonymous.status_code == 401 and PHONE not in anonymous.text
    for username in ("dispatcher", "h-ecology"):
        client = await codec_site.signed_in(username)
        refused = await client.post("/codec/decode", json=body, headers=UI_HEADERS)
        assert refused.status_code == 403 and PHONE not in refused.text, username


async def test_codec_endpoint_decodes_for_a_signed_in_supervisor_from_the_ui_origin(codec_site):
    preflight = await codec_site.client().options("/codec/decode", headers={
        "Origin": UI_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace"})
    assert preflight.headers["access-control-allow-origin"] == UI_ORIGIN
    assert preflight.headers["access-control-allow-credentials"] == "true"
    client = await codec_site.signed_in("supervisor")
    response = await client.post("/codec/decode", json={"payloads": [await _sealed(PHONE)]}, headers=UI_HEADERS)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    (decoded,) = response.json()["payloads"]
    assert base64.b64decode(decoded["data"]).decode() == f'"{PHONE}"'
    elsewhere = await client.post("/codec/decode", json={"payloads": [await _sealed(PHONE)]},
                                  headers={**UI_HEADERS, "Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in elsewhere.headers


async def test_codec_endpoint_names_an_unknown_key_id_clearly(codec_site):
    client = await codec_site.signed_in("admin")
    foreign = KeyRing(parse_key(new_key_text()))
    response = await client.post("/codec/decode", json={"payloads": [await _sealed(PHONE, foreign)]},
                                 headers=UI_HEADERS)
    assert response.status_code == 400 and PHONE not in response.text
    assert foreign.current_id in response.json()["error"]
    assert (await client.post("/codec/encode", json={"payloads": []}, headers=UI_HEADERS)).status_code in (404, 405)
