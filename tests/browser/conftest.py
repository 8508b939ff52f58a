"""Fixtures for browser tests: a Solara server subprocess and a headless Chromium page.

Usage in a test module::

    @pytest.fixture(scope="module")
    def solara_app() -> Path:
        return Path(__file__).with_name("my_app.py")

    @pytest.mark.browser
    def test_it(solara_server, browser_page, page_errors):
        browser_page.goto(solara_server.url)
        ...
        assert page_errors == []
        assert solara_server.missing_assets() == []

Tests marked ``browser`` are skipped when Debian's Chromium or Playwright is missing, so
plain unit-test runs work without them. `make test` installs both (.ci/install_browser.sh) and
the page's offline assets (`python -m sim.viz.assets`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 60.0
_MISSING_ASSET = re.compile(r"Could not load URL: '[^']*/npm/([^']+)'")


def _browser_skip_reason() -> str | None:
    """Return why browser tests cannot run here, or None if they can."""
    if shutil.which("chromium") is None:
        return "Debian's chromium is not installed (run .ci/install_browser.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python package) is not installed"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every ``@pytest.mark.browser`` test when no browser is available."""
    reason = _browser_skip_reason()
    if reason is None:
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed browser test, add its page errors, missing assets and server log tail."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    if errors := funcargs.get("page_errors"):
        report.sections.append(("page errors", "\n".join(map(str, errors))))
    server = funcargs.get("solara_server")
    if isinstance(server, SolaraServer):
        if missing := server.missing_assets():
            report.sections.append(("assets missing from Solara's cache", "\n".join(missing)))
        report.sections.append(("solara server log (tail)", server.log()[-3000:]))


@dataclass
class SolaraServer:
    """A running ``solara run`` subprocess; its output goes to ``log_path``."""

    app: Path
    url: str
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log(self) -> str:
        """Return everything the server has printed so far."""
        return self.log_path.read_text(errors="replace")

    def missing_assets(self) -> list[str]:
        """Return CDN paths the server could not serve (fix: add them to sim.viz.assets)."""
        return sorted(set(_MISSING_ASSET.findall(self.log())))

    def stop(self) -> None:
        """Terminate the server's whole process group (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_solara_server(app: Path, log_path: Path) -> SolaraServer:
    """Start ``solara run APP`` on a free loopback port and wait until it answers HTTP."""
    from sim.viz.assets import ensure_assets

    ensure_assets(verbose=False)  # fast no-op when the cache is already filled
    solara_exe = Path(sys.executable).parent / "solara"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [str(solara_exe), "run", str(app), "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--production", "--no-open"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = SolaraServer(app=app, url=url, log_path=log_path, process=process)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"solara exited with {process.returncode}:\n{server.log()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"solara did not answer {url} in {SERVER_START_TIMEOUT_S} s:\n{server.log()[-3000:]}")


@pytest.fixture(scope="session")
def solara_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Path], SolaraServer]]:
    """Return ``start(app) -> SolaraServer``; one server per app file per session, all stopped at the end."""
    servers: dict[Path, SolaraServer] = {}

    def start(app: Path) -> SolaraServer:
        app = Path(app).resolve()
        if app not in servers:
            log_path = tmp_path_factory.mktemp("solara") / f"{app.stem}.log"
            servers[app] = start_solara_server(app, log_path)
        return servers[app]

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def solara_app() -> Path:
    """The app file ``solara_server`` serves; override this fixture in your test module."""
    raise pytest.UsageError("override the `solara_app` fixture to name the app file to serve")


@pytest.fixture(scope="module")
def solara_server(solara_server_factory: Callable[[Path], SolaraServer], solara_app: Path) -> SolaraServer:
    """A running Solara server for the module's ``solara_app``."""
    return solara_server_factory(solara_app)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (no Playwright browser download)."""
    reason = _browser_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # first render includes kernel start-up
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_errors() -> list[Any]:
    """Uncaught JavaScript errors of ``browser_page``; a test should assert it is empty."""
    return []


@pytest.fixture
def browser_page(chromium: Browser, page_errors: list[Any]) -> Iterator[Page]:
    """A fresh 1280x900 page (own context) whose ``pageerror`` events go to ``page_errors``."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda error: page_errors.append(error))  # not a bound builtin: Playwright rejects those
    yield page
    context.close()
