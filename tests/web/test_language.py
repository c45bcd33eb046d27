"""What a person reads is in the page's language: extension choices, actors, notices, unit and item names,
chart labels whole in English; photos show as thumbnails under the photo's own access checks."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from sqlmodel import Session, select

import workflows
from core.demo_catalog import DATA_DIR as DEMO_DIR
from core.models.catalog import CatalogItem, Unit
from core.models.tickets import Notice, TicketEvent
from services.uploads import check_photos, store
from tests.web.conftest import make_ticket
from web.evaluation_charts import bars
from web.system_texts import known


def _events(engine, ticket_id: str) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(TicketEvent(ticket_id=ticket_id, seq=1, at=now, actor_id="citizen", actor_name="citizen",
                                role="citizen", action="received"))
        session.add(TicketEvent(ticket_id=ticket_id, seq=2, at=now, actor_id="system", actor_name="system",
                                role="system", action="escalated", reason="overdue at the closure deadline"))
        session.commit()


async def test_extension_choices_read_as_working_days(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1", accepted_at=datetime.now(UTC))
    handler = await site_without_temporal.signed_in("h-ecology")
    chinese = (await handler.get("/cases/T-1")).text
    assert '<option value="2wd">2个工作日</option>' in chinese and ">2wd<" not in chinese
    english = (await handler.get("/cases/T-1?lang=en")).text
    assert '<option value="1wd">1 working day</option>' in english and '>2 working days<' in english


async def test_actors_show_one_translated_name(site_without_temporal):
    make_ticket(site_without_temporal.engine, "T-1")
    _events(site_without_temporal.engine, "T-1")
    client = await site_without_temporal.signed_in("supervisor")
    chinese = (await client.get("/cases/T-1")).text
    assert '<span class="who">群众</span>' in chinese and '<span class="who">系统</span>' in chinese
    assert "citizen (" not in chinese and "system (" not in chinese
    assert "到办结期限仍未办结（超期）" in chinese and "overdue at the closure deadline" not in chinese
    english = (await client.get("/cases/T-1?lang=en")).text
    assert '<span class="who">Citizen</span>' in english and '<span class="who">System</span>' in english


async def test_notices_are_translated_when_read(site_without_temporal):
    now = datetime.now(UTC)
    with Session(site_without_temporal.engine) as session:  # rows as the workflow writes them: English text
        for key, kind, message in (("n1", "escalated", "supervisor escalated: 三天无进展"),
                                   ("n2", "checkpoint_yellow",
                                    "checkpoint 2: no progress since the previous checkpoint"),
                                   ("n3", "acceptance_overdue", "市生态环境局 has not accepted in time")):
            session.add(Notice(key=key, ticket_id="T-9", unit_id="dept-ecology", audience="unit", kind=kind,
                               message=message, created_at=now))
        session.commit()
    handler = await site_without_temporal.signed_in("h-ecology")
    chinese = (await handler.get("/inbox")).text
    assert "三天无进展" in chinese and "上一节点以来无进展" in chinese and "市生态环境局" in chinese
    assert "supervisor escalated" not in chinese and "checkpoint 2:" not in chinese
    assert "has not accepted" not in chinese
    english = (await handler.get("/inbox?lang=en")).text
    assert "Reason: 三天无进展" in english and "Checkpoint 2: no progress since the previous checkpoint" in english
    assert "supervisor escalated" not in english
    assert "City Ecology and Environment Bureau has not accepted in time" in english  # the unit in English too


async def test_units_items_and_streets_in_english(site_without_temporal):
    engine = site_without_temporal.engine
    with Session(engine) as session:
        for unit_id, english in (("dept-ecology", "Ecology Bureau"), ("s-east-1", "Dongguan Subdistrict"),
                                 ("centre", "12345 Dispatch Centre")):
            unit = session.get(Unit, unit_id)
            unit.name_en = english
            session.add(unit)
        item = session.exec(select(CatalogItem).where(CatalogItem.code == "MK-001")).one()
        item.name_en = "Cooking fumes from restaurants"
        session.add(item)
        session.commit()
    make_ticket(engine, "T-1", street_id="s-east-1")
    client = await site_without_temporal.signed_in("supervisor")
    english = (await client.get("/cases/T-1?lang=en")).text
    for expected in ("Ecology Bureau", "Dongguan Subdistrict", "12345 Dispatch Centre",
                     "Cooking fumes from restaurants"):
        assert expected in english, expected
    for chinese in ("市生态环境局", "东关街道", "餐饮油烟扰民"):
        assert chinese not in english, chinese
    assert "餐饮油烟扰民" in (await client.get("/cases/T-1?lang=zh")).text


def test_every_demo_unit_and_item_has_an_english_name():
    for name in ("units.csv", "items.csv", "community_access.csv"):
        rows = list(csv.DictReader((DEMO_DIR / name).open(encoding="utf-8")))
        assert rows and all(row["name_en"].strip() for row in rows), name


def test_chart_labels_are_not_cut_in_english():
    svg = str(bars([("Urban management", 3, "3"), ("Public utilities (water, power, gas, heating)", 2, "2")],
                   label="Hot spots"))
    assert "…" not in svg and "Urban management<" in svg
    assert ">Public utilities (water,<" in svg and ">power, gas, heating)<" in svg


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


async def test_photos_show_as_thumbnails_under_the_case_access_checks(site_without_temporal):
    site = site_without_temporal
    [(attachment, _data)] = check_photos([("fumes.jpg", _photo())])
    store(site.settings.data_dir, [(attachment, _data)])
    make_ticket(site.engine, "T-1", state={"intake": {"attachments": [vars(attachment)]}})
    thumb = f"/cases/T-1/files/{attachment.sha256}/thumb"
    handler = await site.signed_in("h-ecology")
    page = (await handler.get("/cases/T-1")).text
    assert f'<img src="{thumb}" loading="lazy"' in page
    response = await handler.get(thumb)
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as image:
        assert max(image.size) <= 320
    assert (site.settings.data_dir / "uploads" / f"{attachment.sha256}.thumb.jpg").is_file()
    other = await site.signed_in("h-housing")  # a unit with no part in the case
    assert (await other.get(thumb)).status_code in (403, 404)
    assert (await site.client().get(thumb)).status_code in (303, 401, 403)
    assert (await handler.get(f"/cases/T-1/files/{'0' * 64}/thumb")).status_code == 404


async def test_report_scopes_in_english(site_without_temporal):
    with Session(site_without_temporal.engine) as session:
        district = session.get(Unit, "d-east")
        district.name_en = "Dongcheng District"
        session.add(district)
        session.commit()
    client = site_without_temporal.client()
    english = (await client.get("/public/rankings?lang=en")).text
    assert ">Dongcheng District</option>" in english and ">东城区</option>" not in english
    assert ">东城区</option>" in (await client.get("/public/rankings?lang=zh")).text


def _written_by_the_workflow() -> list[str]:
    """Every literal sentence workflows/ passes to notify() or records as the system's reason, with "2" for
    each value it formats in."""
    found = []
    for path in Path(workflows.__file__).parent.glob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
                continue
            args = call.args
            system = call.func.attr == "record" and args and ast.unparse(args[0]) == "SYSTEM_ACTOR"
            position = 2 if call.func.attr == "notify" else 3 if system else len(args)
            text = args[position] if position < len(args) else None
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                found.append(text.value)
            elif isinstance(text, ast.JoinedStr):
                found.append("".join(v.value if isinstance(v, ast.Constant) else "2" for v in text.values))
    return found


def test_every_sentence_the_workflow_writes_has_a_translation():
    sentences = _written_by_the_workflow()
    assert len(sentences) >= 15, sentences  # the notices and the clocks' reasons were all found
    assert [s for s in sentences if not known(s)] == []
