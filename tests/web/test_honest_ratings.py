"""Honest figures in the console (issue 18): the rating form preselects nothing and asks "solved?", the hotline
calls back the unconfirmed cases (回访), every complainant of a merged case follows and rates it, and a street's
self-handled whistle goes to its dispatcher for review."""

from __future__ import annotations

from sqlmodel import Session

from core.messages import Role
from services.accounts import CurrentUser
from services.tickets import review_queue
from tests.web.conftest import file_public, make_ticket


async def _to_rating(site, ticket_id: str) -> None:
    dispatcher = await site.signed_in("dispatcher")
    handler = await site.signed_in("h-ecology")
    assert (await dispatcher.act(ticket_id, "dispatch", item_code="MK-001",
                                 primary_unit_id="dept-ecology")).status_code == 303
    await site.wait_for(ticket_id, lambda t: t.stage == "dispatched")
    await handler.act(ticket_id, "accept")
    await site.wait_for(ticket_id, lambda t: t.stage == "in_progress")
    unsaid = await handler.act(ticket_id, "submit", summary="已加装净化器")
    assert unsaid.status_code == 400 and "请从列表中选择办理结果" in unsaid.text  # the unit says which; none preset
    await handler.act(ticket_id, "submit", summary="已加装净化器", outcome="resolved")
    await site.wait_for(ticket_id, lambda t: t.stage == "review")
    await dispatcher.act(ticket_id, "review", decision="approve")
    await site.wait_for(ticket_id, lambda t: t.stage == "rating")


async def test_an_unconfirmed_rating_is_called_back_and_the_answer_is_the_rating(site):
    ticket_id, secret = await file_public(site)
    await _to_rating(site, ticket_id)
    citizen = site.client()
    track = f"/track/{ticket_id}"
    form = (await citizen.track(ticket_id, secret)).text
    assert "问题是否已解决" in form and " checked" not in form  # nothing preselected
    rated = await citizen.submit(f"/track/{ticket_id}/rate", {"secret": secret, "rating": "satisfied"},
                                 form_page=track)  # an old form, or a citizen who skipped the question
    assert rated.status_code == 303
    await site.wait_for(ticket_id, lambda t: t.stage == "return_visit")

    operator = await site.signed_in("operator")
    listed = (await operator.get("/return-visits")).text
    assert ticket_id in listed and "未确认解决" in listed
    page = (await operator.get(f"/cases/{ticket_id}")).text
    assert "/return_visit" in page
    incomplete = await operator.act(ticket_id, "return_visit", reached="yes", rating="satisfied")
    assert incomplete.status_code == 400
    done = await operator.act(ticket_id, "return_visit", reached="yes", resolved="no", rating="basically_satisfied",
                              note="净化器装了但还有味")
    assert done.status_code == 303
    row = await site.wait_for(ticket_id, lambda t: t.stage == "closed")
    assert (row.rating, row.rating_source, row.resolved) == ("basically_satisfied", "return_visit", False)


async def test_a_merged_complainant_follows_and_rates_the_case_it_joined(site):
    kept, kept_secret = await file_public(site)
    duplicate, secret = await file_public(site, description="建设路那家饭店油烟太大了")
    dispatcher = await site.signed_in("dispatcher")
    finished = await dispatcher.act(duplicate, "merge", duplicate_of="T-nonexistent", reason="重复")
    assert finished.status_code == 400
    assert (await dispatcher.act(duplicate, "merge", duplicate_of=kept, reason="同一饭店")).status_code == 303
    await site.wait_for(kept, lambda t: duplicate in (t.state or {}).get("joined", []))
    await _to_rating(site, kept)

    citizen = site.client()
    track = f"/track/{duplicate}"
    page = (await citizen.track(duplicate, secret)).text
    assert f"已并入工单 {kept}" in page and "已加装净化器" in page and "问题是否已解决" in page
    rated = await citizen.submit(f"/track/{duplicate}/rate", {"secret": secret, "rating": "basically_satisfied",
                                                              "resolved": "yes"}, form_page=track)
    assert rated.status_code == 303
    assert site.ticket(kept).stage == "rating"  # the first complainant has not rated yet
    first = site.client()
    first_track = "/track"
    await first.submit(f"/track/{kept}/rate", {"secret": kept_secret, "rating": "satisfied", "resolved": "yes"},
                       form_page=first_track)
    row = await site.wait_for(kept, lambda t: t.stage == "closed")
    assert (row.rating, row.resolved) == ("basically_satisfied", True)  # once per case: the worst answer


async def test_a_self_handled_whistle_is_reviewed_by_its_dispatcher(site_without_temporal):
    engine = site_without_temporal.engine
    make_ticket(engine, "T-SELF", stage="review", channel="whistle", whistle_unit_id="s-east-1",
                primary_unit_id="s-east-1", dispatch_owner_id="centre")
    make_ticket(engine, "T-OTHER", stage="review", channel="whistle", whistle_unit_id="s-east-1",
                primary_unit_id="dept-ecology", dispatch_owner_id="centre")
    make_ticket(engine, "T-COOP", stage="rating", channel="whistle", whistle_unit_id="s-east-1",
                primary_unit_id="dept-ecology", cooperating_unit_ids=["s-east-1"], dispatch_owner_id="centre")
    user = CurrentUser(id=1, username="dispatcher", role=Role.DISPATCHER, display_name="", unit_id="centre",
                       district_id=None, street_id=None)
    with Session(engine) as session:
        listed = {t.id for t in review_queue(session, user, site_without_temporal.settings)}
    assert listed == {"T-SELF", "T-COOP"}
    page = (await (await site_without_temporal.signed_in("dispatcher")).get("/dispatch?tab=reviews")).text
    assert "T-SELF" in page and "T-COOP" in page and "T-OTHER" not in page


async def test_a_rating_reads_the_case_and_not_its_timeline(site_without_temporal, monkeypatch):
    """The rating only needs the case the complainant rates: loading their timeline too cost every rating a
    query of all the case's events (issue 19's loop)."""
    from core.payloads import ActionResult
    from services import tracking
    from services.intake import tracking_secret
    from services.platform import Platform
    from services.temporal import TemporalConnection

    settings = site_without_temporal.settings
    make_ticket(site_without_temporal.engine, "2026-1130-000777", stage="rating")
    sent = []

    async def fake_send(client, ticket_id, update, payload, where, *, timeout):
        sent.append((ticket_id, payload.rating.value))
        return ActionResult(ticket_id=ticket_id, stage="closed", seq=9)

    def no_timeline(session, ticket_id):
        raise AssertionError("a rating loaded the timeline")

    monkeypatch.setattr(tracking, "send", fake_send)
    monkeypatch.setattr(tracking, "citizen_timeline", no_timeline)
    platform = Platform(site_without_temporal.engine, settings, TemporalConnection(settings, client=object()))
    await tracking.rate(platform, "2026-1130-000777", tracking_secret(settings, "2026-1130-000777"), "satisfied",
                        "", "127.0.0.1", resolved=True)
    assert sent == [("2026-1130-000777", "satisfied")]
