"""Months, quarters and years in Asia/Shanghai, as [start, end) in UTC; the definitions shown to users."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import evaluation as ev


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_month_starts_and_ends_at_local_midnight():
    october = ev.parse_period("2026-10")
    assert (october.kind, october.key) == ("month", "2026-10")
    assert october.start == utc(2026, 9, 30, 16) and october.end == utc(2026, 10, 31, 16)
    assert october.start <= utc(2026, 10, 31, 15, 30) < october.end  # 23:30 on 31 October, local


def test_quarters_and_years():
    q4 = ev.parse_period("2026-q4")
    assert (q4.key, q4.start, q4.end) == ("2026-Q4", utc(2026, 9, 30, 16), utc(2026, 12, 31, 16))
    assert q4.months() == ["2026-10", "2026-11", "2026-12"]
    year = ev.parse_period("2026")
    assert (year.start, year.end) == (utc(2025, 12, 31, 16), utc(2026, 12, 31, 16))
    assert len(year.months()) == 12 and ev.parse_period("2026-Q1").months()[0] == "2026-01"


@pytest.mark.parametrize("key", ["", "2026-13", "2026-00", "2026-Q5", "26-10", "2026/10", "abcd"])
def test_bad_periods_are_refused(key):
    with pytest.raises(ValueError, match="not a period"):
        ev.parse_period(key)


def test_previous_month_is_local():
    assert ev.previous_month_key(utc(2026, 10, 31, 18)) == "2026-10"  # 02:00 on 1 November in Shanghai
    assert ev.previous_month_key(utc(2026, 10, 31, 15)) == "2026-09"  # still 31 October locally
    assert ev.previous_month_key(utc(2026, 1, 1, 0)) == "2025-12"
    assert ev.month_key(utc(2026, 10, 31, 16)) == "2026-11"


def test_month_arithmetic():
    assert ev.shift_month("2026-01", -1) == "2025-12" and ev.shift_month("2026-12", 1) == "2027-01"
    assert ev.months_ending("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_every_definition_is_written_in_chinese_and_english():
    keys = [d.key for d in ev.DEFINITIONS]
    assert len(keys) == len(set(keys))
    for key in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate", "first_receiver",
                "street_score", "year_end", "ranking", "period", "no_cases"):
        d = ev.DEFINITION_BY_KEY[key]
        assert d.name("zh_Hans") != d.name("en") and d.text("zh_Hans") and d.text("en")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in d.zh)


def test_parameters_are_written_exactly():
    from fractions import Fraction

    assert [ev.fraction_text(Fraction(x)) for x in ("0.3", "1", "1/3", "0.125", "10")] == \
        ["0.3", "1", "1/3", "0.125", "10"]
