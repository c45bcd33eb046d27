"""One grievance through every role's pages: intake, dispatch, accept, progress, result, review, rating."""

from __future__ import annotations

from sqlmodel import Session, select

from core.models.tickets import TicketEvent
from tests.web.conftest import file_public


async def test_loop_from_public_form_to_the_public_board(site):
    ticket_id, secret = await file_public(site)

    dispatcher = await site.signed_in("dispatcher")
    console = await dispatcher.get("/dispatch")
    assert ticket_id in console.text and "MK-001" in console.text  # the proposal's top candidate
    response = await dispatcher.act(ticket_id, "dispatch", item_code="MK-001", primary_unit_id="dept-ecology",
                                    next="/dispatch")
    assert response.status_code == 303 and response.headers["location"] == "/dispatch"
    assert site.ticket(ticket_id).stage == "dispatched"

    handler = await site.signed_in("h-ecology")
    inbox = await handler.get("/inbox")
    assert ticket_id in inbox.text
    assert (await handler.act(ticket_id, "accept")).status_code == 303
    assert (await handler.act(ticket_id, "progress", note="已约谈店主")).status_code == 303
    assert (await handler.act(ticket_id, "submit", summary="已加装油烟净化器", outcome="resolved")).status_code == 303
    assert site.ticket(ticket_id).stage == "review"

    review = await dispatcher.get("/dispatch?tab=reviews")
    assert "已加装油烟净化器" in review.text
    assert (await dispatcher.act(ticket_id, "review", decision="approve")).status_code == 303
    assert site.ticket(ticket_id).stage == "rating"

    citizen = site.client()
    track = await citizen.track(ticket_id, secret)
    assert track.status_code == 200 and 'name="rating"' in track.text
    rating = {"secret": secret, "rating": "satisfied", "resolved": "yes", "comment": "谢谢"}
    rated = await citizen.submit(f"/track/{ticket_id}/rate", rating,
                                 form_page=f"/track/{ticket_id}")
    assert rated.status_code == 303
    ticket = await site.wait_for(ticket_id, lambda t: t.published)
    assert ticket.stage == "closed" and ticket.rating == "satisfied"

    board = await site.client().get("/board")
    assert ticket_id in board.text and "已加装油烟净化器" in board.text
    assert "13812345678" not in board.text and "张三" not in board.text
    assert "市生态环境局" in board.text  # ranked

    case = await dispatcher.get(f"/cases/{ticket_id}")
    for words in ("派单", "接单", "报告进展", "已约谈店主", "提交办理结果", "审核通过", "评价", "办结"):
        assert words in case.text
    with Session(site.engine) as session:
        actors = [e.actor_id for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                                   .order_by(TicketEvent.seq))]
    assert actors[:2] == ["citizen", "system"] and "dispatcher" in actors and "h-ecology" in actors
    assert f"citizen:{ticket_id}" in actors
