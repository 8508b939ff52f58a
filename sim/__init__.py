"""socsim: an agent-based simulator of a social-commerce ecosystem (import name ``sim``).

Public API::

    from sim import load_scenario, SocialCommerceModel, run, replicate, compare
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.config.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.engine.model import SocialCommerceModel
    from sim.execution.runner import RunResult, replicate

__all__ = ["Scenario", "ScenarioError", "SocialCommerceModel", "load_scenario", "run",
           "replicate", "compare", "RunResult"]


def run(scenario: Scenario, seed: int | None = None, **kwargs: Any) -> "RunResult":
    """Run one scenario once (see :func:`sim.execution.runner.run_single`)."""
    from sim.execution.runner import run_single

    return run_single(scenario, seed, **kwargs)


def __getattr__(name: str) -> Any:
    """Import the heavy parts (Mesa, pandas) only when they are used."""
    if name == "SocialCommerceModel":
        from sim.engine.model import SocialCommerceModel

        return SocialCommerceModel
    if name in ("replicate", "RunResult", "run_single"):
        from sim.execution import runner

        return getattr(runner, name)
    if name == "compare":
        from sim.analysis.comparison import compare

        return compare
    raise AttributeError(name)
