"""A read model of `n` grievances written straight into SQL (no workflows), for timing list pages at scale.

Rows look like the worker's: every stage of the loop, units and districts from the `units` table, audit
events per case. Only for benchmarks and experiments: the cases have no workflow behind them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from core.models.catalog import Unit
from core.models.tickets import Ticket, TicketEvent
from core.vocabulary import HANDLING_KINDS, TERRITORIAL_KINDS, AuditAction, UnitKind, values

BATCH = 5_000
# Open cases were received over the last 7 days (a city's ~100,000 open at a 7-day limit), closed ones over 30.
OPEN_SPREAD, CLOSED_SPREAD = timedelta(days=7), timedelta(days=30)
# (stage, weight, the audit path that leads there); most cases are open, as in a city's 100,000 at 7 days.
STAGES = [
    ("received", 10, ["received", "routed"]),
    ("dispatched", 15, ["received", "routed", "dispatched"]),
    ("in_progress", 45, ["received", "routed", "dispatched", "accepted", "checkpoint"]),
    ("review", 10, ["received", "routed", "dispatched", "accepted", "result_submitted"]),
    ("rating", 5, ["received", "routed", "dispatched", "accepted", "result_submitted", "review_approved"]),
    ("return_visit", 3, ["received", "routed", "dispatched", "accepted", "result_submitted", "review_approved",
                         "return_visit_due"]),
    ("closed", 12, ["received", "routed", "dispatched", "accepted", "result_submitted", "review_approved",
                    "rated", "closed"]),
]
PENDING = [""] * 20 + ["bounce", "extension", "consultation", "review"]  # one case in six asks for a ruling
CENTRE = "centre"


def fill(engine: Engine, n: int, *, now: datetime | None = None, seed: int = 0, prefix: str = "BF") -> int:
    """Insert `n` tickets (ids `<prefix>-0000001`...) and their events; returns the number of events."""
    rng, now = random.Random(seed), now or datetime.now(UTC)
    handlers, districts = _units(engine)
    events = 0
    for start in range(0, n, BATCH):
        tickets, rows = [], []
        for i in range(start, min(n, start + BATCH)):
            ticket, path = _ticket(rng, now, f"{prefix}-{i + 1:07d}", handlers, districts)
            tickets.append(ticket)
            rows += _events(ticket, path)
        with engine.begin() as connection:
            connection.execute(insert(Ticket.__table__), tickets)
            connection.execute(insert(TicketEvent.__table__), rows)
        events += len(rows)
    with engine.begin() as connection:
        if engine.url.get_backend_name() == "sqlite":
            connection.exec_driver_sql("ANALYZE")  # what a long-running database's planner would know
    return events


def _units(engine: Engine) -> tuple[list[str], list[str]]:
    with engine.connect() as connection:
        units = connection.execute(select(Unit.__table__.c.id, Unit.__table__.c.kind)).all()
    handlers = [u for u, kind in units if kind in values(HANDLING_KINDS) or kind in values(TERRITORIAL_KINDS)]
    districts = [u for u, kind in units if kind == UnitKind.DISTRICT.value]
    return handlers or [f"dept-{k}" for k in range(40)], districts or [f"d-{k}" for k in range(8)]


def _ticket(rng: random.Random, now: datetime, ticket_id: str, handlers: list[str], districts: list[str]
            ) -> tuple[dict, list[str]]:
    stage, _weight, path = rng.choices(STAGES, weights=[w for _s, w, _p in STAGES])[0]
    received = now - (CLOSED_SPREAD if stage == "closed" else OPEN_SPREAD) * rng.random()
    dispatched = "dispatched" in path
    accepted = "accepted" in path
    deadline = received + timedelta(days=rng.choice((2, 7, 7, 7, 15))) if dispatched else None
    overdue = bool(deadline and deadline < now and stage != "closed")
    unit = rng.choice(handlers) if dispatched else None
    pending = rng.choice(PENDING) if stage == "in_progress" else ""
    return {
        "id": ticket_id, "last_seq": len(path), "audit_fence": len(path) * 4, "stage": stage,
        "channel": rng.choice(("hotline", "hotline", "web", "api", "whistle")),
        "description": f"测试诉求 {ticket_id}：小区门口占道经营，晚上噪音扰民", "address": "建设路12号",
        "lat": 30 + rng.random(), "lng": 104 + rng.random(), "category_hint": "", "requested_item_code": "",
        "complainant_name": "张三", "complainant_phone": "13812345678",
        "complainant_phone_number": "13812345678", "confidential": rng.random() < 0.02,
        "whistle_unit_id": None, "item_code": "MK-001" if dispatched else None,
        "item_name": "餐饮油烟扰民" if dispatched else "", "category": "ecology", "catalog_version": 1,
        "tier": "standard", "dispatch_owner_id": CENTRE if rng.random() < 0.7 else rng.choice(districts),
        "primary_unit_id": unit, "cooperating_unit_ids": [], "consulted_unit_ids": [],
        "district_id": rng.choice(districts), "street_id": None, "received_at": received,
        "dispatched_at": received + timedelta(hours=1) if dispatched else None,
        "accept_deadline": received + timedelta(hours=25) if dispatched else None,
        "accepted_at": received + timedelta(hours=3) if accepted else None,
        "closure_deadline": deadline, "next_checkpoint_at": deadline, "wait_kind": "",
        "wait_due": received + timedelta(days=3) if stage == "return_visit" else None, "wait_overdue": False,
        "colour": "red" if overdue else rng.choice(("green",) * 8 + ("yellow",)), "overdue": overdue,
        "escalated": overdue and rng.random() < 0.3,
        "pending_request": pending,
        "submitted_at": received + timedelta(days=2) if "result_submitted" in path else None,
        "closed_at": received + timedelta(days=3) if stage == "closed" else None,
        "outcome": "resolved" if stage == "closed" else "", "rating": "satisfied" if stage == "closed" else "",
        "rating_source": "citizen" if stage == "closed" else "", "resolved": None, "return_visit_reason": "",
        "reopen_count": 0, "calendar_fallback": False, "published": stage == "closed" and rng.random() < 0.5,
        "public_summary": "", "public_result": "",
        "state": {"pending": {"kind": pending, "reason": "测试申请", "unit_ids": []}} if pending else {},
        "updated_at": received + timedelta(hours=3),
    }, path


def _events(ticket: dict, path: list[str]) -> Iterator[dict]:
    stages = ["received"] + [ticket["stage"]] * (len(path) - 1)
    for seq, action in enumerate(path, start=1):
        yield {"ticket_id": ticket["id"], "seq": seq, "fence": seq * 4,
               "at": ticket["received_at"] + timedelta(hours=seq), "actor_id": "bench", "actor_name": "bench",
               "role": "dispatcher", "unit_id": ticket["primary_unit_id"] if seq > 3 else CENTRE,
               "action": AuditAction(action).value, "reason": "", "stage_before": stages[seq - 2] if seq > 1 else "",
               "stage_after": stages[seq - 1], "details": {"rating": "satisfied"} if action == "rated" else {}}
