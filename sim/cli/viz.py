"""``socsim viz``: serve the workshop page (``solara run`` as a child process).

Sessions of closed or disconnected browser tabs are closed after ``--session-timeout`` minutes
(Solara's kernel cull timeout, 24 h by default, so each tab's model stayed in memory). The child
runs in its own process group; SIGTERM, SIGINT (Ctrl+C) and SIGHUP to ``socsim viz``
stop the whole group (terminate, then kill after a grace period), so no server is left
listening on the port.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import fail, load_or_fail, say, warn

GRACE_SECONDS = 5.0
"""Seconds the page server gets to stop after SIGTERM before it is killed."""


def viz(
    scenario: Annotated[Optional[Path], typer.Argument(
        help="campaign scenario TOML to start with (default: scenarios/baseline.toml)")] = None,
    port: Annotated[int, typer.Option(help="TCP port of the page")] = 8765,
    host: Annotated[str, typer.Option(
        help="address to listen on: 127.0.0.1 = this machine only; 0.0.0.0 = every "
             "interface (anyone on the network can open the page)")] = "127.0.0.1",
    consumers: Annotated[int, typer.Option(
        help="consumers simulated per browser session (the page draws up to 2,000)")] = 3000,
    session_timeout: Annotated[float, typer.Option(
        help="minutes a closed or disconnected tab keeps its session (and its memory) before "
        "it is closed; a tab that reconnects sooner continues where it was")] = 5.0,
) -> None:
    """Serve the workshop page: watch a cascade happen and change it live (Ctrl+C stops)."""
    import importlib.util
    import os

    from sim.config.bundled import resolve_scenario
    from sim.viz.workshop import DEFAULT_SCENARIO

    path = resolve_scenario(scenario) if scenario is not None else DEFAULT_SCENARIO
    if not 100 <= consumers <= 20_000:
        fail(f"--consumers: {consumers} is out of range; allowed 100–20,000 (the page steps "
             "the world live in the browser session)")
    if not 1 <= port <= 65_535:
        fail(f"--port: {port} is not a TCP port; allowed 1–65535")
    if not 0.1 <= session_timeout <= 24 * 60:
        fail(f"--session-timeout: {session_timeout} minutes is out of range; allowed 0.1–1440")
    scn = load_or_fail(path, [f"run.consumers={consumers}"])
    if scn.run.mode != "full":
        fail(f"{path}: run.mode: the workshop page needs a campaign scenario (mode 'full'), "
             f"got {scn.run.mode!r}")
    _check_port(host, port)
    if importlib.util.find_spec("solara") is None:
        fail("the workshop page needs Solara: install socsim with its viz extra "
             "(pip install -e '.[viz]', or `make install`)")
    from sim.viz.assets import ensure_assets

    say("checking the page's front-end assets (installed from the npm registry on first use, "
        "then served offline)", style="dim")
    try:
        ensure_assets(verbose=False)
    except (OSError, subprocess.CalledProcessError) as exc:
        fail(f"front-end assets are missing and could not be installed ({exc}); run "
             "`python -m sim.viz.assets` once on a machine that reaches the npm registry")
    app_file = Path(__file__).resolve().parents[1] / "viz" / "app.py"
    env = {**os.environ, "SOCSIM_VIZ_SCENARIO": str(path.resolve()),
           "SOCSIM_VIZ_CONSUMERS": str(consumers), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           # Solara keeps a disconnected session ("virtual kernel") for 24 h by default
           "SOLARA_KERNEL_CULL_TIMEOUT": f"{session_timeout * 60:.0f}s"}
    cmd = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host,
           "--port", str(port), "--production", "--no-open"]
    shown = f"[{host}]" if ":" in host else host
    say(f"workshop page: http://{shown}:{port}/  ({scn.name or path.stem}, {consumers:,} "
        "consumers per session; Ctrl+C stops)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"listening on {host}: anyone who can reach this machine can open the page "
             f"(participants use http://<this machine's address>:{port}/)")
    raise typer.Exit(serve(cmd, env))


def _check_port(host: str, port: int) -> None:
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.bind((host, port))
    except OSError as exc:
        fail(f"--host/--port: cannot listen on {host}:{port} ({exc.strerror}); choose another "
             "--port or a local address")


def serve(cmd: list[str], env: dict[str, str]) -> int:
    """Run ``cmd`` in its own process group until it ends or this process is told to stop
    (SIGTERM, SIGINT, SIGHUP): then the group is terminated, and killed after
    :data:`GRACE_SECONDS`. Returns the exit code (0 when stopped by a signal)."""
    import threading

    child = subprocess.Popen(cmd, env=env, start_new_session=True)
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        if not stopping:
            killer = threading.Timer(GRACE_SECONDS, _signal_group, (child, signal.SIGKILL))
            killer.daemon = True
            killer.start()
        stopping.append(signum)
        _signal_group(child, signal.SIGTERM)

    watched = [signal.SIGTERM, signal.SIGINT] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, stop) for s in watched}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if child.poll() is None:  # this process is failing: leave nothing behind
            _signal_group(child, signal.SIGKILL)
            child.wait()
    return 0 if stopping else code


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    import os

    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
