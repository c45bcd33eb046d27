"""The bench's combined result says how the stack was tuned, so figures of differently tuned runs are not compared
as if alike (no timing here: the bench measures it)."""

import json

from bench import figures
from bench.figures import Figure


def test_the_result_notes_the_worker_tuning_it_ran_with(tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "RESULTS", tmp_path)
    monkeypatch.setenv("WORKER_TARGET_CPU", "0")
    written = json.loads(figures.write_latest([Figure("x", 1.0, "s")], {}).read_text(encoding="utf-8"))
    assert written["tuning"] == {"worker_target_cpu": "0"}

    monkeypatch.delenv("WORKER_TARGET_CPU")
    written = json.loads(figures.write_latest([Figure("x", 1.0, "s")], {}).read_text(encoding="utf-8"))
    assert written["tuning"] == {"worker_target_cpu": "default"}
