"""Security headers on every response. The CSP also enforces "no asset from the internet": pages may
load scripts, styles, images and form targets from this site only."""

from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/docs"):
            await self.app(scope, receive, send)  # the API docs page loads its own assets
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _value in message.get("headers", [])}
                message.setdefault("headers", []).extend(h for h in HEADERS if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
