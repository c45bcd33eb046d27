"""The supervisor board at 100,000 cases: its requests to rule are found, counted and sorted in one index
(migration 0012), and a list sorted on other columns sorts case ids, then reads only its page of cases."""

from __future__ import annotations

from sqlmodel import Session

from bench.readmodel_fill import fill
from core.messages import Role
from services import tickets
from services.accounts import CurrentUser
from tests.core.test_list_indexes import plans
from tests.utils.statements import statements_run

CITY_SUPERVISOR = CurrentUser(id=1, username="u", display_name="u", role=Role.SUPERVISOR, unit_id="supervision",
                              district_id=None, street_id=None)


def test_requests_to_rule_are_read_from_one_covering_index(engine):
    steps = plans(engine, lambda s: tickets.supervision_requests(s, CITY_SUPERVISOR))
    assert steps and all(any("COVERING INDEX ix_tickets_pending_stage_updated" in s for s in q) for q in steps), steps


def test_a_sorted_page_sorts_ids_and_reads_only_its_cases(engine):
    fill(engine, 300, seed=7)
    with statements_run(engine) as statements, Session(engine) as session:
        page = tickets.supervision_board(session, CITY_SUPERVISOR, 1)
    selected = [" ".join(s.split()).split(" FROM ")[0].split() for s in statements if "ORDER BY" in s]
    assert selected == [["SELECT", "tickets.id"]]
    with Session(engine) as session:  # the same cases in the same order as reading them whole
        whole = session.exec(tickets.supervision_stmt(CITY_SUPERVISOR).limit(tickets.PAGE_SIZE + 1)).all()
    assert [t.id for t in page.rows] == [t.id for t in whole][:tickets.PAGE_SIZE]
    assert page.has_next == (len(whole) > tickets.PAGE_SIZE)
