"""Small runs of the retail scenarios for the engine tests (2,000 consumers, short horizons)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.config.scenario import Scenario, load_scenario
from sim.engine.model import SocialCommerceModel

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def small(name: str, days: int = 40, consumers: int = 2000, **overrides) -> Scenario:
    """Bundled scenario ``name`` at a small size, with dotted-key ``overrides``."""
    return load_scenario(SCENARIOS / f"{name}.toml",
                         {"run.consumers": consumers, "run.days": days, **overrides})


def run(scenario: Scenario, seed: int,
        each_step: Callable[[SocialCommerceModel], None] | None = None) -> SocialCommerceModel:
    """Run ``scenario`` to the end with ``seed``, calling ``each_step(model)`` after each day."""
    model = SocialCommerceModel(scenario, seed=seed)
    while model.running:
        model.step()
        if each_step is not None:
            each_step(model)
    return model


def paired_means(a: Scenario, b: Scenario, kpi: str, seeds=range(1, 5)) -> tuple[float, float]:
    """Mean final ``kpi`` of ``a`` and ``b`` over the same seeds (common random numbers)."""
    va = [run(a, s).kpis[kpi] for s in seeds]
    vb = [run(b, s).kpis[kpi] for s in seeds]
    return float(np.mean(va)), float(np.mean(vb))


def check_money(model: SocialCommerceModel) -> None:
    """Money booked never exceeds the budgets plus the commissions due; GMV adds up."""
    k = model.kpis
    budget = sum(r.budget for r in model.retailers)
    assert k["spend"] <= budget + 1e-6
    commissions = k.get("commissions", 0.0)
    assert k["spend"] + commissions <= budget + commissions + 1e-6
    parts = k["online_gmv"] + k.get("store_gmv", 0.0) + k.get("distributor_gmv", 0.0)
    assert abs(parts - k["gmv"]) <= 1e-6 * max(1.0, k["gmv"])
    assert 0.0 <= k["member_revenue_share"] <= 1.0
