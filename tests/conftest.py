"""Shared fixtures: small, fast scenarios built from the bundled files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    return SCENARIOS / "baseline.toml"


@pytest.fixture(scope="session")
def small_baseline(baseline_path: Path) -> Scenario:
    """The baseline at 2,000 consumers and 30 days (a run takes well under a second)."""
    return load_scenario(baseline_path, {"run.consumers": 2000, "run.days": 30})
