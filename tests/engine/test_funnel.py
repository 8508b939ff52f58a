"""The first-purchase hazard's price term (sim/engine/funnel.py): the price is compared with
the retailer's category price."""

from __future__ import annotations

import numpy as np

from sim.config.scenario import BehaviourSection, PopulationSection, RetailerSection
from sim.engine import funnel
from sim.world.population import CUSTOMER, INTERESTED, build_population


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


def _day(own_visit: float, seed: int = 5):
    """One day's purchase draw of 4,000 consumers with a session each (activity 1), the first
    half interested and visiting the product page (a click), the second half interested without
    a visit, plus 400 customers of the retailer without a visit: (first orders of visitors, of
    the others, repeat orders)."""
    n = 4400
    pop = build_population(PopulationSection(), n, 2, np.array([1.0, 1.0]), 1,
                           np.random.default_rng(3))
    pop.activity[:] = 1.0
    pop.stage[:4000, 0] = INTERESTED
    pop.stage[4000:, 0] = CUSTOMER
    pop.orders[4000:, 0] = 1
    beh = BehaviourSection(c0=-1.0, own_visit=own_visit, repurchase_hazard=0.3)
    cfg = RetailerSection(name="brand", price=85.0)
    orders = funnel.decide_purchases(pop, [cfg], beh, np.zeros((n, 1)), [False], np.ones(2),
                                     np.random.default_rng(seed),
                                     extra_sessions=np.arange(2000))[0]
    first = orders.buyers[orders.first]
    return ((first < 2000).sum(), (first >= 2000).sum(), (~orders.first).sum())


def test_own_sessions_reach_the_product_page_at_the_own_visit_rate():
    visits, own, repeat = _day(1.0)
    assert visits > 200 and abs(own - visits) < 0.2 * visits  # the same hazard without the rule
    visits_low, own_low, repeat_low = _day(0.25)
    assert abs(visits_low - visits) < 0.15 * visits  # click sessions keep their hazard
    assert 0.15 * own < own_low < 0.35 * own  # own sessions buy a quarter as often
    assert abs(repeat_low - repeat) < 0.25 * repeat  # customers reorder from the shop
    assert _day(0.0)[1] == 0  # no first order without a product-page visit


def test_own_visit_hazard_rule_is_exact():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    rows = np.array([3, 5, 8, 9])
    funnel.own_session_hazard(p, rows, np.array([1, 5, 9]), 0.5)
    assert np.allclose(p, [0.05, 0.2, 0.15, 0.4])
    q = np.array([0.1, 0.2])
    funnel.own_session_hazard(q, np.array([0, 1]), None, 1.0)
    assert q.tolist() == [0.1, 0.2]
