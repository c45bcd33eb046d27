"""The console hears the disputed units of a consultation (会商) and tells the unit the dispatcher's note.

A unit a consultation names opens the case (not 403), states its position through the console, and the
supervisor rules with every named unit's position in view; units are chosen by name, a wrong id is refused.
"""

from __future__ import annotations

import re

from tests.web.conftest import file_public

POSITION = "后厨卫生属住建局以外的职责，我局仅负责建筑本体"


async def _in_progress(site, note: str = "") -> str:
    ticket_id, _ = await file_public(site)
    dispatched = await (await site.signed_in("dispatcher")).act(ticket_id, "dispatch", item_code="MK-001",
                                                                primary_unit_id="dept-ecology", note=note)
    assert dispatched.status_code == 303
    assert (await (await site.signed_in("h-ecology")).act(ticket_id, "accept")).status_code == 303
    await site.wait_for(ticket_id, lambda t: t.stage == "in_progress")
    return ticket_id


async def test_a_named_unit_sees_the_case_and_states_its_position_for_the_ruling(site):
    ticket_id = await _in_progress(site)
    supervisor = await site.signed_in("supervisor")
    form = (await supervisor.get(f"/cases/{ticket_id}")).text
    assert '<select name="unit_ids"' in form and '<option value="dept-housing">市住建局</option>' in form
    housing = await site.signed_in("h-housing")
    assert (await housing.get(f"/cases/{ticket_id}")).status_code == 403  # not named yet

    opened = await supervisor.act(ticket_id, "open_consultation", unit_ids=["dept-ecology", "dept-housing"],
                                  reason="违建与油烟职责交叉")
    assert opened.status_code == 303
    await site.wait_for(ticket_id, lambda t: t.consulted_unit_ids == ["dept-ecology", "dept-housing"])

    page = await housing.get(f"/cases/{ticket_id}")
    assert page.status_code == 200 and f"/cases/{ticket_id}/state_position" in page.text
    assert ticket_id in (await housing.get("/inbox")).text
    assert (await (await site.signed_in("h-market")).get(f"/cases/{ticket_id}")).status_code == 403
    assert (await housing.act(ticket_id, "state_position", position=POSITION)).status_code == 303
    await site.wait_for(ticket_id, lambda t: (t.state["pending"].get("positions") or {}).get("dept-housing"))

    ruling = (await supervisor.get(f"/cases/{ticket_id}?lang=en")).text
    form = ruling[ruling.index(f"/cases/{ticket_id}/rule_consultation"):]
    assert POSITION in form[:form.index("</form>")]
    assert "no position yet" in form[:form.index("</form>")]  # the lead unit has not stated one
    assert '<select name="primary_unit_id"' in form and '<select name="cooperating_unit_ids" multiple' in form
    assert "stated its position in the consultation" in ruling  # the timeline
    # The named units see every position too, without the ruling form.
    ecology = (await (await site.signed_in("h-ecology")).get(f"/cases/{ticket_id}")).text
    assert POSITION in ecology and "/rule_consultation" not in ecology

    ruled = await supervisor.act(ticket_id, "rule_consultation", primary_unit_id="dept-ecology",
                                 cooperating_unit_ids=["dept-housing"], reason="生态环境局主办，住建局配合")
    assert ruled.status_code == 303
    await site.wait_for(ticket_id, lambda t: t.pending_request == "" and t.cooperating_unit_ids == ["dept-housing"])


async def test_a_unit_that_does_not_exist_is_refused_with_a_clear_message(site):
    ticket_id = await _in_progress(site)
    supervisor = await site.signed_in("supervisor")
    refused = await supervisor.submit(f"/cases/{ticket_id}/open_consultation?lang=en",
                                      {"unit_ids": "dept-ecology, dept-nowhere", "reason": "职责交叉"}, form_page="/")
    assert refused.status_code == 400
    assert "There is no unit dept-nowhere" in refused.text
    assert site.ticket(ticket_id).pending_request == ""


async def test_the_dispatchers_note_reaches_the_unit(site):
    note = "请夜间十点后到现场核查排烟"
    ticket_id = await _in_progress(site, note=note)
    page = (await (await site.signed_in("h-ecology")).get(f"/cases/{ticket_id}?lang=en")).text
    assert f'<dd class="dispatch-note">{note}</dd>' in page
    timeline = page[page.index('<ol class="timeline">'):]
    entry = re.search(r'<li class="event dispatched">.*?</li>', timeline, re.S).group(0)
    assert re.search(f'<blockquote class="note">[^<]*{note}</blockquote>', entry)
