"""Every template compiles, carries no address off this site, and the message catalogs are current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from web.templating import TEMPLATES_DIR, templates

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "core" / "translations"
TEMPLATE_NAMES = sorted(str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.html"))
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_compiles(name):
    templates.env.get_template(name)


# Vendored files stay byte for byte as published (web/static/vendor/README.md): Leaflet's default attribution
# links to its site (web/static/map.js replaces it) and its CSS points at its own images beside it.
VENDOR_LINKS = {"leaflet.js": 'href="https://leafletjs.com"'}


@pytest.mark.parametrize("path", sorted([*TEMPLATES_DIR.rglob("*.html"),
                                          *(p for p in (ROOT / "web" / "static").rglob("*.*") if p.is_file())]),
                         ids=lambda p: p.name)
def test_no_asset_from_the_internet(path):
    text = path.read_text(encoding="utf-8", errors="ignore").replace(VENDOR_LINKS.get(path.name, "\0"), "")
    assert not EXTERNAL.search(text), f"{path} references another site"
    if path.suffix == ".css" and "vendor" in path.parts:
        assert not re.search(r"""url\(\s*["']?\s*(?:[a-z]+:|//)""", text, re.I) and "@import" not in text
    elif path.suffix == ".css":
        assert "url(" not in text and "@import" not in text


def _forms(text: str | list | tuple) -> tuple[str, ...]:
    """A message's text as a tuple of its plural forms (one for a message without plurals)."""
    return (text,) if isinstance(text, str) else tuple(text)


def _msgids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_message_catalogs_are_current(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "-o", str(pot),
                    "--no-location", "--sort-output", "."], cwd=ROOT, check=True)
    with pot.open("rb") as f:
        extracted = _msgids(read_po(f))
    for locale in ("zh_Hans", "en"):
        with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f)
        known = _msgids(catalog)
        assert extracted - known == set(), f"{locale}: new messages missing; run `make messages`"
        assert known - extracted == set(), f"{locale}: stale messages in the catalog; run `make messages`"


def test_chinese_catalog_is_complete_and_compiled():
    with (TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = read_po(f)
    untranslated = [m.id for m in po if m.id and (not all(_forms(m.string)) or m.fuzzy)]
    assert untranslated == []
    with (TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        mo = read_mo(f)
    compiled = {_forms(m.id): _forms(m.string) for m in mo if m.id}
    assert compiled == {_forms(m.id): _forms(m.string) for m in po if m.id}, "run `pybabel compile`"


def test_chinese_translations_keep_the_named_variables():
    with (TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = read_po(f)
    names = re.compile(r"%\((\w+)\)s")
    for message in po:
        if message.id:  # a plural's Chinese form says what its English forms say
            for form in _forms(message.string):
                assert set(names.findall(_forms(message.id)[-1])) == set(names.findall(form)), message.id


async def test_every_template_renders(site_without_temporal, monkeypatch):
    """Walk the pages as each role (warehouse's test_templates, by rendering rather than parsing only)."""
    from services.intake import Receipt, tracking_secret
    from tests.web.conftest import make_ticket

    seen: set[str] = set()
    original = templates.env.get_template

    def recording(name, *args, **kwargs):
        seen.add(name if isinstance(name, str) else name.name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(templates.env, "get_template", recording)
    engine = site_without_temporal.engine
    make_ticket(engine, "T-1", colour="red", pending_request="consultation", whistle_unit_id="s-east-1",
                state={"pending": {"kind": "consultation", "reason": "争议", "unit_ids": ["a", "b"]},
                       "checkpoints": [{"index": 1, "due": "2026-11-24T00:00:00+00:00", "colour": "red"}]})
    candidate = {"item_code": "MK-001", "item_name": "油烟", "unit_id": "dept-ecology", "unit_name": "生态",
                 "confidence": 0.8}
    make_ticket(engine, "T-2", stage="received", state={"proposal": {"candidates": [candidate]}})
    make_ticket(engine, "T-3", stage="closed", published=True, public_summary="已办结")
    _import_job(engine, "j1")
    secret = tracking_secret(site_without_temporal.settings, "T-1")
    visits = {
        None: ["/", "/login", "/report", "/track", "/track?ticket=T-1", "/board", "/board/map",
               "/public/rankings", "/public/cases", "/public/criticism", "/evaluation/definitions", "/no-such-page"],
        "operator": ["/intake/hotline", "/return-visits", "/intake/imports", "/intake/imports/j1", "/search?q=T-1",
                     "/search/caller?phone=13812345678"],
        "grid-east": ["/whistle", "/whistles"],
        "dispatcher": ["/dispatch", "/dispatch?tab=bounces", "/dispatch?tab=reviews", "/cases/T-2"],
        "h-ecology": ["/inbox", "/cases/T-1"],
        "supervisor": ["/supervise", "/cases/T-1", "/cases/T-1/status", "/evaluation", "/evaluation/dashboard",
                       "/evaluation/assessment", "/corrections", "/supervise/suspect"],
        "admin": ["/catalog", "/catalog/items/MK-001", "/catalog/units/s-east-1", "/catalog/versions",
                  "/catalog/versions/1", "/admin/catalog", "/admin/catalog/items/MK-001/edit",
                  "/admin/catalog/import", "/admin/catalog/adjustments", "/admin/catalog/proposals", "/admin/calendar"],
    }
    for username, paths in visits.items():
        site = site_without_temporal
        client = site.client() if username is None else await site.signed_in(username)
        for path in paths:
            response = await client.get(path)
            assert response.status_code in (200, 403, 404), (username, path, response.text[-500:])
    citizen = site_without_temporal.client()  # the tracking form, wrong and right (POST: no secret in a URL)
    assert (await citizen.track("T-1", "wrong")).status_code == 403
    assert (await citizen.track("T-1", secret)).status_code == 200
    from starlette.requests import Request

    from web.templating import render

    request = Request({"type": "http", "method": "GET", "path": "/report", "query_string": b"", "headers": [],
                       "session": {}, "state": {}, "app": site_without_temporal.app})
    render(request, "intake_done.html", {"receipt": Receipt("T-9", "abc", True), "channel": "web",
                                         "show_secret": True})
    assert set(TEMPLATE_NAMES) - seen == set()


def _import_job(engine, job_id: str) -> None:
    """A running bulk import of the operator's with one failed row (services.import_jobs)."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from core.models.imports import ImportJob, ImportRow

    with Session(engine) as session:
        session.add(ImportJob(id=job_id, owner_id="operator", filename="calls.csv", status="running", total=3,
                              done=2, filed=1, failed=1, created_at=datetime.now(UTC)))
        session.flush()
        session.add(ImportRow(job_id=job_id, row=2, call_id="C-1", payload={}, error="RuntimeError: no number"))
        session.commit()


async def test_security_headers_keep_pages_on_this_site(site_without_temporal):
    response = await site_without_temporal.client().get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"


async def test_an_expired_session_redirects_htmx_polls_to_login(site_without_temporal):
    response = await site_without_temporal.client().get("/cases/T-1/status", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["hx-redirect"] == "/login?next=/cases/T-1/status"
