"""Awareness as memory (sim/engine/awareness.py): repeated exposure, frequency, forgetting."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import SocialCommerceModel
from sim.config.scenario import load_scenario
from sim.world.population import AWARE

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


def run(days: int = 30, seed: int = 1, **sets):
    model = SocialCommerceModel(
        load_scenario(BASELINE, {"run.consumers": 2000, "run.days": days, **sets}), seed=seed)
    while model.running:
        model.step()
    return model


def test_baseline_leaves_most_reached_consumers_unaware():
    """F15: one or two exposures do not make a consumer aware; most reached consumers are not."""
    model = run()
    assert 0.0 < model.kpis["aware_of_reached"] < 0.5


def test_first_exposure_awareness_is_the_limit_of_no_forgetting_and_threshold_one():
    old = run(**{"behaviour.memory_retention": 1.0, "behaviour.awareness_threshold": 1.0,
                 "behaviour.promo_memory_weight": 1.0})
    assert old.kpis["aware_of_reached"] == 1.0


def test_awareness_needs_repeated_exposure():
    """Consumers who stay merely aware (never engaged) all carry a memory at the threshold, and
    the aware share rises with more ad frequency (budget on ads) under the same seed."""
    model = run()
    memory = model.ctx.awareness.memory
    aware_only = (model.population.stage == AWARE) & ~model.population.member
    assert np.all(memory[aware_only] >= 15.0 * 0.95 ** 1 - 1e-3)
    low = run(**{"retailers.brand.budget": 1_000_000.0})
    high = run(**{"retailers.brand.budget": 6_000_000.0})
    assert high.kpis["aware_of_reached"] > low.kpis["aware_of_reached"]


def test_memory_fades_and_aware_consumers_forget():
    """With fast forgetting the stock decays and some aware consumers drop back to unaware."""
    model = run(days=20, **{"behaviour.memory_retention": 0.5, "behaviour.awareness_threshold": 2.0})
    ctx = model.ctx
    before = ctx.awareness.memory.copy()
    aware = int((model.population.stage == AWARE).sum())
    ctx.state.day += 1
    ctx.awareness.morning(ctx)
    assert np.allclose(ctx.awareness.memory, before * 0.5)
    assert int((model.population.stage == AWARE).sum()) < aware or aware == 0
