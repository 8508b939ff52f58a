"""The model's response to a batch of views in two compiled calls
(:func:`sim.engine.response.respond_and_remember`) equals the three calls it replaces
(``response.respond``, ``AwarenessMemory.remember``, ``platform_funnel.after_response``):
same consumers' state, counters, KPIs and the same state of every random stream after."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.engine import platform_funnel, response
from sim.engine.model import SocialCommerceModel


def reference_respond(ctx, exp):
    """The former ``SocialCommerceModel._respond``."""
    res = response.respond(ctx, exp)
    ctx.awareness.remember(ctx, exp, res.retailer)
    platform_funnel.after_response(ctx, exp, res)
    return res


def _state(m):
    ctx, f, pop = m.ctx, m.ctx.funnel, m.ctx.population
    arrays = {"stage": pop.stage, "negative": pop.negative, "fatigue": pop.fatigue,
              "memory": ctx.awareness.memory, "last_click_day": f.last_click_day,
              "last_creator": f.last_creator, "creator_counts": f.creator_counts,
              "clicks": f.clicks, "engagements": f.engagements, "views": f.views,
              "kinds": f.kinds.by_creator, "kind_counts": f.kinds.counts}
    streams = {"dyn": ctx.rng.bit_generator.state, "funnel": f.rng.bit_generator.state,
               "kinds": f.kinds.rng.bit_generator.state}
    return {k: v.copy() for k, v in arrays.items()}, streams, dict(m.kpis)


@pytest.mark.parametrize("sets", [{}, {"platforms.feed.click_rate": 0.0,
                                       "platforms.notes.click_rate": 0.0,
                                       "platforms.chat.click_rate": 0.0},
                                  {"behaviour.memory_retention": 0.9}])
def test_fused_response_equals_the_three_calls(sets, monkeypatch):
    scn = load_scenario("scenarios/baseline.toml",
                        {"run.consumers": 1500, "run.days": 25, **sets})
    fused, ref = SocialCommerceModel(scn, seed=11), SocialCommerceModel(scn, seed=11)
    for _ in range(25):
        fused.step()
        with monkeypatch.context() as mp:
            mp.setattr(response, "respond_and_remember", reference_respond)
            ref.step()
        a, b = _state(fused), _state(ref)
        for k in a[0]:
            assert np.array_equal(a[0][k], b[0][k]), k
        assert a[1] == b[1]
        assert repr(a[2]) == repr(b[2])  # KPIs (NaN equal to NaN)
    assert fused.ctx.funnel.engagements.sum() > 0 and fused.ctx.funnel.clicks.sum() > 0
