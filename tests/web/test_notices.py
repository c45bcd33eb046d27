"""Notices the workflow writes (checkpoint warnings, overdue, escalations) reach the unit's inbox and the
supervisors' board, each only its own, and can be marked read."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlmodel import Session

from core.models.tickets import Notice


def add_notice(engine, key: str, unit_id: str, audience: str, kind: str = "checkpoint_yellow") -> int:
    with Session(engine) as session:
        notice = Notice(key=key, ticket_id="T-9", unit_id=unit_id, audience=audience, kind=kind,
                        message="checkpoint 2: no progress since the previous checkpoint", created_at=datetime.now(UTC))
        session.add(notice)
        session.commit()
        return notice.id


async def test_unit_notices_show_in_its_inbox_only_and_can_be_marked_read(site_without_temporal, caplog):
    site = site_without_temporal
    own = add_notice(site.engine, "n1", "dept-ecology", "unit")
    add_notice(site.engine, "n2", "dept-market", "unit", kind="overdue")
    ecology = await site.signed_in("h-ecology")
    inbox = await ecology.get("/inbox")
    assert "督办节点黄灯预警" in inbox.text
    assert f"/notices/{own}/read" in inbox.text and "超期" not in inbox.text and "T-9" in inbox.text
    market = await site.signed_in("h-market")
    with caplog.at_level(logging.WARNING, logger="services.accounts"):
        refused = await market.submit(f"/notices/{own}/read?next=/inbox", {}, form_page="/inbox")
    assert refused.status_code == 403 and "notice" in caplog.text
    done = await ecology.submit(f"/notices/{own}/read?next=/inbox", {}, form_page="/inbox")
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    assert f"/notices/{own}/read" not in (await ecology.get("/inbox")).text


async def test_supervisor_notices_by_scope(site_without_temporal):
    site = site_without_temporal
    city = add_notice(site.engine, "s1", "supervision", "supervisor", kind="overdue")
    east = add_notice(site.engine, "s2", "d-east", "supervisor", kind="acceptance_overdue")
    board = await (await site.signed_in("supervisor")).get("/supervise")
    assert f"/notices/{city}/read" in board.text and f"/notices/{east}/read" in board.text
    district = await (await site.signed_in("east-supervisor")).get("/supervise")
    assert f"/notices/{east}/read" in district.text and f"/notices/{city}/read" not in district.text
