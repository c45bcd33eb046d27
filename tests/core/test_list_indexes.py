"""The work lists read one page through an index (migration 0010), never by scanning or sorting every case."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session

from core.config import Settings
from core.messages import Role
from services import tickets
from services.accounts import CurrentUser


def plans(engine, read) -> list[list[str]]:
    """SQLite's EXPLAIN QUERY PLAN of each query on `tickets` that `read(session)` runs, as it ran them."""
    ran = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "FROM tickets" in statement:
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        with Session(engine) as session:
            read(session)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    with engine.connect() as conn:
        return [[row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {s}", p)] for s, p in ran]


def user(role: Role, unit_id: str, district_id: str | None = None) -> CurrentUser:
    return CurrentUser(id=1, username="u", display_name="u", role=role, unit_id=unit_id, district_id=district_id,
                       street_id=None)


def test_dispatch_queue_reads_its_page_in_index_order(engine):
    [steps] = plans(engine, lambda s: tickets.dispatch_queue(s, user(Role.DISPATCHER, "centre"), 3))
    assert any("USING INDEX ix_tickets_owner_stage_received" in s for s in steps), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps  # no sort of the whole queue


def test_bounce_requests_and_new_cases_use_their_indexes(engine):
    [bounces] = plans(engine, lambda s: tickets.bounce_requests(s, user(Role.DISPATCHER, "centre")))
    assert any("USING INDEX ix_tickets_pending_owner" in s for s in bounces), bounces
    [new] = plans(engine, lambda s: tickets.inbox_new(s, user(Role.HANDLER, "dept-ecology")))
    assert any("USING INDEX ix_tickets_unit_stage_accept" in s for s in new), new
    assert not any("TEMP B-TREE" in s for s in new), new


def test_supervision_board_searches_an_index_not_the_table(engine):
    for supervisor in (user(Role.SUPERVISOR, "supervision"), user(Role.SUPERVISOR, "d-east", "d-east")):
        [steps] = plans(engine, lambda s, who=supervisor: tickets.supervision_board(s, who, 1))
        assert not any(s.startswith("SCAN tickets") for s in steps), steps
        assert any(s.startswith("SEARCH tickets USING") for s in steps), steps


def test_open311_newest_first_needs_no_sort(engine, tmp_path):
    from api.open311.routes import list_requests

    class Query:
        query_params: dict = {}

    settings = Settings(environment="test", data_dir=tmp_path)
    [steps] = plans(engine, lambda s: list_requests("json", Query(), s, settings))
    # either index in newest-first order (on SQLite the text search's index starts the same way, 0015)
    assert any("ix_tickets_received_id" in s or "ix_tickets_text_search" in s for s in steps), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps


def test_a_list_without_pages_says_how_many_it_does_not_show(engine):
    from tests.web.conftest import make_ticket

    for n in range(tickets.PAGE_SIZE + 2):
        make_ticket(engine, f"2026-1130-{n:06d}", pending_request="bounce", state={"pending": {"kind": "bounce"}})
    with Session(engine) as session:
        shown = tickets.bounce_requests(session, user(Role.DISPATCHER, "centre"))
        assert len(shown) == tickets.PAGE_SIZE and shown.more == 2
        assert tickets.inbox_new(session, user(Role.HANDLER, "dept-ecology")).more == 0


def test_a_caller_is_found_through_the_index_of_phone_numbers(engine):
    """The operator's caller history (issue 20) at 100,000 cases: an index lookup, not a scan of every phone."""
    from services import search

    operator = user(Role.OPERATOR, "centre")
    [steps] = plans(engine, lambda s: search.caller_history(s, Settings(), operator, "+86 138 1234 5678"))
    assert any("USING INDEX ix_tickets_phone_received" in s for s in steps), steps


def test_a_search_by_phone_reads_the_index_not_every_case(engine):
    """Even where the planner's statistics say one number fills the phone index (the bench's read model), a phone
    search and the caller history read that index, not every case newest first."""
    from datetime import UTC, datetime

    from services import search
    from tests.web.conftest import make_ticket

    for i in range(60):
        make_ticket(engine, f"T-{i:03d}", received_at=datetime(2026, 11, 1, tzinfo=UTC))  # one phone for all
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    supervisor, operator = user(Role.SUPERVISOR, "supervision"), user(Role.OPERATOR, "centre")
    [steps] = plans(engine, lambda s: search.search(s, Settings(), supervisor, "139 0000 0000"))
    assert any("USING INDEX ix_tickets_phone_received" in s for s in steps), steps
    [steps] = plans(engine, lambda s: search.caller_history(s, Settings(), operator, "139 0000 0000"))
    assert any("USING INDEX ix_tickets_phone_received" in s for s in steps), steps


def test_a_units_cases_in_hand_are_found_in_the_index_of_unit_lists(engine):
    """The handler inbox's cases in hand search the JSON lists of cooperating and consulted units: in the index
    alone (migration 0014), not in the rows with their large state."""
    from services import work_filters

    handler = user(Role.HANDLER, "dept-ecology")
    for tab in ("new", "working"):
        filters = work_filters.WorkFilter.parse(work_filters.INBOX_TABS, tab, "", "", 1)
        steps = plans(engine, lambda s: work_filters.handler_inbox(s, handler, filters))  # noqa: B023
        assert any(any("COVERING INDEX ix_tickets_stage_units" in step for step in s) for s in steps), (tab, steps)


def test_a_text_found_nowhere_is_searched_in_the_index_of_texts(engine):
    """A search for a word no case holds reads every case: in the index of their texts (migration 0015), newest
    first, never the rows with their large state."""
    from services import search

    supervisor = user(Role.SUPERVISOR, "supervision")
    [steps] = plans(engine, lambda s: search.search(s, Settings(), supervisor, "垃圾桶"))
    assert any("USING INDEX ix_tickets_text_search" in s for s in steps), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps
