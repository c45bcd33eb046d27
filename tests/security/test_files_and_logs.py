"""Files and logs: data files only their owner can read, photos without EXIF, decompression bombs refused,
refusals logged with time and client address, /healthz that notices a missing database file, and a locked
database answered with a clear 503 that stores nothing."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import stat
import struct
import subprocess
import sys
import time
import uuid
import zlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from sqlmodel import Session, select

from app.main import create_app
from core.config import Settings
from core.db import create_schema, make_engine
from core.models.tickets import Intake, Ticket, TicketCounter
from services import uploads
from services.errors import ServiceError
from tests.utils.catalog import seed_small_catalog
from tests.utils.net import free_port
from tests.web.conftest import WebClient, make_ticket, seed_accounts

ROOT = Path(__file__).resolve().parents[2]
GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture
def umask_022():
    """A permissive umask, as a shell has: the code under test must not depend on the caller's."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def read_model(data_dir: Path) -> str:
    """The read model at the data directory's default place, with schema, catalog, accounts and a counter."""
    url = f"sqlite:///{data_dir / 'grievances.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine) as session:
        seed_small_catalog(session)
        seed_accounts(session)
        session.add(TicketCounter(day=datetime.now(ZoneInfo("Asia/Shanghai")).date(), last=1))
        session.commit()
    engine.dispose()
    return url


def web_client(app) -> WebClient:
    return WebClient(transport=httpx.ASGITransport(app=app, client=("10.9.8.7", 1234)), base_url="http://testserver",
                     headers={"Accept-Language": "en"})


# ---- file modes ----


def test_existing_data_files_are_closed_up_and_new_ones_are_private(tmp_path, umask_022):
    data = tmp_path / "data"
    (data / "uploads").mkdir(parents=True)
    read_model(data)
    for path in data.iterdir():  # as earlier versions left them
        path.chmod(0o755 if path.is_dir() else 0o644)
    settings = Settings(environment="test", data_dir=data, temporal_address=f"127.0.0.1:{free_port()}")
    create_app(settings)
    assert private(data) and private(data / "uploads") and private(data / "grievances.db")
    assert os.umask(0o077) == 0o077  # what the web process leaves for every file it creates later

    os.umask(0o022)  # whatever the umask, photos are stored 0600 in a 0700 folder
    photo = uploads.check_photos([("p.png", png_bytes())])
    uploads.store(tmp_path / "elsewhere", photo)
    assert private(tmp_path / "elsewhere" / "uploads")
    assert private(tmp_path / "elsewhere" / "uploads" / photo[0][0].storage_key)


# ---- photos ----


def png_bytes(size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def photo_with_gps(fmt: str) -> bytes:
    """A 40x20 photo taken sideways (orientation 6: rotate 90° to show it upright) with a GPS position."""
    image = Image.new("RGB", (40, 20), "blue")
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"  # camera make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize("fmt,kind", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_photos_lose_their_exif_and_stay_upright(fmt, kind):
    original = photo_with_gps(fmt)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the GPS really is in there

    [(attachment, cleaned)] = uploads.check_photos([("photo", original)])
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == fmt and attachment.content_type == kind
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert b"PhoneMaker" not in cleaned and b"Exif" not in cleaned
    assert image.size == (20, 40)  # turned upright before the orientation tag went away
    assert attachment.size == len(cleaned)


def png_bomb(side: int = 34_000) -> bytes:
    """A real bomb: about 1.1 MB of PNG that decodes to side² bytes of grey (34,000² is 1.08 GiB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor, row = zlib.compressobj(9), bytes(side + 1)  # filter byte + a row of zeros
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = png_bomb()
    assert len(data) < uploads.MAX_BYTES  # small enough to pass the size check
    return data


REFUSE_BOMB = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (700 * 2**20, 700 * 2**20))  # a decoded bomb needs 1.1 GiB
from services import uploads
from services.errors import ServiceError
try:
    uploads.check_photos([("bomb.png", sys.stdin.buffer.read())])
except ServiceError as exc:
    print(exc.message)
"""


def test_a_decompression_bomb_is_refused_from_its_header(bomb):
    done = subprocess.run([sys.executable, "-c", REFUSE_BOMB], input=bomb, capture_output=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().strip() == "照片 bomb.png 像素过多（最多 40 百万像素）。"  # zh_Hans, the default


def test_the_pixel_limit_is_a_setting():
    with pytest.raises(ServiceError) as refused:
        uploads.check_photos([("wide.png", png_bytes((2000, 1000)))], max_pixels=1_000_000)
    assert refused.value.status == 400 and "最多 1 百万像素" in refused.value.message
    assert uploads.check_photos([("wide.png", png_bytes((1000, 1000)))], max_pixels=1_000_000)


async def report_form(client) -> dict[str, str]:
    """A citizen's report, filled in on a fresh form (its idempotency key included)."""
    page = await client.get("/report")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return {"description": "建设路饭店油烟很大，晚上十点还在排油烟", "address": "东关街道建设路12号",
            "name": "张三", "phone": "13812345678", "street_id": "s-east-1", "category": "ecology",
            "idempotency_key": key}


async def test_the_public_form_refuses_a_bomb_in_the_users_language_and_stores_nothing(tmp_path, bomb):
    data = tmp_path / "data"
    read_model(data)
    app = create_app(Settings(environment="test", data_dir=data, temporal_address=f"127.0.0.1:{free_port()}"))
    async with web_client(app) as client:
        form = await report_form(client)
        response = await client.submit("/report", form, files=[("photos", ("bomb.png", bomb, "image/png"))])
    assert response.status_code == 400
    assert "照片 bomb.png 像素过多" in response.text
    assert not (data / "uploads").exists() or not list((data / "uploads").iterdir())
    engine = make_engine(f"sqlite:///{data / 'grievances.db'}")
    with Session(engine) as session:
        assert session.exec(select(Intake)).first() is None
    engine.dispose()


# ---- logs ----

TIMESTAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"


def test_a_refusal_is_logged_with_time_and_client_address_by_the_web_process(tmp_path):
    data = tmp_path / "data"
    read_model(data)
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(data), "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    web = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
                            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/login", data={"username": "admin"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and web.poll() is None, "the web app did not start"
                time.sleep(0.2)
        assert response.status_code == 403  # no CSRF token
    finally:
        web.terminate()
        output, _ = web.communicate(timeout=30)
    line = next((line for line in output.splitlines() if "403 " in line), None)
    assert line is not None, output
    assert re.match(rf"{TIMESTAMP} web WARNING services.accounts: 403 client=127\.0\.0\.1 user=anonymous "
                    r"path=/login reason=csrf", line), line


async def test_a_services_refusal_names_the_requests_client_address(tmp_path, caplog):
    data = tmp_path / "data"
    read_model(data)
    engine = make_engine(f"sqlite:///{data / 'grievances.db'}")
    make_ticket(engine, "2026-0101-000001", primary_unit_id="dept-market")
    engine.dispose()
    app = create_app(Settings(environment="test", data_dir=data, temporal_address=f"127.0.0.1:{free_port()}"))
    async with web_client(app) as client:
        assert (await client.login("h-ecology")).status_code == 303
        with caplog.at_level(logging.WARNING):
            response = await client.get("/cases/2026-0101-000001")
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.getMessage().startswith("403 ")]
    assert "client=10.9.8.7 user=h-ecology" in record.getMessage()


# ---- health and a locked database ----


async def test_healthz_notices_that_the_sqlite_file_is_gone(tmp_path):
    data = tmp_path / "data"
    read_model(data)
    app = create_app(Settings(environment="test", data_dir=data, temporal_address=f"127.0.0.1:{free_port()}"))
    async with web_client(app) as client:
        assert (await client.get("/healthz")).json()["database"] == "ok"  # a pooled connection now holds the file
        for name in ("grievances.db", "grievances.db-wal", "grievances.db-shm"):
            (data / name).unlink(missing_ok=True)
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable: the database file is missing"
    assert not (data / "grievances.db").exists()  # and the check did not make an empty one


BUSY = "平台繁忙，本次未保存任何内容，请稍后重试。"  # zh_Hans, the default language


async def test_a_write_lock_is_a_clear_503_and_nothing_is_stored(tmp_path):
    data = tmp_path / "data"
    read_model(data)
    settings = Settings(environment="test", data_dir=data, temporal_address=f"127.0.0.1:{free_port()}",
                        web_db_busy_timeout=0.3, temporal_task_queue=f"q-{uuid.uuid4()}")
    app = create_app(settings)
    async with web_client(app) as client:
        form = await report_form(client)
        token = await client.csrf("/report")
        holder = sqlite3.connect(data / "grievances.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the web's busy timeout
        try:
            response = await client.post("/report", data={**form, "csrf_token": token})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert response.status_code == 503 and BUSY in response.text
    assert response.headers.get("content-type", "").startswith("text/html")
    engine = make_engine(f"sqlite:///{data / 'grievances.db'}")
    with Session(engine) as session:
        assert session.exec(select(Intake)).first() is None and session.exec(select(Ticket)).first() is None
    engine.dispose()
