"""Guards on the raw request before any route reads it: every body is capped (a declared length at once, a
chunked one as it streams, nothing buffered past the cap), and query strings, JSON and form bodies must be
clean UTF-8 text (http_common.input_text). A refusal is a ServiceError shown by the app's own handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from core.i18n import N_, _
from core.vocabulary import ErrorKind
from http_common.input_text import MultipartText, check_json, check_urlencoded
from services import uploads
from services.errors import ServiceError
from services.intake import BULK_MAX_BYTES

Refuse = Callable[[Request, ServiceError], Awaitable[Response]]
PHOTO_FORMS = ("/report", "/intake/hotline", "/whistle")
FILE_IMPORTS = ("/api/v1/tickets/bulk", "/intake/imports", "/admin/catalog/import")
CODEC = "/codec/"  # the Temporal UI sends a case's payloads in batches (web.routes.codec)


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    message: str  # an N_() msgid with %(size)s, translated when a request is refused


def body_limit(settings: Settings, path: str, content_type: str) -> BodyLimit:
    """The cap for one request: its files' own limits (services) plus its kind's text allowance (settings)."""
    too_large = N_("The request is too large: at most %(size)s.")
    if path in PHOTO_FORMS:
        return BodyLimit(uploads.MAX_REQUEST_BYTES, N_("The photos are too large: at most 3 photos of 5 MB each."))
    if path in FILE_IMPORTS:
        return BodyLimit(BULK_MAX_BYTES + settings.max_body_form, N_("The file is larger than 5 MB."))
    if path.startswith(CODEC):
        return BodyLimit(BULK_MAX_BYTES, too_large)
    if path.startswith("/open311/") and content_type.startswith("multipart/"):
        return BodyLimit(uploads.MAX_BYTES + settings.max_body_api, too_large)
    if path.startswith(("/api/", "/open311/")):
        return BodyLimit(settings.max_body_api, too_large)
    return BodyLimit(settings.max_body_form, too_large)


class RequestGuardMiddleware:
    """Pure ASGI, inside the session and locale middleware, so a refusal is a page or JSON in the user's language."""

    def __init__(self, app: ASGIApp, settings: Settings, refuse: Refuse) -> None:
        self.app, self.settings, self.refuse = app, settings, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await _GuardedRequest(self, scope, receive, send).run()


class _Refused(Exception):
    """The refusal is sent; the route reading the body is stopped with this."""


class _GuardedRequest:
    def __init__(self, guard: RequestGuardMiddleware, scope: Scope, receive: Receive, send: Send) -> None:
        self.guard, self.scope, self._receive, self._send = guard, scope, receive, send
        headers = Headers(scope=scope)
        raw_type = headers.get("content-type", "")
        content_type = raw_type.lower()
        self.limit = body_limit(guard.settings, scope["path"], content_type)
        self.declared = headers.get("content-length")
        self.received, self.started, self.answered = 0, False, False
        self.complete = self.declared in (None, "0") and "transfer-encoding" not in headers  # no body coming
        self.buffer: bytearray | None = None  # JSON and urlencoded bodies are judged whole
        self.multipart: MultipartText | None = None
        if content_type.startswith("application/json") or content_type.split(";")[0].endswith("+json"):
            self.buffer, self.judge = bytearray(), check_json
        elif content_type.startswith("application/x-www-form-urlencoded"):
            self.buffer, self.judge = bytearray(), check_urlencoded
        elif content_type.startswith("multipart/form-data"):
            boundary = dict(_params(raw_type)).get("boundary")
            self.multipart = MultipartText(boundary.encode("latin-1")) if boundary else None

    async def run(self) -> None:
        try:
            if self.declared and self.declared.isdigit() and int(self.declared) > self.limit.max_bytes:
                await self._refuse(self._too_large())
            if self.scope.get("query_string"):
                await self._check(lambda: check_urlencoded(self.scope["query_string"]))
            await self.guard.app(self.scope, self.receive, self.send)
        except _Refused:
            pass

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request" or self.answered:
            return message
        chunk = message.get("body", b"")
        self.received += len(chunk)
        self.complete = not message.get("more_body", False)
        if self.received > self.limit.max_bytes:
            await self._refuse(self._too_large())
        if self.multipart is not None:
            await self._check(lambda: self.multipart.feed(chunk))
        elif self.buffer is not None:
            self.buffer.extend(chunk)
            if self.complete and self.buffer:  # an empty body is no body, as FastAPI reads it
                await self._check(lambda: self.judge(bytes(self.buffer)))
        return message

    async def send(self, message: Message) -> None:
        if not self.answered:  # after a refusal, whatever the route still says is dropped
            self.started = True
            await self._send(message)

    async def _check(self, check: Callable[[], None]) -> None:
        try:
            check()
        except ServiceError as exc:
            await self._refuse(exc)

    def _too_large(self) -> ServiceError:
        size = _size(self.limit.max_bytes)
        return ServiceError(ErrorKind.TOO_LARGE, _(self.limit.message, size=size), f"over {self.limit.max_bytes} bytes")

    async def _refuse(self, exc: ServiceError) -> None:
        if not self.answered and not self.started:
            self.answered = True
            response = await self.guard.refuse(Request(self.scope), exc)
            if not self.complete:  # the rest of the body is never read: the connection cannot be reused
                response.headers["Connection"] = "close"
            await response(self.scope, self._receive, self._send)
        raise _Refused


def _params(content_type: str) -> list[tuple[str, str]]:
    pairs = (part.strip().partition("=") for part in content_type.split(";")[1:])
    return [(name.strip().lower(), value.strip().strip('"')) for name, _eq, value in pairs]


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"
