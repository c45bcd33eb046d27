"""The monthly report: hot spots, map cells, trends, failures, typical cases; CSV, XLSX and PDF exports."""

from __future__ import annotations

import csv
import io
import re
import zlib

import pytest
from openpyxl import load_workbook

from activities.evaluation import freeze
from core import reports
from tests.evaluation.conftest import configured
from tests.evaluation.month import publish


@pytest.fixture
def report(october, settings) -> reports.MonthlyReport:
    freeze(october, "2026-10", "city", settings)
    return reports.monthly_report(october, "2026-10", "city", settings)


def test_hot_spots_count_the_tickets_received_in_the_month(report):
    assert report.received == 49  # e1 was received in September
    assert report.hot_categories == [("social", 15), ("ecology", 10), ("urban", 10), ("market", 7), ("housing", 6),
                                      ("traffic", 1)]
    assert report.hot_streets == [("s-east-1", "东关街道", 32), ("s-west-1", "西门街道", 13), ("", "", 4)]
    assert report.map_points == [(30.66, 104.06, 3), (30.67, 104.08, 3)]
    assert [(f.unit_id, f.ticket_id) for f in report.failures] == [("dept-ecology", "c9")]


def test_a_district_report_holds_its_own_tickets_and_units(october, settings):
    east = reports.monthly_report(october, "2026-10", "d-east", settings)
    assert not east.frozen and east.scope_name == "东城区"
    assert east.received == 32 and east.hot_streets == [("s-east-1", "东关街道", 32)]
    assert [r.figures.unit_id for r in east.rows] == ["d-east-urban", "s-east-1", "c-east-1"]
    assert east.failures == []


def test_trends_cover_six_months_and_read_frozen_months(october, settings):
    freeze(october, "2026-09", "city", settings)
    report = reports.monthly_report(october, "2026-11", "city", settings, live_trend=False)
    assert [p.month for p in report.trend] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert [p.frozen for p in report.trend] == [False, False, False, True, False, False]
    assert report.trend[3].totals.dispatched == 1  # September: e1
    assert report.trend[4].totals is None  # October is neither frozen nor computed without live_trend
    assert report.trend[5].totals.accepted_on_time == 1  # November itself, live
    live = reports.trend(october, "2026-11", "city", settings, months=2)
    assert live[0].totals.closed == 43 and live[0].frozen is False


def test_typical_cases_are_published_closed_cases_whistles_first(october):
    publish(october, "c1", "饭店油烟扰民 张* 138****5678")
    publish(october, "h3", "楼道违建，街道吹哨")
    publish(october, "c10", "not closed: never typical")
    cases = reports.typical_cases(october, reports.check_month("2026-10"))
    assert [t.id for t in cases] == ["h3", "c1"]


def test_csv_is_utf8_with_bom_and_parses_back(report):
    data = report_bytes = reports.report_csv(report)
    assert report_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["月度考评报告", "青川市", "2026-10"]
    header = rows.index(reports.headings())
    table = {r[2]: dict(zip(rows[header], r, strict=True)) for r in rows[header + 1:header + 11]}
    ecology = table["dept-ecology"]
    assert (ecology["排名"], ecology["派单数"], ecology["按时签收"], ecology["应响应"]) == ("4", "11", "9", "11")
    assert (ecology["响应率"], ecology["解决率"], ecology["满意率"], ecology["按时办结率"]) == \
        ("81.82%", "88.89%", "88.89%", "77.78%")
    assert ecology["标记"] == "首接负责失职"
    assert table["dept-housing"]["街道评分"] == "76.25"
    assert table["dept-market"]["满意率"] == "—" and table["dept-market"]["响应率"] == "0.00%"
    assert table["dept-traffic"]["排名"] == "未排名（样本量 < 5）" and table["dept-traffic"]["平台综合得分"] == "—"
    assert ["社会治理", "15"] in rows and ["市生态环境局", "c9", "事项ecology"] in rows


def test_csv_in_english(report):
    rows = list(csv.reader(io.StringIO(reports.report_csv(report, "en").decode("utf-8-sig"))))
    assert rows[0][0] == "Monthly evaluation report" and reports.headings("en") in rows


def test_xlsx_parses_back_with_numbers(report):
    book = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    assert book.sheetnames == ["单位考评", "热点", "地图", "首接负责", "指标修正", "趋势", "口径"]
    rows = list(book["单位考评"].iter_rows(values_only=True))
    header = rows.index(tuple(reports.headings()))
    table = {r[2]: dict(zip(rows[header], r, strict=True)) for r in rows[header + 1:]}
    assert len(table) == 10
    assert table["dept-ecology"]["响应率"] == 81.82 and table["dept-ecology"]["派单数"] == 11
    assert table["dept-market"]["满意率"] is None and table["dept-traffic"]["排名"] == "未排名（样本量 < 5）"
    assert table["dept-ecology"]["排名"] == 4
    assert list(book["地图"].iter_rows(values_only=True))[1:] == [(30.66, 104.06, 3), (30.67, 104.08, 3)]
    assert ("市生态环境局", "c9", "事项ecology") in list(book["首接负责"].iter_rows(values_only=True))
    assert book["口径"]["A1"].value == "统计周期"


ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        byte = literal[i]
        if byte != 0x5C:  # backslash
            out.append(byte)
            i += 1
            continue
        following = literal[i + 1:i + 4]
        octal = re.match(rb"[0-7]{1,3}", following)
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out.append(ESCAPES.get(following[0], following[0]))
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages, decoded through the embedded font's ToUnicode map (2-byte codes)."""
    cmap = {int(code, 16): chr(int(uni, 16)) for code, uni in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4,8})>", data)}
    lines = []
    # Each stream is read by its declared /Length: compressed bytes may themselves contain "endstream".
    streams = [data[m.end():m.end() + int(m.group(1))]
               for m in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", data)]
    for stream in streams:
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            raw = _unescape(literal)
            lines.append("".join(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2)))
    return "\n".join(lines)


def test_pdf_embeds_the_cjk_font_and_draws_chinese(report):
    data = reports.report_pdf(report)
    assert data.startswith(b"%PDF-")
    assert b"WenQuanYiMicroHei" in data and b"/FontFile2" in data
    text = pdf_text(data)
    for words in ("月度考评报告", "市生态环境局", "首接负责失职", "响应率", "81.82%", "齐齐哈尔"):
        assert words in text, words


def test_pdf_without_the_font_fails_clearly(report, tmp_path):
    with pytest.raises(reports.ReportFontMissing, match="fonts-wqy-microhei"):
        reports.report_pdf(report, settings=configured(report_font_path=str(tmp_path / "missing.ttc")))


def test_an_empty_month_exports_without_errors(october, settings):
    empty = reports.monthly_report(october, "2026-12", "city", settings, live_trend=False)
    assert empty.rows == [] and empty.received == 0
    assert reports.report_csv(empty).startswith(b"\xef\xbb\xbf")
    assert load_workbook(io.BytesIO(reports.report_xlsx(empty)))["单位考评"]["C1"].value == "2026-12"
    assert reports.report_pdf(empty).startswith(b"%PDF-")
