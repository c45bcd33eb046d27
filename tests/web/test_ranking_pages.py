"""The pages follow the one ranking rule and open on the latest month with data.

The board lists units under the minimum sample as "not ranked (n < 5)", never with a position; the public
rankings show the latest month live, marked provisional, before any month is frozen; the staff report and
dashboard open on the newest month with counted events rather than the calendar's last month.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from tests.evaluation.month import AuditLog, Close

RANK_CELLS = re.compile(r'<td class="rank">(.*?)</td>')
UNITS = ("dept-ecology", "dept-market", "dept-housing")


def one_case_each(engine, first_day: datetime) -> None:
    """Three departments with one closed case each, a day apart from `first_day`."""
    with Session(engine) as session:
        log = AuditLog(session)
        for i, unit in enumerate(UNITS):
            ticket_id = f"ONE-{i}"
            log.ticket(ticket_id, first_day + timedelta(days=i))
            log.dispatch(ticket_id, unit)
            log.accept(ticket_id, unit)
            log.close(ticket_id, unit, Close())
        session.commit()


async def test_the_board_does_not_rank_units_with_one_case_each(site_without_temporal):
    one_case_each(site_without_temporal.engine, datetime.now(UTC) - timedelta(days=5))
    client = site_without_temporal.client()
    page = (await client.get("/board")).text
    assert "市市场监管局" in page and "市住建局" in page and "市生态环境局" in page
    cells = RANK_CELLS.findall(page)
    assert len(cells) == 3 and all(cell.startswith("未排名") and "5" in cell for cell in cells)
    english = (await client.get("/board?lang=en")).text
    assert RANK_CELLS.findall(english) == ["not ranked (n &lt; 5)"] * 3


async def test_public_rankings_before_any_freeze_show_the_latest_month_as_provisional(site_without_temporal):
    one_case_each(site_without_temporal.engine, datetime(2026, 8, 10, 2, tzinfo=UTC))
    client = site_without_temporal.client()
    page = (await client.get("/public/rankings?lang=en")).text
    assert "Provisional: 2026-08 has not been frozen yet" in page
    assert "City Market Regulation Bureau" in page and RANK_CELLS.findall(page) == ["not ranked (n &lt; 5)"] * 3
    assert "张三" not in page and "13812345678" not in page  # the generated tickets' complainant
    criticism = await client.get("/public/criticism?lang=en")
    assert criticism.status_code == 200 and "Provisional: 2026-08" in criticism.text
    assert (await client.get("/public/rankings?month=2026-07")).status_code == 404  # only the month shown


async def test_the_staff_pages_open_on_the_month_with_data(site_without_temporal):
    one_case_each(site_without_temporal.engine, datetime(2026, 8, 10, 2, tzinfo=UTC))
    client = await site_without_temporal.signed_in("supervisor")
    report = (await client.get("/evaluation?lang=en")).text
    assert "Monthly evaluation report: Qingchuan City · 2026-08" in report
    assert RANK_CELLS.findall(report) == ["not ranked (n &lt; 5)"] * 3
    dashboard = (await client.get("/evaluation/dashboard?lang=en")).text
    assert "Rates in 2026-08" in dashboard
    download = await client.get("/evaluation/report.csv")
    assert 'filename="evaluation-2026-08-city.csv"' in download.headers["content-disposition"]
