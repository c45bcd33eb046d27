"""Every request body is capped before it is read: a declared Content-Length over the cap is refused at once,
and a chunked body is refused as soon as it passes the cap, the rest never read (a 200 MB body with no token
to /api/v1/tickets once grew the web process by 700 MiB). The refusal is a 413 in the surface's format and
the user's language.
"""

from __future__ import annotations

import select
import socket

import httpx

from services.uploads import MAX_REQUEST_BYTES
from tests.web.conftest import seeded, settings, site_without_temporal  # noqa: F401  (fixtures)

MiB = 1024 * 1024
FLOOD = 200 * MiB
CHUNK = b"x" * (64 * 1024)


def _client(site) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=site.app), base_url="http://testserver")


async def test_a_declared_length_over_the_api_cap_is_refused_before_reading(site_without_temporal):  # noqa: F811
    read = 0

    async def body():
        nonlocal read
        for _ in range(4):
            read += len(CHUNK)
            yield CHUNK

    async with _client(site_without_temporal) as client:
        response = await client.post("/api/v1/tickets?lang=en", content=body(), headers={
            "Content-Type": "application/json", "Content-Length": str(FLOOD), "Idempotency-Key": "k"})
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is too large: at most 64 KB."
    assert response.headers["connection"] == "close"
    assert read <= len(CHUNK)  # nothing past what the transport had already pulled


async def test_open311_and_console_forms_have_their_own_caps_and_formats(site_without_temporal):  # noqa: F811
    async with _client(site_without_temporal) as client:
        xml = await client.post("/open311/v2/requests.xml", content=b"a=" + b"x" * (70 * 1024),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert xml.status_code == 413 and b"<errors><error><code>413</code>" in xml.content
        page = await client.post("/report?lang=zh", content=b"x", headers={
            "Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(MAX_REQUEST_BYTES + 1)})
        assert page.status_code == 413 and "照片" in page.text and "<html" in page.text
        form = await client.post("/login?lang=en", content=b"username=" + b"x" * (300 * 1024),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 413 and "at most 256 KB" in form.text


def _stream_until_answered(port: int, path: str, total: int) -> tuple[int, bytes]:
    """Sends a chunked body of `total` bytes, stopping once the server answers; returns (bytes sent, answer)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    sent = 0
    try:
        while sent < total and not select.select([sock], [], [], 0.001)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
            sent += len(CHUNK)
    except (BrokenPipeError, ConnectionResetError):  # the server closed the connection: it stopped reading
        pass
    answer = b""
    while b"\r\n\r\n" not in answer:
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    sock.close()
    return sent, answer


def test_a_chunked_flood_is_cut_off_once_it_passes_the_cap(live_site):
    sent, answer = _stream_until_answered(live_site.port, "/api/v1/tickets", FLOOD)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert sent < FLOOD / 4, f"the server read {sent} bytes before answering"


def test_a_chunked_flood_stops_the_client_generator_early(live_site):
    yielded = 0

    def body():
        nonlocal yielded
        while yielded < FLOOD:
            yielded += len(CHUNK)
            yield CHUNK

    response = httpx.post(f"{live_site.url}/open311/v2/requests.json", content=body(), timeout=60,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.json()[0]["code"] == 413
    assert yielded < FLOOD / 4
