"""接: intake is idempotent and never loses a grievance. The same idempotency key gives the same ticket and
one workflow; a new key gives the next readable ticket number; a stored intake whose start never happened
is started by the outbox sweep.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlmodel import Session, select

from core.messages import GrievanceInput, Stage
from core.models.tickets import Intake, TicketCounter
from services.intake import start_pending, submit
from services.platform import Platform
from services.temporal import TemporalConnection
from tests.workflows.conftest import make_input
from tests.workflows.steps import INTAKE, events_of, logged, received, run_id, state

TICKET_NUMBER = re.compile(r"^\d{4}-\d{4}-\d{6}$")


def _settings(cases):
    return cases.settings.model_copy(update={"temporal_task_queue": cases.task_queue})


def _today(cases) -> str:
    return f"{_day(cases):%Y-%m%d}"


def _day(cases) -> date:
    return datetime.now(ZoneInfo(cases.settings.timezone)).date()


def _numbering_at(cases, last: int) -> None:
    """Today's counter as if `last` tickets were filed already: keeps these ticket numbers apart from the
    fixed ones other tests start on the shared test server (the happy path is 2026-1123-000001)."""
    with Session(cases.engine) as session:
        session.add(TicketCounter(day=_day(cases), last=last))
        session.commit()


def _platform(cases) -> Platform:
    settings = _settings(cases)
    return Platform(cases.engine, settings, TemporalConnection(settings, cases.client))


async def _submit(cases, key: str):
    receipt = await submit(_platform(cases), make_input, key)
    cases.started.append(receipt.ticket_id)  # ended at teardown with the harness's own cases
    return receipt


def _intakes(cases) -> list[Intake]:
    with Session(cases.engine) as session:
        return list(session.exec(select(Intake).order_by(Intake.id)).all())


async def test_the_same_idempotency_key_gives_the_same_ticket_and_one_workflow(cases):
    _numbering_at(cases, 100)
    first = await _submit(cases, "web:form-7f3a")
    handle = cases.client.get_workflow_handle(first.ticket_id)
    first_run = await run_id(cases, handle)
    second = await _submit(cases, "web:form-7f3a")

    assert (first.created, second.created) == (True, False)
    assert second.ticket_id == first.ticket_id and second.secret == first.secret
    assert first.ticket_id == f"{_today(cases)}-000101" and TICKET_NUMBER.match(first.ticket_id)
    assert await run_id(cases, handle) == first_run
    (row,) = _intakes(cases)
    assert (row.ticket_id, row.started) == (first.ticket_id, True)
    await cases.env.sleep(INTAKE)
    await logged(cases, first.ticket_id, lambda found: found[:2] == ["received", "routed"])
    s = await state(handle)
    assert s.ticket_id == first.ticket_id and s.stage == Stage.RECEIVED
    assert len(events_of(cases, first.ticket_id, "received")) == 1


async def test_a_new_key_gives_the_next_readable_ticket_number(cases):
    _numbering_at(cases, 200)
    first = await _submit(cases, "hotline:call-1")
    second = await _submit(cases, "hotline:call-2")
    assert (first.created, second.created) == (True, True)
    assert (first.ticket_id, second.ticket_id) == (f"{_today(cases)}-000201", f"{_today(cases)}-000202")
    assert TICKET_NUMBER.match(second.ticket_id)
    assert second.secret != first.secret
    assert [r.ticket_id for r in _intakes(cases)] == [first.ticket_id, second.ticket_id]
    for receipt in (first, second):
        assert await run_id(cases, cases.client.get_workflow_handle(receipt.ticket_id))


async def test_a_stored_intake_whose_start_was_lost_is_started_once(cases):
    _numbering_at(cases, 300)
    first = await _submit(cases, "web:form-retry")
    with Session(cases.engine) as session:  # as if the web process died between its commit and the start
        row = session.exec(select(Intake)).one()
        row.started = False
        session.add(row)
        session.commit()
    handle = cases.client.get_workflow_handle(first.ticket_id)
    first_run = await run_id(cases, handle)

    again = await _submit(cases, "web:form-retry")
    assert (again.ticket_id, again.created) == (first.ticket_id, False)
    assert await run_id(cases, handle) == first_run
    assert _intakes(cases)[0].started


async def test_the_outbox_sweep_starts_an_intake_that_was_stored_but_never_started(cases):
    now = datetime.now(UTC)
    orphan, fresh = f"{_today(cases)}-000401", f"{_today(cases)}-000402"
    payload = TypeAdapter(GrievanceInput)
    with Session(cases.engine) as session:
        session.add(Intake(idempotency_key="web:orphan", ticket_id=orphan, created_at=now - timedelta(minutes=1),
                           payload=payload.dump_python(make_input(orphan), mode="json")))
        # Too fresh: its own request may still be starting it.
        session.add(Intake(idempotency_key="web:fresh", ticket_id=fresh, created_at=now,
                           payload=payload.dump_python(make_input(fresh), mode="json")))
        session.commit()
    cases.started.extend([orphan, fresh])

    assert await start_pending(cases.client, cases.engine, _settings(cases), cases.task_queue) == 1
    assert {r.ticket_id: r.started for r in _intakes(cases)} == {orphan: True, fresh: False}
    await cases.env.sleep(INTAKE)
    handle = cases.client.get_workflow_handle(orphan)
    await logged(cases, orphan, lambda found: found[:2] == ["received", "routed"])
    s = await state(handle)
    assert (s.ticket_id, s.stage, s.intake.description) == (orphan, Stage.RECEIVED, make_input(orphan).description)
    assert (await state(handle)).intake.complainant.phone == "13812345678"
    assert await start_pending(cases.client, cases.engine, _settings(cases), cases.task_queue) == 0


async def test_a_reset_counter_never_attaches_a_new_grievance_to_an_old_ticket(cases):
    """The read model was rebuilt (counter and outbox gone) while Temporal kept its workflows: the number
    the counter hands out again belongs to another grievance, so the new intake gets the next free one."""
    _numbering_at(cases, 900)
    old = await _submit(cases, "hotline:before-reset")
    with Session(cases.engine) as session:
        for row in session.exec(select(Intake)):
            session.delete(row)
        session.get(TicketCounter, _day(cases)).last = 900
        session.commit()
    new = await _submit(cases, "hotline:after-reset")
    assert old.ticket_id == f"{_today(cases)}-000901"
    assert new.ticket_id == f"{_today(cases)}-000902" and new.created
    (row,) = _intakes(cases)
    assert (row.ticket_id, row.payload["ticket_id"], row.started) == (new.ticket_id, new.ticket_id, True)
    old_state = await state(cases.client.get_workflow_handle(old.ticket_id))
    new_state = await state(cases.client.get_workflow_handle(new.ticket_id))
    assert old_state.intake.ticket_id == old.ticket_id and new_state.intake.ticket_id == new.ticket_id


async def test_routing_runs_in_the_workflow_task_that_received_the_case(cases):
    """Issue 19 (patch local-routing): no activity task on the server for routing, so the intake of a case is one
    workflow task and the proposal is there for the dispatcher sooner."""
    from temporalio.api.enums.v1 import EventType

    handle = await received(cases)
    await logged(cases, handle.id, lambda found: "routed" in found)
    assert (await state(handle)).proposal.candidates  # routed for real
    history = await handle.fetch_history()
    kinds = [event.event_type for event in history.events]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
    assert kinds.count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) == 1
