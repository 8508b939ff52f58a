"""The day state: coefficients are read live and the graph can be replaced between days."""

from __future__ import annotations

import numpy as np

from sim.engine.diffusion import atmosphere
from sim.engine.model import SocialCommerceModel
from sim.world.graph import build_graph
from sim.world.population import INTERESTED


def _run(model, days):
    for _ in range(days):
        model.step()
    return model.datacollector.get_model_vars_dataframe()


def test_a_coefficient_changed_between_days_acts_from_the_next_day(small_baseline):
    """Raising the fatigue coefficient at day 10 leaves days 1–10 alone and lowers realised
    engagement afterwards (the response pass reads the live behaviour section)."""
    same = SocialCommerceModel(small_baseline, seed=4)
    tired = SocialCommerceModel(small_baseline, seed=4)
    a, b = _run(same, 10), _run(tired, 10)
    assert a.equals(b)
    tired.config = tired.config.with_overrides({"behaviour.b_fatigue": 3.0})
    a, b = _run(same, 10), _run(tired, 10)
    assert a.iloc[:11].equals(b.iloc[:11])
    rate = lambda ts: ts["daily_engagements"].iloc[11:].sum() / ts["daily_exposures"].iloc[11:].sum()
    assert rate(b) < 0.8 * rate(a)


def test_a_new_graph_is_used_for_social_proof_from_the_next_day(small_baseline):
    model = SocialCommerceModel(small_baseline, seed=6)
    _run(model, 8)
    cfg = small_baseline.graph.model_copy(update={"mean_degree": 4.0})
    new = build_graph(cfg, model.population.circle, np.random.default_rng(1))
    model.graph = new  # as the workshop does
    stage = model.population.stage.copy()
    model.step()
    expected = atmosphere(new.adjacency(), stage >= INTERESTED, new.degree)
    assert np.allclose(model.state.atmosphere, expected)
    assert model.state.atmosphere.any()
    # and word of mouth travels on the new ties only
    wom = [e for e in model.pending if len(e) and e.channel[0] == model.channel_code["wom"]]
    for exp in wom:
        assert np.isin(exp.consumer, new.indices).all()


def test_retailers_decisions_enter_the_day_state_through_the_model(small_baseline):
    scn = small_baseline.with_overrides({"shocks": [{"kind": "crisis", "day": 3,
                                                     "severity": 0.05}]})
    model = SocialCommerceModel(scn, seed=2)
    ret, damping = model.retailers[0], []
    for _ in range(20):
        model.step()
        assert model.state.negative_damping[0] == ret.negative_damping
        assert model.state.community_active[0] == ret.community_open
        damping.append(model.state.negative_damping[0])
    assert min(damping) == 1.0 - ret.cfg.crisis_response_strength < 1.0  # it responded
