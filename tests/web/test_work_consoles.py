"""The handler inbox, the supervisor board and the street's whistles as work tables: tabs and counts, why each
case is listed, the clocks' colours, filters by unit and colour, the legend, paging; bounded queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core.models.tickets import TicketEvent
from services.tickets import Page
from services.work_filters import COUNT_CAP, WorkFilter, WorkList
from tests.utils.statements import statements_run
from tests.web.conftest import make_ticket

NOW = datetime.now(UTC)


def rows(html: str) -> list[str]:
    """The ticket ids of the work table's rows, in order."""
    table = re.search(r'<table class="work-table.*?</table>', html, re.S).group(0)
    return re.findall(r'<tr[^>]*data-ticket="([^"]+)"', table)


def why(html: str, ticket_id: str) -> list[str]:
    row = re.search(rf'<tr[^>]*data-ticket="{re.escape(ticket_id)}".*?</tr>', html, re.S).group(0)
    return re.findall(r'data-why="([^"]+)"', row)


def clock(html: str, ticket_id: str, kind: str) -> str:
    row = re.search(rf'<tr[^>]*data-ticket="{re.escape(ticket_id)}".*?</tr>', html, re.S).group(0)
    return re.search(rf'class="chip clock (\w+)"[^>]*data-clock="{kind}"', row).group(1)


def add_event(engine, ticket_id: str, seq: int, action: str, at: datetime) -> None:
    with Session(engine) as session:
        session.add(TicketEvent(ticket_id=ticket_id, seq=seq, at=at, action=action, actor_id="x"))
        session.commit()


def dispatched(engine, ticket_id: str, **fields):
    values = dict(stage="dispatched", dispatched_at=NOW - timedelta(hours=3), accept_deadline=NOW + timedelta(hours=5),
                  closure_deadline=NOW + timedelta(days=10), next_checkpoint_at=NOW + timedelta(days=2))
    return make_ticket(engine, ticket_id, **{**values, **fields})


async def test_inbox_tabs_count_and_say_why_each_case_is_listed(site_without_temporal):
    engine = site_without_temporal.engine
    dispatched(engine, "T-NEW")
    dispatched(engine, "T-AGAIN", reopen_count=1)
    make_ticket(engine, "T-REWORK", wait_kind="rework", wait_due=NOW + timedelta(days=1))
    make_ticket(engine, "T-COOP", primary_unit_id="dept-market", cooperating_unit_ids=["dept-ecology"])
    make_ticket(engine, "T-ASKED", primary_unit_id="dept-market", pending_request="consultation",
                consulted_unit_ids=["dept-ecology"])
    make_ticket(engine, "T-ANSWERED")
    add_event(engine, "T-ANSWERED", 1, "extension_requested", NOW - timedelta(hours=2))
    add_event(engine, "T-ANSWERED", 2, "extension_approved", NOW - timedelta(hours=1))
    add_event(engine, "T-ANSWERED", 3, "checkpoint", NOW)  # a clock's event is no step of the unit
    make_ticket(engine, "T-ACTED")
    add_event(engine, "T-ACTED", 1, "extension_denied", NOW - timedelta(hours=2))
    add_event(engine, "T-ACTED", 2, "progress", NOW - timedelta(hours=1))
    make_ticket(engine, "T-OTHER", primary_unit_id="dept-housing")
    client = await site_without_temporal.signed_in("h-ecology")

    new = (await client.get("/inbox")).text  # new cases first while any waits
    assert sorted(rows(new)) == ["T-AGAIN", "T-NEW"]
    assert 'class="count">2<' in new and 'class="count">5<' in new  # 2 new, 5 in hand
    assert why(new, "T-NEW") == ["new_dispatch"] and why(new, "T-AGAIN") == ["reopened"]
    assert "/cases/T-NEW/accept" in new

    working = (await client.get("/inbox?tab=working")).text
    assert sorted(rows(working)) == ["T-ACTED", "T-ANSWERED", "T-ASKED", "T-COOP", "T-REWORK"]
    assert why(working, "T-REWORK") == ["rework"]
    assert why(working, "T-COOP") == ["cooperating"]
    assert why(working, "T-ASKED") == ["consultation_asked"]
    assert why(working, "T-ANSWERED") == ["answer"] and "同意延期" in working
    assert why(working, "T-ACTED") == ["in_hand"]  # the unit acted after the answer
    english = (await client.get("/inbox?tab=working&lang=en")).text
    assert "approved the extension" in english and "Returned for rework" in english


async def test_clocks_show_time_left_in_colour(site_without_temporal):
    engine = site_without_temporal.engine
    dispatched(engine, "T-CALM", dispatched_at=NOW - timedelta(hours=1), accept_deadline=NOW + timedelta(hours=23))
    dispatched(engine, "T-TIGHT", dispatched_at=NOW - timedelta(hours=20), accept_deadline=NOW + timedelta(hours=2),
               next_checkpoint_at=NOW + timedelta(hours=3))
    dispatched(engine, "T-LATE", accept_deadline=NOW - timedelta(minutes=30))
    inbox = (await (await site_without_temporal.signed_in("h-ecology")).get("/inbox")).text
    assert clock(inbox, "T-CALM", "accept") == "green"
    assert clock(inbox, "T-TIGHT", "accept") == "yellow"  # in the last quarter of its span
    assert clock(inbox, "T-TIGHT", "checkpoint") == "yellow"  # its last day: no earlier checkpoint known
    assert clock(inbox, "T-LATE", "accept") == "red"
    assert clock(inbox, "T-CALM", "closure") == "green"
    assert "剩余" in inbox and "已超时" in inbox  # durations in the page's language
    assert rows(inbox)[0] == "T-LATE"  # the acceptance limit nearest first


async def test_inbox_filters_by_unit_and_colour_and_keeps_them_across_tabs(site_without_temporal):
    engine = site_without_temporal.engine
    make_ticket(engine, "T-OWN-RED", colour="red")
    make_ticket(engine, "T-OWN-GREEN")
    make_ticket(engine, "T-MARKET", primary_unit_id="dept-market", cooperating_unit_ids=["dept-ecology"],
                colour="yellow")
    make_ticket(engine, "T-LATE", colour="red", overdue=True)
    client = await site_without_temporal.signed_in("h-ecology")
    page = (await client.get("/inbox")).text
    assert '<select name="unit">' in page and 'value="dept-market"' in page  # it sees cases of two units
    by_unit = (await client.get("/inbox?tab=working&unit=dept-market")).text
    assert rows(by_unit) == ["T-MARKET"] and 'value="dept-market" selected' in by_unit
    red = (await client.get("/inbox?tab=working&colour=red")).text
    assert sorted(rows(red)) == ["T-LATE", "T-OWN-RED"]
    assert 'href="/inbox?tab=new&amp;colour=red"' in red  # the other tab keeps the filter
    late = (await client.get("/inbox?colour=overdue")).text
    assert rows(late) == ["T-LATE"]
    assert sorted(rows((await client.get("/inbox?colour=purple&tab=bogus")).text)) == [
        "T-LATE", "T-MARKET", "T-OWN-GREEN", "T-OWN-RED"]  # an unknown value is ignored


async def test_board_says_why_listed_and_explains_its_chips(site_without_temporal):
    engine = site_without_temporal.engine
    checkpoints = [{"index": 1, "due": (NOW - timedelta(days=2)).isoformat(), "colour": "green", "note": "accepted"},
                   {"index": 2, "due": (NOW - timedelta(days=1)).isoformat(), "colour": "yellow",
                    "note": "no progress since the previous checkpoint"},
                   {"index": 3, "due": (NOW + timedelta(days=1)).isoformat()},
                   {"index": 4, "due": (NOW + timedelta(days=3)).isoformat()}]
    make_ticket(engine, "T-LAG", colour="yellow", state={"checkpoints": checkpoints},
                dispatched_at=NOW - timedelta(days=3), closure_deadline=NOW + timedelta(days=3),
                next_checkpoint_at=NOW + timedelta(days=1))
    make_ticket(engine, "T-LATE", colour="red", overdue=True, closure_deadline=NOW - timedelta(hours=2))
    make_ticket(engine, "T-WAIT", stage="review", wait_kind="review", wait_due=NOW + timedelta(hours=3))
    dispatched(engine, "T-UNACCEPTED", accept_deadline=NOW - timedelta(hours=1))
    make_ticket(engine, "T-CALM", closure_deadline=NOW + timedelta(days=9))
    board = (await (await site_without_temporal.signed_in("supervisor")).get("/supervise?lang=en")).text
    assert rows(board)[0] == "T-LATE" and "T-CALM" not in rows(board)
    assert why(board, "T-LATE") == ["overdue"]
    assert why(board, "T-LAG") == ["checkpoint"] and "Checkpoint 2: Yellow" in board
    assert "no progress since the previous checkpoint" in board
    assert why(board, "T-WAIT") == ["waiting"] and "Waiting for the review of the result until" in board
    assert clock(board, "T-WAIT", "wait") == "yellow"
    assert why(board, "T-UNACCEPTED") == ["not_accepted"] and clock(board, "T-UNACCEPTED", "accept") == "red"
    assert clock(board, "T-LATE", "closure") == "red"
    assert 'class="legend"' in board and "four checkpoints" in board
    assert all(f'class="cp {c}"' in board for c in ("pending", "green", "yellow", "red"))


async def test_board_requests_tab_filters_and_pages(site_without_temporal):
    engine = site_without_temporal.engine
    for i in range(53):
        make_ticket(engine, f"T-{i:03d}", colour="red", primary_unit_id="dept-ecology" if i % 2 else "dept-market")
    make_ticket(engine, "T-EXT", pending_request="extension",
                state={"pending": {"kind": "extension", "reason": "需第三方检测", "extra": "3wd"}})
    client = await site_without_temporal.signed_in("supervisor")
    first = (await client.get("/supervise")).text  # a request waits: its tab first
    assert rows(first) == ["T-EXT"] and "需第三方检测" in first and "/cases/T-EXT/rule_extension" in first
    board = (await client.get("/supervise?tab=board")).text
    assert len(rows(board)) == 50 and 'href="/supervise?page=2&amp;tab=board"' in board
    assert 'class="count">54<' in board  # 53 red cases and the one with a request
    second = (await client.get("/supervise?page=2&tab=board")).text
    assert len(rows(second)) == 4
    market = (await client.get("/supervise?tab=board&unit=dept-market")).text
    assert len(rows(market)) == 27 and all(int(t[2:]) % 2 == 0 for t in rows(market))
    assert (await client.get("/supervise?tab=board&unit=dept-market&colour=green")).text.count("data-ticket=") == 0


async def test_a_streets_inbox_lists_its_whistles_waiting_for_a_review_or_rating(site_without_temporal):
    engine = site_without_temporal.engine
    whistle = dict(channel="whistle", whistle_unit_id="s-east-1", street_id="s-east-1", cooperating_unit_ids=[])
    make_ticket(engine, "T-REVIEW", stage="review", **whistle)
    make_ticket(engine, "T-RATE", stage="rating", **whistle)
    make_ticket(engine, "T-OWN", stage="review", **{**whistle, "primary_unit_id": "s-east-1"})
    make_ticket(engine, "T-OWN-RATE", stage="rating", **{**whistle, "primary_unit_id": "s-east-1"})
    make_ticket(engine, "T-HANDLED", stage="in_progress", **whistle)  # the unit still works: nothing to judge
    street = await site_without_temporal.signed_in("street-east")
    inbox = (await street.get("/inbox")).text
    assert "没有新工单" in inbox  # nothing new: the cases in hand are shown
    assert sorted(rows(inbox)) == ["T-OWN", "T-OWN-RATE", "T-RATE", "T-REVIEW"]
    assert why(inbox, "T-REVIEW") == ["whistle_review"] and why(inbox, "T-RATE") == ["whistle_rate"]
    assert why(inbox, "T-OWN") == ["whistle_dispatcher_review"]
    assert why(inbox, "T-OWN-RATE") == ["whistle_dispatcher_rate"]
    other = (await (await site_without_temporal.signed_in("street-west")).get("/inbox")).text
    assert rows(other) == []


async def test_a_whistle_handled_by_a_department_waits_in_the_streets_inbox_for_its_review(site):
    """Through the real loop: before, the street's inbox said nothing waited while its whistle waited for it."""
    grid = await site.signed_in("grid-east")
    page = await grid.get("/whistle")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    created = await grid.submit("/whistle", {"description": "建设路饭店油烟扰民，多次劝说无效", "idempotency_key": key})
    ticket_id = re.search(r'data-ticket="([^"]+)"', created.text).group(1)
    await site.wait_for(ticket_id, lambda t: t.last_seq >= 2)
    await (await site.signed_in("dispatcher")).act(ticket_id, "dispatch", item_code="MK-001",
                                                   primary_unit_id="dept-ecology")
    handler = await site.signed_in("h-ecology")
    await handler.act(ticket_id, "accept")
    assert (await handler.act(ticket_id, "submit", summary="已加装油烟净化器", outcome="resolved")).status_code == 303
    await site.wait_for(ticket_id, lambda t: t.stage == "review")
    street = await site.signed_in("street-east")
    inbox = (await street.get("/inbox")).text
    assert rows(inbox) == [ticket_id] and why(inbox, ticket_id) == ["whistle_review"]
    assert (await street.act(ticket_id, "review", decision="approve")).status_code == 303
    await site.wait_for(ticket_id, lambda t: t.stage == "rating")
    assert why((await street.get("/inbox")).text, ticket_id) == ["whistle_rate"]


async def test_whistle_list_shows_each_whistles_text_and_stage(site_without_temporal):
    engine = site_without_temporal.engine
    text = "东关街道建设路口有人占道经营，摊位一直摆到人行道中间，行人只能走机动车道，早晚高峰特别危险" * 2
    make_ticket(engine, "T-W1", channel="whistle", whistle_unit_id="s-east-1", stage="review", description=text)
    make_ticket(engine, "T-W2", channel="whistle", whistle_unit_id="s-east-1", stage="in_progress",
                description="路灯不亮 13812345678")
    street = (await (await site_without_temporal.signed_in("street-east")).get("/whistles")).text
    assert text[:40] in street and text not in street.replace(f'title="{text}"', "")  # shown truncated
    assert "待审核" in street and why(street, "T-W1") == ["whistle_review"]
    assert "路灯不亮" in street and "13812345678" not in street  # masked as everywhere else
    grid = (await (await site_without_temporal.signed_in("grid-east")).get("/whistles")).text
    assert "路灯不亮" in grid and why(grid, "T-W1") == []  # the grid worker does not review: the street does


async def test_inbox_pages_keep_the_filter_and_query_count_does_not_grow_with_rows(site_without_temporal):
    engine = site_without_temporal.engine
    client = await site_without_temporal.signed_in("h-ecology")

    async def queries(path: str) -> int:
        with statements_run(engine) as statements:
            assert (await client.get(path)).status_code == 200
        return len(statements)

    dispatched(engine, "T-0")
    await queries("/inbox?colour=green")  # the filter's unit choices are kept a minute
    few = await queries("/inbox?colour=green")
    for i in range(1, 56):
        dispatched(engine, f"T-{i}")
    many = await queries("/inbox?colour=green")
    assert many == few  # no query per row
    page = (await client.get("/inbox?colour=green")).text
    assert len(rows(page)) == 50 and 'href="/inbox?page=2&amp;tab=new&amp;colour=green"' in page
    assert len(rows((await client.get("/inbox?page=2&tab=new&colour=green")).text)) == 6
    make_ticket(engine, "T-HAND")
    past_the_end = (await client.get("/inbox?tab=working&page=7")).text  # the count comes from elsewhere then
    assert rows(past_the_end) == [] and 'class="count">1<' in past_the_end


def test_filter_query_strings():
    view = WorkFilter.parse(("new", "working"), "working", " dept-market ", "red", 3)
    assert view.query() == "?page=3&tab=working&unit=dept-market&colour=red"
    assert view.query(tab="new", page=1) == "?tab=new&unit=dept-market&colour=red"
    assert WorkFilter.parse(("new",), "x", "", "blue", -2) == WorkFilter()
    busy = WorkList("board", [], Page([], 1, False), {"board": COUNT_CAP + 1, "requests": 3}, [], WorkFilter())
    assert busy.shown("board") == f"{COUNT_CAP}+" and busy.shown("requests") == "3"
