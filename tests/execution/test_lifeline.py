"""Pool workers end with the process that drives them, even when it is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # starts a forkserver that preloads the engine

DRIVER = """
import sys, time
from sim.execution.executors import ProcessExecutor
from helper import pid
if __name__ == "__main__":
    ex = ProcessExecutor(2)
    pids = sorted(set(ex.map_chunks(pid, range(8))))
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return not any(line.startswith("State:") and "Z" in line for line in fh)
    except FileNotFoundError:
        return False


def test_workers_die_with_a_killed_driver(tmp_path):
    (tmp_path / "helper.py").write_text(
        "import os, time\ndef pid(_):\n    time.sleep(0.2)\n    return os.getpid()\n")
    (tmp_path / "drive.py").write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    proc = subprocess.Popen([sys.executable, str(tmp_path / "drive.py")], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert workers and all(_running(p) for p in workers)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.time() + 10
    while any(_running(p) for p in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_running(p) for p in workers), "pool workers outlived their driver"
