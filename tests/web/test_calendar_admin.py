"""The working-day calendar admin: list a year, add, edit and delete days, and deadlines follow the table."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlmodel import Session

from activities.deadlines import ComputeDeadlinesInput, DeadlineActivities, DeadlineRequest
from core.models.calendar import CalendarDay
from tests.web.conftest import file_public
from web.spans import TZ

_ACTIVITIES: dict[int, DeadlineActivities] = {}


def deadline(site, start: datetime, duration: str):
    """One DeadlineActivities per site, as a worker keeps one: an admin's edit must reach it at once."""
    activities = _ACTIVITIES.setdefault(id(site.engine), DeadlineActivities(site.engine, site.settings))
    computed = activities.compute_deadlines(ComputeDeadlinesInput([DeadlineRequest(start, duration)]))
    return computed.times[0], computed.calendar_fallback


def day(site, when: date) -> CalendarDay | None:
    with Session(site.engine) as session:
        return session.get(CalendarDay, when)


def error_of(page: str, field: str) -> str:
    match = re.search(rf'id="error-{field}"[^>]*>([^<]*)<', page)
    assert match, f"no error shown next to {field}"
    return match.group(1)


async def test_a_year_lists_its_holidays_and_make_up_workdays(site_without_temporal):
    admin = await site_without_temporal.signed_in("admin")
    page = await admin.get("/admin/calendar?year=2026")
    assert page.status_code == 200
    national_day = page.text.split('id="day-2026-10-01"')[1].split("</tr>")[0]
    assert "National Day" in national_day and "节假日" in national_day
    assert "2004–2026" in page.text and "周一至周五" in page.text  # the years known, and the fallback rule
    unknown = await admin.get("/admin/calendar?year=2027")
    assert "2027年尚未发布" in unknown.text and 'id="day-' not in unknown.text


async def test_adding_and_deleting_a_holiday_moves_working_day_deadlines(site_without_temporal):
    site = site_without_temporal
    friday = datetime(2027, 1, 8, 10, 0, tzinfo=TZ)
    before, fallback = deadline(site, friday, "1wd")
    assert before.date() == date(2027, 1, 11) and fallback  # 2027 unknown: weekends only

    admin = await site.signed_in("admin")
    added = await admin.submit("/admin/calendar/days", {"day": "2027-01-11", "kind": "holiday", "name": "测试假日"},
                               form_page="/admin/calendar")
    assert added.status_code == 303 and added.headers["location"] == "/admin/calendar?year=2027"
    row = day(site, date(2027, 1, 11))
    assert (row.is_workday, row.name, row.source) == (False, "测试假日", "admin")
    after, fallback = deadline(site, friday, "1wd")
    assert after.date() == date(2027, 1, 12) and fallback  # counted, but provisional: 2027 is not published
    published = await admin.submit("/admin/calendar/years/2027/publish", {}, form_page="/admin/calendar?year=2027")
    assert published.status_code == 303
    assert deadline(site, friday, "1wd") == (after, False)  # published: the year is known, no reload delay
    listed = await admin.get("/admin/calendar?year=2027")
    assert "测试假日" in listed.text and "2004–2027" in listed.text

    deleted = await admin.submit("/admin/calendar/days/2027-01-11/delete", {}, form_page="/admin/calendar")
    assert deleted.status_code == 303 and day(site, date(2027, 1, 11)) is None
    assert deadline(site, friday, "1wd") == (before, False)  # the deletion counts at once


async def test_a_make_up_workday_counts_as_a_working_day(site_without_temporal):
    site = site_without_temporal
    friday = datetime(2027, 1, 8, 10, 0, tzinfo=TZ)
    admin = await site.signed_in("admin")
    response = await admin.submit("/admin/calendar/days", {"day": "2027-01-09", "kind": "workday", "name": ""},
                                  form_page="/admin/calendar")
    assert response.status_code == 303
    assert deadline(site, friday, "1wd")[0].date() == date(2027, 1, 9)


async def test_editing_a_day_changes_it_in_place_or_moves_it(site_without_temporal):
    site = site_without_temporal
    admin = await site.signed_in("admin")
    form = await admin.get("/admin/calendar?edit=2026-10-07")
    assert 'value="2026-10-07"' in form.text and 'action="/admin/calendar/days/2026-10-07"' in form.text
    renamed = await admin.submit("/admin/calendar/days/2026-10-07", {"day": "2026-10-07", "kind": "holiday",
                                                                      "name": "国庆节"},
                                 form_page="/admin/calendar")
    assert renamed.status_code == 303
    assert (day(site, date(2026, 10, 7)).name, day(site, date(2026, 10, 7)).source) == ("国庆节", "admin")
    moved = await admin.submit("/admin/calendar/days/2026-10-07", {"day": "2026-10-08", "kind": "holiday",
                                                                    "name": "国庆节"},
                               form_page="/admin/calendar")
    assert moved.status_code == 303
    assert day(site, date(2026, 10, 7)) is None and day(site, date(2026, 10, 8)).name == "国庆节"


async def test_invalid_days_are_refused_with_the_reason_next_to_the_field(site_without_temporal):
    site = site_without_temporal
    admin = await site.signed_in("admin")
    nameless = await admin.submit("/admin/calendar/days", {"day": "2027-02-01", "kind": "holiday", "name": ""},
                                  form_page="/admin/calendar")
    assert nameless.status_code == 400 and error_of(nameless.text, "name")
    duplicate = await admin.submit("/admin/calendar/days", {"day": "2026-10-01", "kind": "holiday", "name": "重复"},
                                   form_page="/admin/calendar")
    assert duplicate.status_code == 400 and "2026-10-01" in error_of(duplicate.text, "day")
    weekday = await admin.submit("/admin/calendar/days", {"day": "2027-02-01", "kind": "workday", "name": ""},
                                 form_page="/admin/calendar")
    assert weekday.status_code == 400 and error_of(weekday.text, "kind")
    no_date = await admin.submit("/admin/calendar/days", {"day": "2027-02-30", "kind": "holiday", "name": "x"},
                                 form_page="/admin/calendar")
    assert no_date.status_code == 400 and error_of(no_date.text, "day")
    onto_another = await admin.submit("/admin/calendar/days/2026-10-07", {"day": "2026-10-06", "kind": "holiday",
                                                                           "name": "国庆节"},
                                      form_page="/admin/calendar")
    assert onto_another.status_code == 400 and day(site, date(2026, 10, 7)).name == "National Day"
    assert day(site, date(2027, 2, 1)) is None and day(site, date(2026, 10, 1)).name != "重复"
    assert (await admin.get("/admin/calendar?edit=2027-02-02")).status_code == 404


async def test_only_admins_change_the_calendar(site_without_temporal):
    site = site_without_temporal
    supervisor = await site.signed_in("supervisor")
    assert (await supervisor.get("/admin/calendar")).status_code == 403
    response = await supervisor.submit("/admin/calendar/days/2026-10-01/delete", {}, form_page="/")
    assert response.status_code == 403 and day(site, date(2026, 10, 1)) is not None
    admin = await site.signed_in("admin")
    forged = await admin.post("/admin/calendar/days/2026-10-01/delete", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and day(site, date(2026, 10, 1)) is not None


async def test_an_edit_while_cases_are_open_moves_their_deadlines_and_says_so(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology")
    before = await site.wait_for(ticket_id, lambda t: t.accept_deadline is not None)
    limit_day = before.accept_deadline.astimezone(TZ).date()

    admin = await site.signed_in("admin")
    added = await admin.submit("/admin/calendar/days", {"day": limit_day.isoformat(), "kind": "holiday",
                                                        "name": "临时假日"}, form_page="/admin/calendar")
    assert added.status_code == 303
    after = await site.wait_for(ticket_id, lambda t: t.accept_deadline != before.accept_deadline)
    assert after.accept_deadline > before.accept_deadline
    page = await admin.get(added.headers["location"])
    assert "条办理中的工单重新计算时限" in page.text  # the admin is told how many cases were recounted
