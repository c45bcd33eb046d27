"""How the worker runs (issue 19): workflows outside the sandbox unless WORKFLOW_SANDBOX, and task slots that follow the
machine's CPU unless WORKER_TARGET_CPU=0. The test suite's own workers keep the SDK's sandbox (tests construct them
with its default runner), so a non-deterministic call in a workflow still fails a test."""

from __future__ import annotations

from datetime import timedelta

from temporalio.worker import UnsandboxedWorkflowRunner, WorkerTuner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from core.config import Settings
from core.temporal import SLOTS_FLOOR, worker_tuner, workflow_runner


def test_the_worker_runs_workflows_outside_the_sandbox_unless_asked():
    assert isinstance(workflow_runner(Settings()), UnsandboxedWorkflowRunner)
    assert isinstance(workflow_runner(Settings(workflow_sandbox=True)), SandboxedWorkflowRunner)


def test_the_worker_takes_work_by_the_machines_load_unless_it_has_the_machine_to_itself():
    assert isinstance(worker_tuner(Settings()), WorkerTuner)
    assert worker_tuner(Settings(worker_target_cpu=0)) is None


def test_a_busy_machine_still_leaves_the_worker_a_few_slots_of_each_kind():
    tuner = worker_tuner(Settings())
    suppliers = (tuner.workflow_slot_supplier, tuner.activity_slot_supplier, tuner.local_activity_slot_supplier)
    assert SLOTS_FLOOR >= 2  # one slot would let a single long task hold back every timer and action
    assert all(supplier.slot_config.minimum_slots == SLOTS_FLOOR for supplier in suppliers)


def test_short_tasks_are_not_held_back_between_slots():
    # A wait between slots only queued the loop's actions while the CPU had room (issue 19); the CPU target decides.
    tuner = worker_tuner(Settings())
    assert tuner.workflow_slot_supplier.slot_config.ramp_throttle == timedelta(0)
    assert tuner.local_activity_slot_supplier.slot_config.ramp_throttle == timedelta(0)
    assert tuner.activity_slot_supplier.slot_config.ramp_throttle > timedelta(0)  # an activity can run long
