"""Dispatcher console: proposals, confirm, override, merge, reject, bounce rulings, review."""

from __future__ import annotations

import logging

from tests.web.conftest import file_public


async def test_console_lists_received_cases_with_the_top_proposals(site):
    ticket_id, _secret = await file_public(site, "饭店油烟扰民，还卖过期食品")
    console = await (await site.signed_in("dispatcher")).get("/dispatch")
    assert console.status_code == 200 and ticket_id in console.text
    assert "MK-001" in console.text and "MK-002" in console.text and "置信度" in console.text
    assert "饭店油烟扰民" in console.text


async def test_confirm_dispatches_to_the_candidate(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    response = await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology",
                                    next="/dispatch")
    assert response.status_code == 303
    ticket = site.ticket(ticket_id)
    assert ticket.stage == "dispatched" and ticket.primary_unit_id == "dept-ecology"
    page = await dispatcher.get("/dispatch")
    assert "已完成：派单" in page.text and f'id="t-{ticket_id}"' not in page.text


async def test_override_uses_the_items_own_units_when_left_empty(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    assert (await dispatcher.act(ticket_id, "dispatch", item_code="MK-001")).status_code == 303
    ticket = site.ticket(ticket_id)
    assert ticket.primary_unit_id == "dept-ecology" and ticket.cooperating_unit_ids == ["dept-market"]


async def test_override_with_explicit_units(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    response = await dispatcher.act(ticket_id, "dispatch", item_code="MK-002", primary_unit_id="dept-market",
                                    cooperating_unit_ids="dept-ecology, dept-housing")
    assert response.status_code == 303
    ticket = site.ticket(ticket_id)
    assert ticket.item_code == "MK-002" and ticket.cooperating_unit_ids == ["dept-ecology", "dept-housing"]


async def test_dispatch_off_the_catalog_is_a_400_with_the_reason(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    response = await dispatcher.act(ticket_id, "dispatch", item_code="NOPE-1", primary_unit_id="dept-market")
    assert response.status_code == 400 and "职责清单不允许" in response.text and "NOPE-1" in response.text
    assert site.ticket(ticket_id).stage == "received"


async def test_reject_needs_a_reason(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    missing = await dispatcher.act(ticket_id, "reject", reason="  ")
    assert missing.status_code == 400 and "请填写理由" in missing.text
    done = await dispatcher.act(ticket_id, "reject", reason="非本市事项")
    assert done.status_code == 303 and site.ticket(ticket_id).stage == "rejected"
    again = await dispatcher.act(ticket_id, "reject", reason="再次")
    assert again.status_code == 409


async def test_merge_into_an_existing_ticket(site):
    first, _ = await file_public(site)
    second, _ = await file_public(site, "同一家饭店油烟问题，再次反映")
    dispatcher = await site.signed_in("dispatcher")
    unknown = await dispatcher.act(second, "merge", duplicate_of="2000-0101-000001", reason="重复")
    assert unknown.status_code == 400
    merged = await dispatcher.act(second, "merge", duplicate_of=first, reason="同一诉求")
    assert merged.status_code == 303
    ticket = site.ticket(second)
    assert ticket.stage == "merged" and ticket.state["duplicate_of"] == first


async def test_a_district_dispatcher_may_not_dispatch_the_centres_case(site, caplog):
    ticket_id, _ = await file_public(site)
    east = await site.signed_in("east-dispatcher")
    with caplog.at_level(logging.WARNING):
        response = await east.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology")
    assert response.status_code == 403
    assert any("403" in r.getMessage() and "east-dispatcher" in r.getMessage() for r in caplog.records)
    assert ticket_id not in (await east.get("/dispatch")).text


async def test_a_handler_may_not_dispatch(site, caplog):
    ticket_id, _ = await file_public(site)
    handler = await site.signed_in("h-ecology")
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        response = await handler.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology")
    assert response.status_code == 403 and any("not in dispatcher" in r.getMessage() for r in caplog.records)


async def test_bounce_request_is_ruled_from_the_console(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-002", primary_unit_id="dept-market")
    market = await site.signed_in("h-market")
    response = await market.act(ticket_id, "request_bounce", claimed_item_code="MK-001",
                                reason="属油烟污染，归生态环境局")
    assert response.status_code == 303 and site.ticket(ticket_id).pending_request == "bounce"
    console = await dispatcher.get("/dispatch?tab=bounces")  # the bounce requests' tab of the console
    assert f'id="b-{ticket_id}"' in console.text and "属油烟污染" in console.text
    approved = await dispatcher.act(ticket_id, "rule_bounce", decision="approve", reason="同意，按清单改派")
    assert approved.status_code == 303
    ticket = site.ticket(ticket_id)
    assert ticket.primary_unit_id == "dept-ecology" and ticket.pending_request == ""


async def test_a_bounce_may_be_denied(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology")
    ecology = await site.signed_in("h-ecology")
    await ecology.act(ticket_id, "request_bounce", claimed_item_code="MK-002", reason="不属本局")
    no_choice = await dispatcher.act(ticket_id, "rule_bounce", reason="x")
    assert no_choice.status_code == 400
    denied = await dispatcher.act(ticket_id, "rule_bounce", decision="deny", reason="首接负责，不予退单")
    assert denied.status_code == 303
    ticket = site.ticket(ticket_id)
    assert ticket.primary_unit_id == "dept-ecology" and ticket.pending_request == ""


async def test_review_can_return_the_result_for_rework(site):
    ticket_id, _ = await file_public(site)
    dispatcher = await site.signed_in("dispatcher")
    await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology")
    ecology = await site.signed_in("h-ecology")
    await ecology.act(ticket_id, "accept")
    await ecology.act(ticket_id, "submit", summary="已处理", outcome="resolved")
    no_reason = await dispatcher.act(ticket_id, "review", decision="deny")
    assert no_reason.status_code == 400 and "退回重办的理由" in no_reason.text
    returned = await dispatcher.act(ticket_id, "review", decision="deny", reason="未附现场照片")
    assert returned.status_code == 303 and site.ticket(ticket_id).stage == "in_progress"


async def test_case_page_proposes_near_duplicates_with_one_click_merge(site_without_temporal):
    from tests.web.conftest import make_ticket

    engine = site_without_temporal.engine
    common = dict(stage="received", street_id="s-east-1", address="东关街道建设路12号", primary_unit_id=None)
    make_ticket(engine, "T-OLD", description="建设路饭店油烟很大，晚上还在排油烟", **common)
    make_ticket(engine, "T-NEW", description="建设路饭店油烟太大了，晚上十点还在排油烟", **common)
    make_ticket(engine, "T-OTHER", description="路灯坏了", **{**common, "address": "别处"})
    page = (await (await site_without_temporal.signed_in("dispatcher")).get("/cases/T-NEW")).text
    assert "疑似重复工单" in page and 'value="T-OLD"' in page and "合并到T-OLD" in page
    assert 'value="T-OTHER"' not in page
    handler_page = await (await site_without_temporal.signed_in("supervisor")).get("/cases/T-NEW")
    assert "疑似重复工单" not in handler_page.text  # only the dispatcher who may merge sees them
