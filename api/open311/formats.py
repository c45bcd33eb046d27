"""Open311's two formats: JSON and XML bodies with the specification's element names, and its error
format `[{code, description}]` for our own refusals and for services' ServiceErrors alike.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from core.characters import xml_safe
from services.errors import ServiceError


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | None = None) -> None:
        self.status, self.description, self.code = status, description, code or status


XML_ROOTS = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "errors": ("errors", "error")}


def render(fmt: str, kind: str, payload: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_to_xml(kind, payload), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(payload, status_code=status)


def _to_xml(kind: str, payload: Any) -> bytes:
    if kind == "service_definition":
        root = _element("service_definition", payload)
    else:
        root_name, item_name = XML_ROOTS[kind]
        root = ET.Element(root_name)
        for item in payload:
            root.append(_element(item_name, item))
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")


_PLURAL_CHILD = {"attributes": "attribute", "values": "value"}


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(_PLURAL_CHILD.get(name, "item"), child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_safe(str(value))  # a control character stored before input was checked
    return element


def split_format(name: str) -> tuple[str, str]:
    for fmt in ("json", "xml"):
        if name.endswith(f".{fmt}"):
            return name[: -len(fmt) - 1], fmt
    raise Open311Error(404, "unknown format: use .json or .xml")

def fmt_of(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise Open311Error(404, "unknown format: use .json or .xml")
    return fmt

async def open311_error_handler(request: Request, exc: Open311Error) -> Response:
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    return render(fmt, "errors", [{"code": exc.code, "description": exc.description}], exc.status)


def service_error(request: Request, exc: ServiceError) -> Response:
    """A service's refusal (e.g. an unknown street, Temporal down) in the Open311 error format."""
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    description = f"{exc.message} ({exc.detail})" if exc.detail else exc.message
    return render(fmt, "errors", [{"code": exc.status, "description": description}], exc.status)
