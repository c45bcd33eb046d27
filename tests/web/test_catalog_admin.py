"""Catalog admin pages: edit, add and remove as new versions, import and export, adjustment, proposals."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from core import catalog
from core.catalog_io import COLUMNS, export_items
from core.models.catalog import CatalogChangeProposal, CatalogVersion
from core.models.tickets import Ticket, TicketEvent
from tests.web.catalog_site import demo_catalog_site, versions
from tests.web.conftest import Site
from web.spans import TZ

EDIT = "/admin/catalog/items/MK-001/edit"


@pytest.fixture
def demo_site(engine, settings) -> Site:
    return demo_catalog_site(engine, settings)


def item_form(**changes) -> dict:
    """The edit form of MK-001 as the small test catalog has it, with `changes`."""
    form = {"name_zh": "餐饮油烟扰民", "name_en": "MK-001", "category": "ecology", "keywords": "油烟；饭店",
            "examples": "", "primary_unit_id": "dept-ecology", "cooperating_unit_ids": "dept-market",
            "level": "city", "tier": "standard", "acceptance_limit": "", "closure_limit": "", "checkpoint_plan": "",
            "process": "", "contact": "", "reason": "", "effective_at": ""}
    return {**form, **changes}


def current(engine, code: str):
    with Session(engine) as session:
        return catalog.get_item(session, code)


def latest_version(engine) -> CatalogVersion:
    with Session(engine) as session:
        return session.exec(select(CatalogVersion).order_by(CatalogVersion.id.desc())).first()


def primary_section(page: str) -> str:
    return page.split('<h2>主体责任单位</h2>')[1].split("<h2>")[0]


def error_of(page: str, field: str) -> str:
    match = re.search(rf'id="error-{field}"[^>]*>([^<]*)<', page)
    assert match, f"no error shown next to {field}"
    return match.group(1)


# ---- edit, add, remove ----


async def test_an_edit_publishes_a_new_version_and_the_old_one_stays_readable(site_without_temporal):
    engine = site_without_temporal.engine
    admin = await site_without_temporal.signed_in("admin")
    form = await admin.get(EDIT)
    assert 'value="dept-ecology"' in form.text and 'name="reason"' in form.text
    response = await admin.submit(EDIT, item_form(primary_unit_id="d-east-urban", cooperating_unit_ids="dept-ecology",
                                                  closure_limit="5wd", reason="油烟投诉改由区城管执法局牵头"))
    assert response.status_code == 303 and response.headers["location"] == "/catalog/versions/2"
    version = latest_version(engine)
    assert (version.id, version.author, version.reason) == (2, "admin", "油烟投诉改由区城管执法局牵头")
    item = current(engine, "MK-001")
    assert item.primary_unit_id == "d-east-urban" and item.cooperating_unit_ids == ["dept-ecology"]
    assert item.closure_limit == "5wd" and item.version_from == 2

    public = site_without_temporal.client()  # the public pages, as anyone reads them
    now_page = await public.get("/catalog/items/MK-001")
    assert "东城区城管执法局" in primary_section(now_page.text) and "5个工作日" in now_page.text
    old_page = await public.get("/catalog/items/MK-001?version=1")
    assert "市生态环境局" in primary_section(old_page.text) and "东城区城管执法局" not in old_page.text
    assert "7天" in old_page.text and "您正在查看此事项的第1版" in old_page.text
    history = await public.get("/catalog/versions")
    row = history.text.split('id="version-2"')[1].split("</tr>")[0]
    assert "admin" in row and "油烟投诉改由区城管执法局牵头" in row
    changes = await public.get("/catalog/versions/2")
    assert 'class="change-changed"' in changes.text and "<del>市生态环境局</del>" in changes.text


async def test_validation_errors_are_shown_next_to_the_fields_and_change_nothing(site_without_temporal):
    engine = site_without_temporal.engine
    admin = await site_without_temporal.signed_in("admin")
    response = await admin.submit(EDIT, item_form(primary_unit_id="nobody", cooperating_unit_ids="dept-market, ghost",
                                                  acceptance_limit="soon", checkpoint_plan="1d,2d", category="xx"),
                                  form_page=EDIT)
    assert response.status_code == 400
    page = response.text
    assert "nobody" in error_of(page, "primary_unit_id") and "ghost" in error_of(page, "cooperating_unit_ids")
    assert "4h" in error_of(page, "acceptance_limit") and "1d,3d,5d,7d" in error_of(page, "checkpoint_plan")
    error_of(page, "reason")
    error_of(page, "category")
    assert 'value="nobody"' in page  # the form keeps what was typed
    mismatch = await admin.submit(EDIT, item_form(closure_limit="5d", checkpoint_plan="1d,2d,3d,4d", reason="x"),
                                  form_page=EDIT)
    assert mismatch.status_code == 400 and "5" in error_of(mismatch.text, "checkpoint_plan")
    unchanged = await admin.submit(EDIT, item_form(reason="nothing really"), form_page=EDIT)
    assert unchanged.status_code == 400 and "没有任何改动" in unchanged.text
    assert versions(engine) == 1 and current(engine, "MK-001").primary_unit_id == "dept-ecology"


async def test_a_post_without_the_csrf_token_is_refused(site_without_temporal):
    admin = await site_without_temporal.signed_in("admin")
    response = await admin.post(EDIT, data=item_form(name_zh="改名", reason="csrf"))
    assert response.status_code == 403
    wrong = await admin.post(EDIT, data={**item_form(name_zh="改名", reason="csrf"), "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert versions(site_without_temporal.engine) == 1 and current(site_without_temporal.engine, "MK-001").name_zh \
        == "餐饮油烟扰民"


async def test_add_and_remove_items(site_without_temporal):
    engine = site_without_temporal.engine
    admin = await site_without_temporal.signed_in("admin")
    new = {**item_form(name_zh="共享单车乱停放", category="traffic", primary_unit_id="d-east-urban",
                       cooperating_unit_ids="", level="district", reason="新增事项"), "code": "TR-100"}
    added = await admin.submit("/admin/catalog/items/new", new)
    assert added.status_code == 303
    assert current(engine, "TR-100").name_zh == "共享单车乱停放" and latest_version(engine).reason == "新增事项"
    again = await admin.submit("/admin/catalog/items/new", {**new, "reason": "again"})
    assert again.status_code == 400 and "TR-100" in error_of(again.text, "code")

    refused = await admin.submit("/admin/catalog/items/TR-100/remove", {"reason": ""}, form_page=EDIT)
    assert refused.status_code == 400 and current(engine, "TR-100") is not None
    removed = await admin.submit("/admin/catalog/items/TR-100/remove", {"reason": "并入 UR-001"}, form_page=EDIT)
    assert removed.status_code == 303 and current(engine, "TR-100") is None
    assert (await admin.get("/catalog/items/TR-100")).status_code == 404
    assert (await admin.get("/catalog/items/TR-100?version=2")).status_code == 200  # history is kept
    assert versions(engine) == 3


async def test_a_change_may_take_effect_later_and_then_versions_stay_in_order(site_without_temporal):
    engine = site_without_temporal.engine
    admin = await site_without_temporal.signed_in("admin")
    later = (datetime.now(TZ) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = await admin.submit(EDIT, item_form(name_zh="餐饮油烟污染", reason="下月起更名", effective_at=later))
    assert response.status_code == 303
    assert current(engine, "MK-001").name_zh == "餐饮油烟扰民"  # not yet in effect
    history = await admin.get("/catalog/versions")
    assert "已排期" in history.text.split('id="version-2"')[1].split("</tr>")[0]
    earlier = await admin.submit(EDIT, item_form(name_zh="油烟", reason="马上改"), form_page=EDIT)
    assert earlier.status_code == 400 and "2" in error_of(earlier.text, "effective_at")
    past = await admin.submit(EDIT, item_form(name_zh="油烟", reason="追溯", effective_at="2020-01-01T00:00"),
                              form_page=EDIT)
    assert past.status_code == 400 and error_of(past.text, "effective_at")
    assert versions(engine) == 2


# ---- import and export ----


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


async def test_a_bad_import_lists_every_problem_by_row_and_column_and_imports_nothing(site_without_temporal):
    engine = site_without_temporal.engine
    admin = await site_without_temporal.signed_in("admin")
    header = [h for _, h in COLUMNS]
    good = ["MK-009", "新事项", "", "market", "", "", "dept-market", "", "city", "standard", "", "", "", "", ""]
    bad_unit = ["MK-010", "另一事项", "", "market", "", "", "nobody", "", "city", "standard", "", "", "", "", ""]
    bad_plan = ["MK-011", "", "", "market", "", "", "dept-market", "", "city", "standard", "", "7d", "1d,2d", "", ""]
    data = csv_bytes([header, good, bad_unit, bad_plan])
    response = await admin.submit("/admin/catalog/import", {"reason": "批量导入", "replace_all": "on"},
                                  form_page="/admin/catalog/import",
                                  files={"file": ("catalog.csv", data, "text/csv")})
    assert response.status_code == 400
    problems = re.findall(r'<td class="row">(\d+)</td><td class="column">([^<]*)</td><td>([^<]*)</td>',
                          response.text)
    assert ("3", "主体责任单位 primary_unit_id", "unknown unit &#39;nobody&#39;") in problems
    assert ("4", "事项名称 name_zh", "必填，但为空") in problems
    assert any(row == "4" and column == "督办节点 checkpoint_plan" for row, column, _ in problems)
    assert versions(engine) == 1 and current(engine, "MK-009") is None and current(engine, "MK-001") is not None


async def test_a_file_that_is_no_workbook_or_has_the_wrong_suffix_is_refused(site_without_temporal):
    admin = await site_without_temporal.signed_in("admin")
    broken = await admin.submit("/admin/catalog/import", {"reason": "x"}, form_page="/admin/catalog/import",
                                files={"file": ("catalog.xlsx", b"not a workbook", "application/octet-stream")})
    assert broken.status_code == 400 and "整个文件" in broken.text
    wrong = await admin.submit("/admin/catalog/import", {"reason": "x"}, form_page="/admin/catalog/import",
                               files={"file": ("catalog.txt", b"code", "text/plain")})
    assert wrong.status_code == 400 and error_of(wrong.text, "file")
    no_reason = await admin.submit("/admin/catalog/import", {"reason": ""}, form_page="/admin/catalog/import",
                                   files={"file": ("catalog.csv", b"code", "text/csv")})
    assert no_reason.status_code == 400 and error_of(no_reason.text, "reason")
    assert versions(site_without_temporal.engine) == 1


async def test_export_downloads_parse_back_and_a_good_import_publishes_one_version(demo_site):
    engine = demo_site.engine
    admin = await demo_site.signed_in("admin")
    xlsx = await admin.get("/admin/catalog/export?format=xlsx")
    assert xlsx.status_code == 200 and "catalog-v1.xlsx" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "事项编码 code" and len(rows) == 164 and rows[1][0] == min(r[0] for r in rows[1:])
    exported = await admin.get("/admin/catalog/export?format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(table) == 164 and {r[0] for r in table[1:]} == {r[0] for r in rows[1:]}

    for row in table[1:]:
        if row[0] == "EC-001":
            row[1] = "餐饮油烟污染（含烧烤）"
    book = Workbook()
    for row in table:
        book.active.append(row)
    upload = io.BytesIO()
    book.save(upload)
    response = await admin.submit("/admin/catalog/import", {"reason": "年度修订", "replace_all": "on"},
                                  form_page="/admin/catalog/import",
                                  files={"file": ("修订.xlsx", upload.getvalue(), "application/octet-stream")})
    assert response.status_code == 303 and response.headers["location"] == "/catalog/versions/2"
    assert versions(engine) == 2 and latest_version(engine).author == "admin"
    assert current(engine, "EC-001").name_zh == "餐饮油烟污染（含烧烤）"
    with Session(engine) as session:  # only the changed item got a new row
        assert len(session.exec(select(catalog.CatalogItem).where(catalog.CatalogItem.version_from == 2)).all()) == 1
    old = await admin.get("/admin/catalog/export?format=csv&version=1")
    assert "餐饮油烟污染（含烧烤）" not in old.content.decode("utf-8-sig")
    with Session(engine) as session:
        assert old.content == export_items(session, "csv", 1)
    same = await admin.submit("/admin/catalog/import", {"reason": "再导一次", "replace_all": "on"},
                              form_page="/admin/catalog/import",
                              files={"file": ("same.csv", exported.content, "text/csv")})
    assert same.status_code == 303 and versions(engine) == 3  # back to version 1's name: one more version
    nothing = await admin.submit("/admin/catalog/import", {"reason": "无变化", "replace_all": "on"},
                                 form_page="/admin/catalog/import",
                                 files={"file": ("same.csv", exported.content, "text/csv")})
    assert nothing.status_code == 303 and versions(engine) == 3


async def test_export_of_an_unknown_version_or_format_is_refused(site_without_temporal):
    admin = await site_without_temporal.signed_in("admin")
    assert (await admin.get("/admin/catalog/export?format=csv&version=9")).status_code == 404
    assert (await admin.get("/admin/catalog/export?format=pdf")).status_code == 400


# ---- dynamic adjustment and proposals ----


def log_events(engine, item_code: str, *actions: str, days_ago: int = 1) -> None:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    with Session(engine) as session:
        n = len(session.exec(select(Ticket)).all())
        ticket = Ticket(id=f"T-{n + 1}", stage="closed", channel="hotline", description="测试", item_code=item_code,
                        received_at=at, updated_at=at)
        session.add(ticket)
        session.flush()
        for seq, action in enumerate(actions, start=1):
            session.add(TicketEvent(ticket_id=ticket.id, seq=seq, at=at, action=action, details={}))
        session.commit()


async def test_adjustment_list_shows_items_with_many_bounces_or_consultations(site_without_temporal):
    engine = site_without_temporal.engine
    log_events(engine, "MK-001", "bounce_requested", "bounce_requested", "bounce_requested")
    log_events(engine, "UR-001", "consultation_opened")
    log_events(engine, "UR-001", "consultation_opened")
    log_events(engine, "MK-002", "bounce_requested", "bounce_requested", "bounce_requested", days_ago=120)
    admin = await site_without_temporal.signed_in("admin")
    page = await admin.get("/admin/catalog/adjustments")
    assert re.findall(r'<tr id="adjust-([^"]+)"', page.text) == ["MK-001", "UR-001"]
    row = page.text.split('id="adjust-MK-001"')[1].split("</tr>")[0]
    assert "退单申请多" in row and f'href="{EDIT}"' in row


def add_proposal(engine, **fields) -> int:
    with Session(engine) as session:
        row = CatalogChangeProposal(source_key=fields.pop("source_key", "T-1:7"), reason="会商认定油烟归城管",
                                    proposed_by="supervisor", created_at=datetime.now(UTC), **fields)
        session.add(row)
        session.commit()
        return row.id


async def test_accepting_a_proposal_publishes_the_new_primary_unit(site_without_temporal):
    engine = site_without_temporal.engine
    proposal = add_proposal(engine, ticket_id="T-1", item_code="MK-001", proposed_primary_unit_id="d-east-urban")
    admin = await site_without_temporal.signed_in("admin")
    page = await admin.get("/admin/catalog/proposals")
    card = page.text.split(f'id="proposal-{proposal}"')[1].split("</article>")[0]
    assert "会商认定油烟归城管" in card and "东城区城管执法局" in card and "/accept" in card
    home = await admin.get("/admin/catalog")
    assert "1 条清单调整建议" in home.text

    response = await admin.submit(f"/admin/catalog/proposals/{proposal}/accept", {}, form_page="/admin/catalog")
    assert response.status_code == 303
    version = latest_version(engine)
    assert version.id == 2 and version.author == "admin" and "会商认定油烟归城管" in version.reason
    assert current(engine, "MK-001").primary_unit_id == "d-east-urban"
    with Session(engine) as session:
        assert catalog.get_item(session, "MK-001", 1).primary_unit_id == "dept-ecology"
        assert session.get(CatalogChangeProposal, proposal).status == "accepted"
    again = await admin.submit(f"/admin/catalog/proposals/{proposal}/accept", {}, form_page="/admin/catalog")
    assert again.status_code == 409 and versions(engine) == 2


async def test_rejecting_a_proposal_changes_no_catalog(site_without_temporal):
    engine = site_without_temporal.engine
    proposal = add_proposal(engine, item_code="MK-001", proposed_primary_unit_id="d-east-urban")
    vague = add_proposal(engine, source_key="T-2:3")  # names no item: only reject, or edit by hand
    admin = await site_without_temporal.signed_in("admin")
    page = await admin.get("/admin/catalog/proposals")
    card = page.text.split(f'id="proposal-{vague}"')[1].split("</article>")[0]
    assert "/accept" not in card and "/reject" in card
    response = await admin.submit(f"/admin/catalog/proposals/{proposal}/reject", {}, form_page="/admin/catalog")
    assert response.status_code == 303 and versions(engine) == 1
    assert current(engine, "MK-001").primary_unit_id == "dept-ecology"
    refused = await admin.submit(f"/admin/catalog/proposals/{vague}/accept", {}, form_page="/admin/catalog")
    assert refused.status_code == 409 and versions(engine) == 1
    decided = await admin.get("/admin/catalog/proposals")
    assert "已驳回" in decided.text


async def test_only_admins_decide_proposals(site_without_temporal):
    proposal = add_proposal(site_without_temporal.engine, item_code="MK-001", proposed_primary_unit_id="d-east-urban")
    supervisor = await site_without_temporal.signed_in("supervisor")
    response = await supervisor.submit(f"/admin/catalog/proposals/{proposal}/accept", {}, form_page="/")
    assert response.status_code == 403 and versions(site_without_temporal.engine) == 1
