"""Order value (sim/engine/order_value.py): AOV and GMV respond to coupons and price."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import BehaviourSection, RetailerSection, load_scenario
from sim.engine import order_value
from sim.execution.runner import run_single

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


def summary(seed: int = 1, **sets) -> dict:
    return run_single(load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 30, **sets}),
                      seed).summary


def test_one_unit_an_order_makes_aov_the_price():
    s = summary(**{"behaviour.extra_units": 0.0})
    assert s["aov"] == pytest.approx(85.0)


def test_baskets_hold_more_than_one_unit_on_average():
    s = summary()
    assert s["aov"] > 85.0


def test_deals_fill_baskets():
    """Same buyers drawn: a coupon or a price cut raises the units per order (each of 2,000
    consumers drawn 25 times, so the Poisson noise of the mean, ~0.002, is far below the
    deals' effect)."""
    model = SocialCommerceModel(load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 5}),
                                seed=1)
    model.step()
    ctx, ret = model.ctx, model.retailers[0]
    buyers = np.tile(np.arange(2000), 25)
    n = len(buyers)
    plain = order_value.units(ctx, ret, buyers, np.zeros(n, bool)).mean()
    coupon = order_value.units(ctx, ret, buyers, np.ones(n, bool)).mean()
    ret.price = 60.0
    cut = order_value.units(ctx, ret, buyers, np.zeros(n, bool)).mean()
    assert coupon > plain and cut > plain
    assert plain == pytest.approx(1.15, abs=0.04)
