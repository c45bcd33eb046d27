"""Puts each request's client address (http_common.deps.client_address) where the services' logs find it,
as a plain string (core.logsetup.client_address), so services stay free of HTTP."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from core.logsetup import client_address
from http_common.deps import client_address as address_of


class ClientAddressMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): the value is set in the context every handler of the request runs in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = client_address.set(address_of(Request(scope)))
        try:
            await self.app(scope, receive, send)
        finally:
            client_address.reset(token)
