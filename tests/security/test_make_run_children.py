"""`make run` supervises its children: a crashed worker is restarted and the log says so, and no child
outlives the stack script, not even when the script is killed with SIGKILL. What it writes in data/ is
readable by its own account only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scripts import stack
from tests.stack.test_make_run import port_open, stack_env, start_stack, wait_healthy


class Output:
    """The stack's output, read in the background so the test can wait for a line while the stack runs."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if text in line:
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line with {text!r} in:\n{''.join(self.lines)}")


def children_of(pid: int) -> dict[int, str]:
    """Live (not zombie) child processes of `pid`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found[int(entry.name)] = cmdline
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # an orphan's zombie waits for init to reap it: it runs nothing any more


def worker_pid(children: dict[int, str]) -> int:
    (pid,) = [pid for pid, cmd in children.items() if cmd.rstrip().endswith("worker.py")]
    return pid


@pytest.mark.devserver
def test_crashed_worker_is_restarted_and_no_child_outlives_a_killed_stack(tmp_path):
    env = stack_env(tmp_path / "data")
    proc = start_stack(env)
    everyone: set[int] = set()
    try:
        output = Output(proc)
        wait_healthy(env, proc)
        made = [tmp_path / "data", *(tmp_path / "data").rglob("*")]  # databases, Temporal's too, logs, keys
        assert not [str(p) for p in made if p.stat().st_mode & 0o077], "readable by other accounts"
        children = children_of(proc.pid)
        everyone |= set(children)
        assert len(children) == 3, children  # temporal, worker, web
        crashed = worker_pid(children)

        os.kill(crashed, signal.SIGKILL)
        line = output.wait_for("worker exited with code -9; restarting it")
        assert "make run:" in line
        restarted = output.wait_for("worker restarted")
        replacement = worker_pid(children_of(proc.pid))
        assert replacement != crashed and f"pid {replacement}" in restarted

        now_running = set(children_of(proc.pid))
        assert replacement in now_running and len(now_running) == 3
        everyone = now_running
        os.kill(proc.pid, signal.SIGKILL)  # no chance to stop anything itself
        proc.wait(timeout=10)
        deadline = time.monotonic() + 40
        while any(alive(pid) for pid in everyone) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in everyone if alive(pid)], "children survived the SIGKILL of make run"
        for port in ("WEB_PORT", "TEMPORAL_DEV_PORT", "TEMPORAL_UI_PORT"):
            assert not port_open(int(env[port])), f"{port} still open"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in everyone | set(children_of(proc.pid)):  # after a failure: the stack's children only
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_child_that_keeps_crashing_is_given_up_with_a_clear_line(monkeypatch, capsys):
    monkeypatch.setattr(stack, "BACKOFF_SECONDS", (0,))  # no waiting between restarts in the test
    child = stack.Child("worker", lambda: stack.spawn([sys.executable, "-c", "raise SystemExit(3)"]))
    deadline = time.monotonic() + 60
    with pytest.raises(stack.StackError) as gave_up:
        while time.monotonic() < deadline:
            child.check()
            time.sleep(0.05)
    assert str(gave_up.value).startswith(f"worker exited with code 3, {stack.MAX_QUICK_CRASHES} times in a row")
    assert "not restarting it any more" in str(gave_up.value)
    assert capsys.readouterr().err.count("worker exited with code 3; restarting it") == stack.MAX_QUICK_CRASHES - 1
