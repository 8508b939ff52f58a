"""The first-purchase hazard's price term (sim/engine/funnel.py): the price is compared with
the retailer's category price."""

from __future__ import annotations

import numpy as np

from sim.config.scenario import BehaviourSection, PopulationSection, RetailerSection
from sim.engine import funnel
from sim.world.population import build_population


def hazards(price: float, category_price: float | None) -> np.ndarray:
    pop = build_population(PopulationSection(), 2000, 2, np.array([1.0, 1.0]), 1,
                           np.random.default_rng(3))
    cfg = RetailerSection(name="brand", price=price, category_price=category_price)
    rows = np.arange(2000)
    return funnel.first_purchase_probability(pop, rows, 0, cfg, BehaviourSection(),
                                             np.zeros((2000, 1)), False, np.ones(2))


def test_a_product_priced_like_its_category_converts_like_a_cheap_one_priced_like_its_own():
    everyday = hazards(85.0, None)  # 85 yuan against the reference price of 100
    luxury = hazards(1000.0, 1000.0 / 0.85)  # 1,000 yuan in a category whose norm is 1,176
    assert np.allclose(luxury, everyday, rtol=1e-5)
    assert hazards(1000.0, None).mean() < 0.05 * everyday.mean()  # against 100 yuan: priced out


def test_a_dearer_product_within_its_category_converts_less():
    assert hazards(1100.0, 1000.0).mean() < hazards(900.0, 1000.0).mean()
