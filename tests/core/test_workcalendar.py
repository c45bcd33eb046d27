"""Working-day arithmetic: holidays, make-up workdays, working hours, and the fallback for unknown years."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.durations import DurationError, parse_duration, parse_plan
from core.workcalendar import WorkCalendar, seed_rows_from_chinesecalendar

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    rows = seed_rows_from_chinesecalendar()
    return WorkCalendar({d: w for d, w, _ in rows}, {d.year for d, _, _ in rows})


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_working_days_skip_the_national_day_golden_week(calendar):
    # 2026-09-30 is a Wednesday; 1-7 October are holidays, so one working day later is 8 October,
    # and Saturday 10 October is a make-up workday (调休).
    result = calendar.add(at(2026, 9, 30, 10, 0), parse_duration("1wd"))
    assert result.at == at(2026, 10, 8, 10, 0) and not result.fallback
    assert calendar.add(at(2026, 10, 9, 10, 0), parse_duration("1wd")).at == at(2026, 10, 10, 10, 0)


def test_make_up_workday_on_a_weekend_counts(calendar):
    # Sunday 2026-01-04 is a make-up workday (调休) after New Year.
    assert calendar.is_workday(date(2026, 1, 4))
    assert calendar.add(at(2026, 1, 3, 9, 0), parse_duration("1wd")).at == at(2026, 1, 4, 9, 0)


def test_calendar_days_ignore_holidays(calendar):
    assert calendar.add(at(2026, 9, 30, 10, 0), parse_duration("7d")).at == at(2026, 10, 7, 10, 0)


def test_working_hours_stay_inside_office_hours(calendar):
    # Friday 16:30 + 2 working hours: 1 h on Friday (to 17:30), 1 h on Monday from 09:00.
    assert calendar.add(at(2026, 11, 20, 16, 30), parse_duration("2wh")).at == at(2026, 11, 23, 10, 0)
    # Lunch break 12:00-13:30 is not working time.
    assert calendar.add(at(2026, 11, 23, 11, 0), parse_duration("2wh")).at == at(2026, 11, 23, 14, 30)


def test_year_outside_the_table_falls_back_to_weekends_and_says_so(calendar):
    result = calendar.add(at(2026, 12, 30, 10, 0), parse_duration("3wd"))  # Wed -> into 2027
    assert result.at == at(2027, 1, 4, 10, 0)  # Thu 31, Fri 1 (a weekday: no 2027 data), Mon 4
    assert result.fallback


def test_admin_rows_for_a_new_year_are_used():
    cal = WorkCalendar({date(2027, 1, 1): False}, {2026, 2027})
    result = cal.add(datetime(2026, 12, 31, 2, 0, tzinfo=UTC), parse_duration("1wd"))  # 10:00 Shanghai, Thu
    assert result.at.astimezone(SH) == at(2027, 1, 4, 10, 0) and not result.fallback


def test_naive_start_is_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add(datetime(2026, 1, 5, 9), parse_duration("1d"))


@pytest.mark.parametrize("text", ["", "7", "0d", "-1d", "3 weeks", "1wx"])
def test_bad_durations_are_refused(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_plan_needs_four_offsets():
    assert [str(d) for d in parse_plan("1d,3d,5d,7d")] == ["1d", "3d", "5d", "7d"]
    with pytest.raises(DurationError):
        parse_plan("1d,3d,7d")
