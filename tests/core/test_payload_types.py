"""Payload decoding builds the platform's dataclasses as the SDK's own JSON converter does, with each class's
field types read once (issue 19: re-reading them was a tenth of the worker's CPU per case)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from temporalio.converter import DataConverter

from core.messages import (
    Actor,
    Attachment,
    Checkpoint,
    Complainant,
    GrievanceInput,
    GrievanceState,
    Rating,
    Role,
    Stage,
    UnitRef,
)
from core.payload_types import DataclassConverter, PayloadConverter, _field_types
from tests.temporal_env import TEST_CONVERTER
from tests.workflows.conftest import make_input


def a_state() -> GrievanceState:
    photo = Attachment(name="照片.jpg", content_type="image/jpeg", size=10, sha256="ab", storage_key="ab.jpg")
    intake = make_input("2026-1130-000001", attachments=[photo],
                        complainant=Complainant(name="张三", phone="13800000000"))
    state = GrievanceState(ticket_id=intake.ticket_id, stage=Stage.IN_PROGRESS, intake=intake,
                           dispatch_owner_id="centre",
                           primary=UnitRef(id="dept-market", name="市场监管局", kind="department"),
                           rating=Rating.SATISFIED, accepted_at=datetime(2026, 11, 30, 3, tzinfo=UTC))
    state.checkpoints = [Checkpoint(index=1, due=datetime(2026, 12, 1, tzinfo=UTC))]
    return state


async def roundtrip(converter: DataConverter, value, hint):
    (decoded,) = await converter.decode(await converter.encode([value]), [hint])
    return decoded


async def test_the_platforms_converter_builds_the_same_objects_as_the_sdks():
    state = a_state()
    ours = await roundtrip(TEST_CONVERTER, state, GrievanceState)
    sdk = await roundtrip(DataConverter.default, state, GrievanceState)
    assert ours == sdk == state
    assert isinstance(ours.intake.reporter, Actor) and ours.intake.reporter.role is Role.OPERATOR
    assert isinstance(ours.checkpoints[0], Checkpoint) and ours.checkpoints[0].due.tzinfo is not None


async def test_field_types_are_read_once_per_class():
    _field_types.cache_clear()
    for _ in range(3):
        await roundtrip(TEST_CONVERTER, a_state(), GrievanceState)
    info = _field_types.cache_info()
    assert info.misses < 20 and info.hits > info.misses  # the first decode read each class; the others did not


def test_a_dataclass_is_refused_as_the_sdk_refuses_it():
    converter = DataclassConverter()
    with pytest.raises(TypeError):
        converter.to_typed_value(GrievanceInput, ["not", "a", "dict"])
    with pytest.raises(TypeError):  # a required field missing
        converter.to_typed_value(Actor, {"role": "operator"})
    built = converter.to_typed_value(Actor, {"id": "op-1", "role": "operator", "unknown": 1})
    assert built == Actor(id="op-1", role=Role.OPERATOR)
    assert converter.to_typed_value(str, "x") is DataclassConverter.Unhandled
    assert dataclasses.is_dataclass(built)


def test_the_platforms_converter_writes_the_same_json_as_the_sdks_without_deep_copies(monkeypatch):
    from core.payload_types import PayloadConverter, plain
    from core.ticket_row import ticket_fields

    state = a_state()
    values = [state, ticket_fields(state), [state.checkpoints[0], (1, "a")], {"at": state.accepted_at}]
    sdk = DataConverter.default.payload_converter.to_payloads(values)
    # The SDK's encoder deep-copies each dataclass first (dataclasses.asdict); ours hands over its fields.
    monkeypatch.setattr(dataclasses, "asdict", lambda *a, **k: pytest.fail("asdict called"))
    ours = PayloadConverter().to_payloads(values)
    assert [p.data for p in ours] == [p.data for p in sdk]
    assert plain(state) == json.loads(sdk[0].data)  # the read model's snapshot is that same JSON


def test_the_converters_encodings_are_built_once():
    # The SDK makes a payload converter for every command it encodes.
    first, second = PayloadConverter(), PayloadConverter()
    assert all(a is b for a, b in zip(first.converters.values(), second.converters.values(), strict=True))
