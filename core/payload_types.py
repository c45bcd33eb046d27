"""Turning the platform's dataclasses into a payload's JSON and back, with each class's fields read once.

The SDK's JSON converter re-reads a dataclass's type hints (`typing.get_type_hints`, evaluating every annotation
string) each time it builds one; a grievance's state holds dozens of nested dataclasses and travels with every
audit row, so that was a tenth of the worker's CPU per case. This converter builds dataclasses the same way the
SDK does (unknown keys ignored, missing required fields refused, `init=False` fields set afterwards), with the
hints cached per class; every other type is left to the SDK. Encoding skips `dataclasses.asdict`, which
deep-copies every value before the JSON encoder walks it again: the same JSON, at a sixth of the CPU.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from datetime import datetime
from typing import Any

from temporalio.converter import (
    AdvancedJSONEncoder,
    CompositePayloadConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    value_to_type,
)


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], f.init) for f in dataclasses.fields(cls))


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _is_instance(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


class DataclassEncoder(AdvancedJSONEncoder):
    """The SDK's JSON encoder, handing the encoder a dataclass's fields as they are (it visits them in turn)."""

    def default(self, o: Any) -> Any:
        if _is_instance(o):
            return {name: getattr(o, name) for name in _field_names(type(o))}
        return super().default(o)


def plain(value: Any) -> Any:
    """What JSON makes of a value: dataclasses as dicts, tuples as lists, times as ISO text (read-model columns)."""
    if _is_instance(value):
        return {name: plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class DataclassConverter(JSONTypeConverter):
    def to_typed_value(self, hint: type, value: Any) -> Any:
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint)):
            return JSONTypeConverter.Unhandled
        if not isinstance(value, dict):
            raise TypeError(f"Cannot convert to dataclass {hint}, value is {type(value)} not dict")
        given, later = {}, {}
        for name, field_type, init in _field_types(hint):
            if name in value:
                try:
                    converted = value_to_type(field_type, value[name], [self])
                except Exception as err:
                    raise TypeError(f"Failed converting field {name} on dataclass {hint}") from err
                (given if init else later)[name] = converted
        built = hint(**given)
        for name, converted in later.items():
            object.__setattr__(built, name, converted)
        return built


# Built once: the SDK makes a payload converter for every command it encodes, and these hold no state.
_ENCODINGS = tuple(
    JSONPlainPayloadConverter(encoder=DataclassEncoder, custom_type_converters=[DataclassConverter()])
    if isinstance(converter, JSONPlainPayloadConverter) else converter
    for converter in DefaultPayloadConverter.default_encoding_payload_converters)


class PayloadConverter(CompositePayloadConverter):
    """The SDK's default encodings, with JSON encoding and decoding dataclasses as above."""

    def __init__(self) -> None:
        super().__init__(*_ENCODINGS)
