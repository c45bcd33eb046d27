"""Parsing a hotline CSV: good files give records, any bad row refuses the file with row and column."""

from core.models.catalog import Unit
from services.hotline_import import parse

HEADER = "来电编号 call_id,来电时间 received_at,诉求内容 description,地址 address,所属街道 street_id,联系电话 phone\n"


def seed_street(session):
    session.add(Unit(id="s-east-1", name_zh="东关街道", kind="street"))
    session.commit()


def test_good_file_utf8_bom_and_gbk(session):
    seed_street(session)
    body = HEADER + ("C1,2026-11-20 09:30,路灯不亮,建设路1号,s-east-1,13812345678\n"
                     "C2,2026-11-20T10:00:00+08:00,噪音,,,\n")
    for data in (("\ufeff" + body).encode("utf-8"), body.encode("gb18030")):
        report = parse(session, data)
        assert report.problems == []
        assert [r.call_id for r in report.records] == ["C1", "C2"]
        assert report.records[0].received_at.isoformat() == "2026-11-20T01:30:00+00:00"
        assert report.records[0].street_id == "s-east-1" and report.records[1].street_id is None


def test_bad_rows_are_all_reported(session):
    seed_street(session)
    body = HEADER + ("C1,2026-11-20 09:30,路灯不亮,,s-nowhere,abc\n"
                     ",yesterday,,,,\n"
                     "C1,2099-01-01 00:00,重复,,,\n")
    report = parse(session, body.encode())
    found = {(p.row, p.column.split(" ")[-1], p.message.split(" ")[0]) for p in report.problems}
    assert (2, "street_id", "unknown") in found and (2, "phone", "not") in found
    assert (3, "call_id", "required") in found and (3, "description", "required") in found
    assert (3, "received_at", "not") in found
    assert (4, "call_id", "repeats") in found and (4, "received_at", "is") in found


def test_missing_required_column(session):
    report = parse(session, "来电编号 call_id,诉求内容 description\nC1,x\n".encode())
    assert [(p.row, p.column) for p in report.problems] == [(1, "来电时间 received_at")]
