"""Corrections of the figures in the console: a second person approves an exclusion, the judged unit appeals
once, a supervisor rules, and the figures follow. The case's audit rows are written here the way the
evaluation tests write them; no workflow is needed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from core import evaluation as ev
from core.models.corrections import FigureCorrection
from core.models.tickets import TicketEvent
from tests.web.conftest import make_ticket

CLOSED_AT = datetime(2026, 10, 20, 2, tzinfo=UTC)


def closed_case(engine, ticket_id: str = "C-1") -> str:
    """A case of d-east handled by dept-ecology: a denied bounce, then closed rated dissatisfied."""
    make_ticket(engine, ticket_id, stage="closed", district_id="d-east", street_id="s-east-1",
                closed_at=CLOSED_AT, rating="dissatisfied")
    rows = [("dispatched", {"primary": "dept-ecology"}), ("accepted", {"on_time": True}),
            ("bounce_requested", {}), ("bounce_denied", {}),
            ("closed", {"outcome": "resolved", "rating": "dissatisfied", "on_time": True})]
    with Session(engine) as session:
        for seq, (action, details) in enumerate(rows, start=1):
            session.add(TicketEvent(ticket_id=ticket_id, seq=seq, at=CLOSED_AT - timedelta(hours=10 - seq),
                                    unit_id="dept-ecology", action=action, details=details, stage_after="closed"))
        session.commit()
    return ticket_id


def corrections(engine, ticket_id: str) -> list[FigureCorrection]:
    with Session(engine) as session:
        return list(session.exec(select(FigureCorrection).where(FigureCorrection.ticket_id == ticket_id)
                                 .order_by(FigureCorrection.id)).all())


def october(engine) -> dict[str, ev.UnitFigures]:
    period = ev.parse_period("2026-10")
    with Session(engine) as session:
        return {f.unit_id: f for f in ev.compute_unit_figures(session, period.start, period.end)}


def ecology(engine) -> ev.UnitFigures:
    return october(engine)["dept-ecology"]


async def decide(client, correction_id: int, decision: str, reason: str = "核实属实"):
    return await client.submit(f"/corrections/{correction_id}/decide?lang=en",
                               {"decision": decision, "reason": reason}, form_page="/")


async def test_an_exclusion_needs_a_second_person(site_without_temporal):
    site = site_without_temporal
    ticket_id = closed_case(site.engine)
    proposer = await site.signed_in("east-supervisor")
    page = (await proposer.get(f"/cases/{ticket_id}?lang=en")).text
    assert f'action="/cases/{ticket_id}/corrections/exclusion"' in page and 'value="untrue"' in page

    proposed = await proposer.submit(f"/cases/{ticket_id}/corrections/exclusion",
                                     {"reason_code": "untrue", "text": "诉求人承认情况不实"}, form_page="/")
    assert proposed.status_code == 303
    [row] = corrections(site.engine, ticket_id)
    assert (row.kind, row.decision, row.proposed_by) == ("exclusion", "pending", "east-supervisor")

    own = await decide(proposer, row.id, "approve")
    assert own.status_code == 403 and "cannot decide on your own proposal" in own.text
    assert corrections(site.engine, ticket_id)[0].decision == "pending"
    assert ecology(site.engine).dispatched == 1

    handler = await site.signed_in("h-ecology")
    assert (await decide(handler, row.id, "approve")).status_code == 403

    second = await site.signed_in("supervisor")
    assert (await second.get("/corrections")).text.count(f'action="/corrections/{row.id}/decide"') == 1
    assert (await decide(second, row.id, "approve")).status_code == 303
    [row] = corrections(site.engine, ticket_id)
    assert (row.decision, row.decided_by, row.decision_reason) == ("approved", "supervisor", "核实属实")
    assert october(site.engine) == {}  # the case left every figure: no unit has a counted event
    again = await decide(second, row.id, "reject")
    assert again.status_code == 409


async def test_an_exclusion_needs_a_listed_reason_and_a_supervisor_of_the_area(site_without_temporal):
    site = site_without_temporal
    ticket_id = closed_case(site.engine)
    supervisor = await site.signed_in("supervisor")
    bad = await supervisor.submit(f"/cases/{ticket_id}/corrections/exclusion?lang=en",
                                  {"reason_code": "annoying", "text": "x"}, form_page="/")
    assert bad.status_code == 400 and "Choose one of the listed reasons" in bad.text
    handler = await site.signed_in("h-ecology")
    refused = await handler.submit(f"/cases/{ticket_id}/corrections/exclusion",
                                   {"reason_code": "untrue", "text": "x"}, form_page="/")
    assert refused.status_code == 403 and corrections(site.engine, ticket_id) == []


async def test_the_judged_unit_appeals_once_per_case_and_kind(site_without_temporal):
    site = site_without_temporal
    ticket_id = closed_case(site.engine)
    handler = await site.signed_in("h-ecology")
    page = (await handler.get(f"/cases/{ticket_id}")).text
    assert set(re.findall(r'name="kind" value="(\w+)"', page)) == {"rating_appeal", "criticism_appeal"}

    first = await handler.submit(f"/cases/{ticket_id}/corrections/appeal",
                                 {"kind": "rating_appeal", "text": "回访录音显示诉求人满意"}, form_page="/")
    assert first.status_code == 303
    twice = await handler.submit(f"/cases/{ticket_id}/corrections/appeal?lang=en",
                                 {"kind": "rating_appeal", "text": "再次申诉"}, form_page="/")
    assert twice.status_code == 409 and "already appealed" in twice.text
    other_kind = await handler.submit(f"/cases/{ticket_id}/corrections/appeal",
                                      {"kind": "criticism_appeal", "text": "事项确不属本单位"}, form_page="/")
    assert other_kind.status_code == 303
    assert [(r.kind, r.unit_id, r.decision) for r in corrections(site.engine, ticket_id)] == \
        [("rating_appeal", "dept-ecology", "pending"), ("criticism_appeal", "dept-ecology", "pending")]
    assert 'name="kind"' not in (await handler.get(f"/cases/{ticket_id}")).text


async def test_a_unit_that_was_not_judged_cannot_appeal(site_without_temporal):
    site = site_without_temporal
    ticket_id = closed_case(site.engine)
    for username in ("h-market", "street-east"):
        client = await site.signed_in(username)
        refused = await client.submit(f"/cases/{ticket_id}/corrections/appeal?lang=en",
                                      {"kind": "rating_appeal", "text": "不服"}, form_page="/")
        assert refused.status_code == 403 and "Only the unit that was judged" in refused.text, username
    supervisor = await site.signed_in("supervisor")
    refused = await supervisor.submit(f"/cases/{ticket_id}/corrections/appeal",
                                      {"kind": "criticism_appeal", "text": "不服"}, form_page="/")
    assert refused.status_code == 403 and corrections(site.engine, ticket_id) == []


async def test_a_supervisor_rules_on_an_appeal_and_the_figures_follow(site_without_temporal):
    site = site_without_temporal
    ticket_id = closed_case(site.engine)
    handler = await site.signed_in("h-ecology")
    for kind in ("rating_appeal", "criticism_appeal"):
        await handler.submit(f"/cases/{ticket_id}/corrections/appeal", {"kind": kind, "text": "证据"}, form_page="/")
    rating, criticism = corrections(site.engine, ticket_id)
    before = ecology(site.engine)
    assert (before.rated, before.bounces_denied, before.first_receiver_cases) == (1, 1, [ticket_id])

    supervisor = await site.signed_in("east-supervisor")
    assert (await decide(supervisor, rating.id, "approve")).status_code == 303
    assert (await decide(supervisor, criticism.id, "reject")).status_code == 303
    after = ecology(site.engine)
    assert (after.rated, after.satisfaction_rate) == (0, None)
    assert (after.bounces_denied, after.first_receiver_cases) == (1, [ticket_id])
    assert [r.decision for r in corrections(site.engine, ticket_id)] == ["upheld", "rejected"]
    page = (await supervisor.get(f"/cases/{ticket_id}?lang=en")).text
    assert "Upheld" in page and "Rejected" in page and "east-supervisor 测试" in page
