"""``socsim viz`` stops its page server (and the server's children) on SIGTERM / SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

SERVER = """
import os, signal, subprocess, sys, time
if {ignore!r}:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open({pids!r}, "w").write(f"{{os.getpid()}} {{grandchild.pid}}")
time.sleep(120)
"""
SERVE = """
import sys
import sim.cli.viz as viz
viz.GRACE_SECONDS = 1.0
sys.exit(viz.serve([sys.executable, "-c", {server!r}], dict(__import__("os").environ)))
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return not any(line.startswith("State:") and "Z" in line for line in fh)
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("sig, ignore", [(signal.SIGTERM, False), (signal.SIGINT, False),
                                         (signal.SIGTERM, True)])
def test_signal_stops_the_server_and_its_children(tmp_path, sig, ignore):
    pids_file = tmp_path / "pids"
    server = SERVER.format(ignore=ignore, pids=str(pids_file))
    proc = subprocess.Popen([sys.executable, "-c", SERVE.format(server=server)])
    try:
        deadline = time.time() + 20
        while not (pids_file.exists() and pids_file.read_text()) and time.time() < deadline:
            time.sleep(0.05)
        children = [int(p) for p in pids_file.read_text().split()]
        assert all(_running(p) for p in children)
        os.kill(proc.pid, sig)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.time() + 5
    while any(_running(p) for p in children) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_running(p) for p in children), "the page server outlived socsim viz"


def test_disconnected_sessions_are_culled_after_the_timeout(monkeypatch):
    """``--session-timeout`` reaches Solara's kernel cull setting in the server's environment."""
    pytest.importorskip("solara")
    from typer.testing import CliRunner

    import sim.cli.viz
    import sim.viz.assets
    from sim.cli import app

    seen = {}
    monkeypatch.setattr(sim.viz.assets, "ensure_assets", lambda verbose=False: None)
    monkeypatch.setattr(sim.cli.viz, "serve", lambda cmd, env: seen.update(env) or 0)
    res = CliRunner().invoke(app, ["viz", "--port", "18765", "--session-timeout", "2"])
    assert res.exit_code == 0, res.output
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", seen["SOLARA_KERNEL_CULL_TIMEOUT"])
    import solara.server.settings as settings
    import solara.util

    assert solara.util.parse_timedelta(settings.Kernel().cull_timeout) == 120
    res = CliRunner().invoke(app, ["viz", "--session-timeout", "0"])
    assert res.exit_code == 2 and "--session-timeout" in res.output
