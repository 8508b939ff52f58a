"""The morning's decays in one compiled call equal the two steps they replace.

``AwarenessMemory.morning(ctx, fatigue)`` multiplies the fatigue by ``fatigue_decay`` in the
same call as the memory stock's decay; the reference below is the former form: numpy's
``fatigue *= fatigue_decay``, then the stock's decay and forgetting alone. Compared bit for
bit, with and without forgetting (``memory_retention`` 1 skips the stock)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("retention, decay", [(0.95, 0.7), (0.5, 0.123456789), (1.0, 0.85)])
def test_morning_with_fatigue_equals_numpy_decay_then_memory(retention, decay):
    model = SocialCommerceModel(load_scenario(BASELINE, {
        "run.consumers": 1500, "run.days": 12, "behaviour.memory_retention": retention,
        "behaviour.awareness_threshold": 2.0, "behaviour.fatigue_decay": decay}), seed=3)
    for _ in range(8):
        model.step()
    ctx, pop = model.ctx, model.population
    assert pop.fatigue.any() and ctx.awareness.memory.any()
    fatigue, memory, stage = pop.fatigue.copy(), ctx.awareness.memory.copy(), pop.stage.copy()
    ctx.awareness.morning(ctx, pop.fatigue)
    fused = pop.fatigue.copy(), ctx.awareness.memory.copy(), pop.stage.copy()
    pop.fatigue[:], ctx.awareness.memory[:], pop.stage[:] = fatigue, memory, stage
    pop.fatigue *= ctx.beh.fatigue_decay  # the reference: numpy, then the stock alone
    ctx.awareness.morning(ctx)
    assert same(fused[0], pop.fatigue)
    assert same(fused[1], ctx.awareness.memory)
    assert same(fused[2], pop.stage)
    assert not same(fatigue, pop.fatigue)  # the fatigue did decay
    if retention < 1.0:
        assert not same(memory, ctx.awareness.memory)


def test_morning_with_a_float64_fatigue_takes_numpy():
    model = SocialCommerceModel(load_scenario(BASELINE, {"run.consumers": 300, "run.days": 3}),
                                seed=1)
    model.step()
    ctx = model.ctx
    fatigue = np.linspace(0.0, 3.0, 300)
    expected = fatigue * ctx.beh.fatigue_decay
    ctx.awareness.morning(ctx, fatigue)
    assert same(fatigue, expected)
