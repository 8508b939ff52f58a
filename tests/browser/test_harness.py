"""End-to-end check of the browser harness on a throwaway SolaraViz app (_demo_app.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

if TYPE_CHECKING:
    from conftest import SolaraServer
    from playwright.sync_api import Page

SCREENSHOT = Path("/tmp/harness.png")


@pytest.fixture(scope="module")
def solara_app() -> Path:
    """Serve the throwaway demo app."""
    return Path(__file__).with_name("_demo_app.py")


@pytest.mark.browser
def test_demo_page_renders_and_steps(
    solara_server: SolaraServer, browser_page: Page, page_errors: list[Any]
) -> None:
    """The page renders both plots, Step advances the model, and nothing errors."""
    page = browser_page
    page.goto(solara_server.url)

    step = page.get_by_role("button", name="Step")
    expect(step).to_be_visible()
    expect(page.get_by_text("Time: 0.0")).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()  # altair plot (vega assets)
    expect(page.get_by_text("Increment")).to_be_visible()  # the slider model parameter

    step.click()
    expect(page.get_by_text("Time: 1.0")).to_be_visible()
    step.click()
    expect(page.get_by_text("Time: 2.0")).to_be_visible()

    page.screenshot(path=str(SCREENSHOT))
    assert page_errors == []
    assert solara_server.missing_assets() == [], "run python -m sim.viz.assets / update its PACKAGES"
