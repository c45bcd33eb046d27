"""Security headers on every response. The CSP also enforces "no asset from the internet": pages may
load scripts, styles, images and form targets from this site only."""

from __future__ import annotations

from urllib.parse import urlsplit

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def tile_origin(tile_url: str) -> str | None:
    """The origin of a map tile server's URL template (a host label with "{s}", as in "t{s}.example", becomes
    "*"); None when the tiles come from this site."""
    parts = urlsplit(tile_url.replace("{s}", "0"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    template_host = urlsplit(tile_url.replace("{s}", "SUBDOMAIN")).netloc.split(".")
    host = ".".join("*" if "SUBDOMAIN" in label else label for label in template_host)
    return f"{parts.scheme}://{host}"


def headers_for(tile_url: str = "") -> list[tuple[bytes, bytes]]:
    """The headers above; with a tile server elsewhere, its images are allowed too (nothing else from it)."""
    origin = tile_origin(tile_url)
    if origin is None:
        return HEADERS
    csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")
    return [(b"content-security-policy", csp.encode()), *HEADERS[1:]]


class SecurityHeadersMiddleware:
    def __init__(self, app, tile_url: str = "") -> None:
        self.app = app
        self.headers = headers_for(tile_url)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/docs"):
            await self.app(scope, receive, send)  # the API docs page loads its own assets
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _value in message.get("headers", [])}
                message.setdefault("headers", []).extend(h for h in self.headers if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
