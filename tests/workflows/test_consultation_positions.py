"""会商 hears the disputed units: each unit a consultation names states its position before the ruling; the
positions stay on the open request (the latest per unit) and in the audit log, and nobody else may state one.
"""

from __future__ import annotations

from core.messages import Stage
from core.payloads import ConsultationInput, ConsultationRulingInput, PositionInput
from tests.workflows.conftest import ECOLOGY, HOUSING, MARKET, SUPERVISOR
from tests.workflows.steps import accepted, recorded, refused, state, ticket
from workflows.grievance import GrievanceWorkflow

DISPUTE = ConsultationInput(actor=SUPERVISOR, reason="油烟与后厨卫生职责交叉", unit_ids=["dept-ecology", "dept-market"])


async def test_named_units_state_positions_and_the_ruling_sees_them(cases):
    handle = await accepted(cases)
    await handle.execute_update(GrievanceWorkflow.open_consultation, DISPUTE)
    assert ticket(cases, handle.id).consulted_unit_ids == ["dept-ecology", "dept-market"]

    await handle.execute_update(GrievanceWorkflow.state_position, PositionInput(actor=MARKET, position="属油烟排放"))
    await handle.execute_update(GrievanceWorkflow.state_position,
                                PositionInput(actor=ECOLOGY, position="后厨卫生属市场监管"))
    await handle.execute_update(GrievanceWorkflow.state_position,
                                PositionInput(actor=MARKET, position="油烟属生态环境，后厨卫生我局配合"))

    s = await state(handle)
    assert s.pending.positions == {"dept-market": "油烟属生态环境，后厨卫生我局配合",
                                   "dept-ecology": "后厨卫生属市场监管"}
    stated = await recorded(cases, handle.id, "position_stated", count=3)
    assert [(e.unit_id, e.actor_id, e.reason) for e in stated] == [
        ("dept-market", MARKET.id, "属油烟排放"), ("dept-ecology", ECOLOGY.id, "后厨卫生属市场监管"),
        ("dept-market", MARKET.id, "油烟属生态环境，后厨卫生我局配合")]
    assert ticket(cases, handle.id).state["pending"]["positions"] == s.pending.positions

    await handle.execute_update(GrievanceWorkflow.rule_consultation, ConsultationRulingInput(
        actor=SUPERVISOR, reason="生态环境局牵头，市场监管局配合", primary_unit_id="dept-ecology",
        cooperating_unit_ids=["dept-market"]))
    s = await state(handle)
    assert (s.stage, s.pending) == (Stage.IN_PROGRESS, None)
    assert ticket(cases, handle.id).consulted_unit_ids == []
    # Once ruled, nobody states a position any more.
    await refused(cases, handle, GrievanceWorkflow.state_position,
                  PositionInput(actor=MARKET, position="补充意见"), "WrongState")


async def test_only_named_units_state_a_position_and_only_with_one(cases):
    handle = await accepted(cases)
    await refused(cases, handle, GrievanceWorkflow.state_position,
                  PositionInput(actor=ECOLOGY, position="不属于我局"), "WrongState")  # no consultation open
    await handle.execute_update(GrievanceWorkflow.open_consultation, DISPUTE)
    await refused(cases, handle, GrievanceWorkflow.state_position,
                  PositionInput(actor=HOUSING, position="与我局无关"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.state_position,
                  PositionInput(actor=SUPERVISOR, position="由我裁定"), "Forbidden")
    await refused(cases, handle, GrievanceWorkflow.state_position,
                  PositionInput(actor=MARKET, position="  "), "MissingReason")
    await refused(cases, handle, GrievanceWorkflow.state_position,
                  PositionInput(actor=MARKET, position="长" * 4001), "BadInput")
    assert (await state(handle)).pending.positions == {}
