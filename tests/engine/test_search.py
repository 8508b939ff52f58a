"""Search after seeding (sim/engine/search.py): a channel with its own clicks, spend and
orders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import ScenarioError, load_scenario
from sim.engine.search import searchers
from sim.world.population import INTERESTED

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


def model_after(days: int, seed: int = 1, **sets) -> SocialCommerceModel:
    model = SocialCommerceModel(
        load_scenario(BASELINE, {"run.consumers": 2000, "run.days": days, **sets}), seed=seed)
    while model.running:
        model.step()
    return model


def test_search_probability_grows_with_seeded_content_seen():
    model = model_after(10)
    ctx = model.ctx
    interested = np.flatnonzero(model.population.stage[:, 0] == INTERESTED)
    assert len(interested) > 50
    counts = {}
    for memory in (0.5, 20.0):
        ctx.awareness.memory[interested, 0] = memory
        counts[memory] = sum(len(searchers(ctx, 0)) for _ in range(30))
    assert counts[20.0] > 2 * counts[0.5] > 0


def test_search_is_a_paid_channel_with_clicks_and_orders():
    model = model_after(30)
    k = model.kpis
    code = model.channel_code["search"]
    assert k["spend_search"] > 0 and k["clicks_search"] > 0
    assert k["spend_search"] == pytest.approx(4.0 * k["clicks_search"])  # CPC of the notes platform
    assert k["reach_search"] > 0
    assert model.ledger.last_touch_orders[0, code] > 0  # orders credited to search


def test_no_search_line_no_search_spend_but_searchers_still_visit():
    off = model_after(30, **{"retailers.brand.allocation": {
        "head": 0.2, "waist": 0.25, "tail": 0.2, "ads": 0.15, "coupons": 0.1, "community": 0.1}})
    assert off.kpis["spend_search"] == 0 and off.kpis["clicks_search"] == 0
    assert off.ctx.funnel.searches > 0


def test_unknown_search_platform_is_refused_naming_the_field():
    with pytest.raises(ScenarioError, match="search_platform"):
        load_scenario(BASELINE, {"retailers.brand.search_platform": "radio"})
