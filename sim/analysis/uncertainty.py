"""Parameter draws for ``optimize --uncertainty FILE``: the execution layer's mechanism.

Reading and drawing live in :mod:`sim.execution.uncertainty` (one mechanism for every command);
this module keeps the names the search uses. The file is either a table of draws (``.csv`` or
``.parquet``, one row per draw and one column per dotted scenario key, optional ``weight``; the
``posterior.parquet`` of ``socsim calibrate`` works as it is) or a TOML table of priors, e.g.::

      ["behaviour.follower_trust"]
      lo = 0.3
      hi = 0.7

Draw ``i`` depends only on the file, the seed and ``i``, so every trial of a search sees the
same draws (common random numbers over parameters as well as over the runs' random streams).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim.config.scenario import Scenario, ScenarioError
from sim.execution.uncertainty import ParameterDraws, load_uncertainty


def read_uncertainty(path: str | Path) -> ParameterDraws:
    """Load the file (raises a ``ScenarioError`` naming the file and the problem)."""
    return load_uncertainty(path)


def draw_overrides(source: ParameterDraws, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` parameter draws as override dicts (reproducible from ``seed``)."""
    return source.draws(seed, n)


def check_keys(scenario: Scenario, draws: list[dict[str, Any]]) -> None:
    """Raise :class:`ScenarioError` naming the key if a draw does not make a valid scenario."""
    if draws:
        scenario.with_overrides(draws[0])
        if any(isinstance(v, float) and not math.isfinite(v) for v in draws[0].values()):
            raise ScenarioError("--uncertainty: draws must be finite numbers")


__all__ = ["check_keys", "draw_overrides", "read_uncertainty"]
