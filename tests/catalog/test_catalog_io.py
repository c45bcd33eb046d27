import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from core.catalog import current_version, get_item, items_at
from core.catalog_io import COLUMNS, HEADERS, CatalogImportError, export_items, import_items
from core.clock_plans import load_tiers
from core.demo_catalog import load_demo_catalog
from core.models.catalog import CatalogItem, CatalogVersion

FIELDS = [field for field, _ in COLUMNS]


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo_catalog(session)
    return session


def snapshot(session: Session, version: int | None = None) -> dict[str, dict]:
    return {i.code: {f: getattr(i, f) for f in FIELDS} for i in items_at(session, version)}


def counts(session: Session) -> tuple[int, int]:
    versions = session.exec(select(func.count()).select_from(CatalogVersion)).one()
    rows = session.exec(select(func.count()).select_from(CatalogItem)).one()
    return versions, rows


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_gives_the_same_items(demo: Session, engine, fmt: str):
    data = export_items(demo, fmt)
    before = snapshot(demo)

    # Into a catalog that has drifted: the file brings it back exactly.
    with Session(engine) as other:
        rows = csv_rows(export_items(other, "csv"))
        rows = [rows[0]] + [r for r in rows[1:] if r[0] != "MK-001"]
        rows[1][1] = "改过的名称"
        import_items(other, csv_bytes(rows), "csv", author="admin", reason="drift")
        assert snapshot(other) != before

        version = import_items(other, data, fmt, author="admin", reason="restore from file")

        assert version.id == current_version(other) == 3
        assert snapshot(other) == before


def test_export_layout_is_the_office_spreadsheet(demo: Session):
    csv_data = export_items(demo, "csv")
    assert csv_data.startswith(b"\xef\xbb\xbf")
    header = csv_rows(csv_data)[0]
    assert header[:3] == ["事项编码 code", "事项名称 name_zh", "英文名称 name_en"]
    assert len(csv_rows(csv_data)) == len(items_at(demo)) + 1

    book = load_workbook(io.BytesIO(export_items(demo, "xlsx")))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["事项编码 code", "事项名称 name_zh"]
    assert sheet.max_row == len(items_at(demo)) + 1


def test_import_of_an_unchanged_file_publishes_nothing(demo: Session):
    before = counts(demo)
    version = import_items(demo, export_items(demo, "csv"), "csv", author="admin", reason="no-op")
    assert version.id == 1 and counts(demo) == before


def test_import_changes_only_what_changed_in_one_version(demo: Session):
    rows = csv_rows(export_items(demo, "csv"))
    header = rows[0]
    code_at, unit_at = header.index("事项编码 code"), header.index("主体责任单位 primary_unit_id")
    for row in rows[1:]:
        if row[code_at] == "EC-001":
            row[unit_at] = "urban"
    rows = [r for r in rows if r[code_at] != "MK-020"]
    rows.append(
        [
            "ZZ-001",
            "新增事项",
            "New item",
            "urban",
            "新增；test",
            "示例一｜示例二",
            "urban",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    versions, item_rows = counts(demo)

    version = import_items(demo, csv_bytes(rows), "csv", author="admin", reason="annual review")

    assert version.id == 2 and version.author == "admin"
    assert get_item(demo, "EC-001").primary_unit_id == "urban"
    assert get_item(demo, "EC-001", 1).primary_unit_id == "ecology"
    assert get_item(demo, "MK-020") is None and get_item(demo, "MK-020", 1) is not None
    new = get_item(demo, "ZZ-001")
    assert (new.keywords, new.examples, new.tier, new.level) == (
        ["新增", "test"],
        ["示例一", "示例二"],
        "standard",
        "district",
    )
    assert counts(demo) == (versions + 1, item_rows + 2)  # EC-001's new row and ZZ-001


def test_import_keeps_absent_items_unless_replace_all(demo: Session):
    rows = csv_rows(export_items(demo, "csv"))[:3]
    rows[1][1] = "只改这一项"
    import_items(demo, csv_bytes(rows), "csv", author="admin", reason="partial", replace_all=False)
    assert len(items_at(demo)) == len(items_at(demo, 1))
    assert get_item(demo, rows[1][0]).name_zh == "只改这一项"


def test_bad_file_is_rejected_whole_with_rows_and_columns(demo: Session):
    rows = csv_rows(export_items(demo, "csv"))
    h = {header: i for i, header in enumerate(rows[0])}
    rows[1][h["主体责任单位 primary_unit_id"]] = "no-such-unit"  # row 2
    rows[2][h["类别 category"]] = "nonsense"  # row 3
    rows[3][h["复杂度 tier"]] = "whenever"  # row 4
    rows[4][h["办结时限 closure_limit"]] = "7 weeks"  # row 5
    rows[5][h["督办节点 checkpoint_plan"]] = "1d,2d,3d,4d"  # row 6: the last checkpoint is not the closure
    rows[6][h["层级 level"]] = "province"  # row 7
    rows[7][h["事项名称 name_zh"]] = ""  # row 8
    rows[8][h["事项编码 code"]] = rows[9][h["事项编码 code"]]  # rows 9 and 10 share a code
    rows[11][h["配合单位 cooperating_unit_ids"]] = "market；nobody"  # row 12
    rows[12][h["受理时限 acceptance_limit"]] = "0h"  # row 13
    before, snap = counts(demo), snapshot(demo)

    with pytest.raises(CatalogImportError) as caught:
        import_items(demo, csv_bytes(rows), "csv", author="admin", reason="bad file")

    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (2, "主体责任单位 primary_unit_id"),
        (3, "类别 category"),
        (4, "复杂度 tier"),
        (5, "办结时限 closure_limit"),
        (6, "督办节点 checkpoint_plan"),
        (7, "层级 level"),
        (8, "事项名称 name_zh"),
        (10, "事项编码 code"),
        (12, "配合单位 cooperating_unit_ids"),
        (13, "受理时限 acceptance_limit"),
    }
    assert "row 2" in str(caught.value)
    assert counts(demo) == before and snapshot(demo) == snap


def test_bad_xlsx_names_excel_rows(demo: Session):
    book = load_workbook(io.BytesIO(export_items(demo, "xlsx")))
    sheet = book.worksheets[0]
    sheet.cell(row=5, column=4).value = "weather"  # category column
    out = io.BytesIO()
    book.save(out)

    with pytest.raises(CatalogImportError) as caught:
        import_items(demo, out.getvalue(), "xlsx", author="admin", reason="bad")
    assert [(p.row, p.column) for p in caught.value.problems] == [(5, "类别 category")]


@pytest.mark.parametrize(
    ("data", "fmt"),
    [(b"not a workbook", "xlsx"), (b"", "csv"), ("事项编码 code,英文名称 name_en\r\nX-1,x\r\n".encode(), "csv")],
)
def test_unreadable_or_incomplete_files_are_rejected(demo: Session, data: bytes, fmt: str):
    before = counts(demo)
    with pytest.raises(CatalogImportError) as caught:
        import_items(demo, data, fmt, author="admin", reason="bad")
    assert caught.value.problems
    assert counts(demo) == before


def test_csv_saved_by_excel_in_gbk_with_plain_headers_is_read(demo: Session):
    rows = [
        ["code", "name_zh", "category", "primary_unit_id", "keywords", "examples"],
        ["ZZ-002", "测试事项", "market", "market", "甲;乙", "例一|例二"],
    ]
    import_items(demo, csv_bytes(rows, "gb18030"), "csv", author="admin", reason="gbk", replace_all=False)
    item = get_item(demo, "ZZ-002")
    assert (item.name_zh, item.keywords, item.examples) == ("测试事项", ["甲", "乙"], ["例一", "例二"])


# ---- the tiers a city configures (CLOCK_PLANS), as the admin form checks them ----

NIGHT = '{"night": {"acceptance": "1h", "closure": "12h", "checkpoints": "3h,6h,9h,12h"}}'
LONGER_STANDARD = '{"standard": {"closure": "10d", "checkpoints": "2d,4d,6d,10d"}}'
CLOCK = ("tier", "acceptance_limit", "closure_limit", "checkpoint_plan")


def clock_file(*items: dict[str, str]) -> bytes:
    """A small file of new items ZZ-101, ZZ-102, ... with the given clock columns."""
    header = ["code", "name_zh", "category", "primary_unit_id", *CLOCK]
    rows = [
        [f"ZZ-{101 + i}", "时限测试", "market", "market", *(clock.get(f, "") for f in CLOCK)]
        for i, clock in enumerate(items)
    ]
    return csv_bytes([header, *rows])


def form_errors(session: Session, tiers: dict, clock: dict[str, str]) -> dict[str, str]:
    """What the admin item form says of the same item with the same tiers."""
    from starlette.datastructures import FormData

    from web.catalog_forms import check_item  # here, so the web layer is loaded only by the tests comparing with it

    form = FormData(
        {"code": "ZZ-199", "name_zh": "时限测试", "category": "market", "primary_unit_id": "market", **clock}
    )
    return check_item(form, session, tiers, existing=None).errors


def test_import_accepts_a_tier_that_clock_plans_adds(demo: Session):
    tiers = load_tiers(NIGHT)
    items = ({"tier": "night"}, {"tier": "night", "closure_limit": "8h", "checkpoint_plan": "2h,4h,6h,8h"})
    assert all(form_errors(demo, tiers, clock) == {} for clock in items)

    version = import_items(
        demo, clock_file(*items), "csv", author="admin", reason="night shift", replace_all=False, tiers=tiers
    )

    assert version.id == 2
    assert get_item(demo, "ZZ-101").tier == get_item(demo, "ZZ-102").tier == "night"
    assert get_item(demo, "ZZ-102").checkpoint_plan == "2h,4h,6h,8h"
    # Without the configured tiers (the built-in ones) the tier is unknown, as it is to the form.
    with pytest.raises(CatalogImportError) as caught:
        import_items(demo, clock_file(*items), "csv", author="admin", reason="night shift", replace_all=False)
    assert {(p.row, p.column) for p in caught.value.problems} == {(2, HEADERS["tier"]), (3, HEADERS["tier"])}


def test_import_refuses_an_override_that_conflicts_with_a_configured_tier(demo: Session):
    tiers = load_tiers(LONGER_STANDARD)  # a city whose standard tier closes in 10 days, not 7
    conflicting = {"tier": "standard", "checkpoint_plan": "1d,3d,5d,7d"}  # fine against the built-in 7 days
    fitting = {"tier": "standard", "checkpoint_plan": "2d,4d,6d,10d"}
    assert set(form_errors(demo, tiers, conflicting)) == {"checkpoint_plan"}
    assert form_errors(demo, tiers, fitting) == {}
    before, snap = counts(demo), snapshot(demo)

    with pytest.raises(CatalogImportError) as caught:
        import_items(
            demo,
            clock_file(fitting, conflicting),
            "csv",
            author="admin",
            reason="review",
            replace_all=False,
            tiers=tiers,
        )

    assert [(p.row, p.column) for p in caught.value.problems] == [(3, HEADERS["checkpoint_plan"])]
    assert "row 3" in str(caught.value) and "10d" in str(caught.value)
    assert counts(demo) == before and snapshot(demo) == snap
    # With the city's tiers the fitting row alone is published.
    import_items(demo, clock_file(fitting), "csv", author="admin", reason="review", replace_all=False, tiers=tiers)
    assert get_item(demo, "ZZ-101").checkpoint_plan == "2d,4d,6d,10d"
