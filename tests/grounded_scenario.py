"""The grounded baseline the calibration-conditioning tests read: the bundled baseline, whose
funnel is grounded (docs/calibration_targets.md); one place to repoint."""

from __future__ import annotations

from pathlib import Path

GROUNDED = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
"""Scenario with the grounded funnel and creators that differ within a tier."""
