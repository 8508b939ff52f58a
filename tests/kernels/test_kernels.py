"""Unit tests of the vectorised pieces: population, content, diffusion, platforms, funnel."""

from __future__ import annotations

import naive
import numpy as np
import pytest
import scipy.sparse as sp

from sim.engine import diffusion, funnel
from sim.world.content import KIND, Exposures, PostLog
from sim.world.graph import circle_graph
from sim.world.platforms import Platform, sample_by_attention
from sim.world.population import AWARE, CUSTOMER, INTERESTED, LOYAL, build_population
from sim.config.scenario import (BehaviourSection, GraphSection, PlatformSection, PopulationSection,
                          RetailerSection, ShockSection)


@pytest.fixture()
def rng():
    return np.random.default_rng(0)


@pytest.fixture()
def pop(rng):
    return build_population(PopulationSection(), 20_000, 2, np.array([1.0, 1.0]), 1, rng)


def test_population_shares_and_means(pop):
    assert np.mean(pop.segment == 0) == pytest.approx(0.47, abs=0.02)  # gen_z share
    assert pop.need.mean() == pytest.approx(0.4, abs=0.01)
    assert pop.activity.mean() == pytest.approx(0.6, abs=0.01)
    assert np.allclose(pop.attention.sum(axis=1), 1.0, atol=1e-5)
    sizes = np.bincount(pop.circle)
    assert sizes[0] > sizes[-1] * 5  # Zipf: the first circle is much bigger than the last
    assert (pop.stage == 0).all() and pop.stage.shape == (20_000, 1)


def test_postlog_appends_and_broadcasts():
    log = PostLog()
    ids = log.add(retailer=0, platform=1, channel=2, kind=KIND["scene"], circle=np.array([3, 4]),
                  credibility=0.5, b0=-3.0, negative=False, author=-1, day=1)
    assert list(ids) == [0, 1] and list(log["circle"]) == [3, 4] and len(log) == 2
    with pytest.raises(ValueError):
        log.add(retailer=0)


def test_expand_rows_matches_csr():
    a = sp.random(50, 50, density=0.1, format="csr", random_state=1)
    rows = np.array([3, 7, 7, 20])
    owner, pos = diffusion.expand_rows(a.indptr, rows)
    expected = np.concatenate([a.indices[a.indptr[r]:a.indptr[r + 1]] for r in rows])
    assert np.array_equal(a.indices[pos], expected)
    assert np.array_equal(np.bincount(owner, minlength=4), np.diff(a.indptr)[rows])


def test_share_to_ties_probability(rng):
    circle = np.zeros(2000, np.int32)
    g = circle_graph(circle, GraphSection(mean_degree=20, trust_spread=0.0, strong_share=0.0,
                                          trust_weak=0.5), rng)
    sharers = np.arange(2000)
    exp = diffusion.share_to_ties(g, sharers, np.zeros(2000, np.int64), np.full(2000, 0.4), 0, rng)
    # per tie probability prob × trust = 0.2
    assert len(exp) / len(g.indices) == pytest.approx(0.2, abs=0.01)
    exp_t = diffusion.share_to_ties(g, sharers, np.zeros(2000, np.int64), np.full(2000, 0.4), 0,
                                    rng, use_trust=False)
    assert len(exp_t) / len(g.indices) == pytest.approx(0.4, abs=0.01)


def _ctx(n, r=1, atm=0.0):
    return naive.ResponseContext(
        need=np.full(n, 0.5, np.float32), susceptibility=np.full(n, 0.5, np.float32),
        circle=np.zeros(n, np.int32), fatigue=np.zeros(n, np.float32),
        atmosphere=np.full((n, r), atm, np.float32), festival=np.zeros(r, bool),
        negative_damping=np.ones(r),
    )


def _one_post(log, **kw):
    base = dict(retailer=0, platform=0, channel=0, kind=KIND["scene"], circle=-1,
                credibility=0.5, b0=-3.0, negative=False, author=-1, day=1)
    base.update(kw)
    return int(log.add(**base)[0])


def test_engagement_rises_with_trust_atmosphere_circle_and_falls_with_fatigue():
    beh = BehaviourSection()
    log = PostLog()
    p = _one_post(log)
    tagged = _one_post(log, circle=0)
    exp = lambda post, trust: Exposures(np.array([0]), np.array([post]),
                                        np.array([trust], np.float32), np.array([0], np.int8))
    base = naive.engagement_probability(exp(p, 0.2), log, _ctx(1), beh)[0]
    assert naive.engagement_probability(exp(p, 0.9), log, _ctx(1), beh)[0] > base
    assert naive.engagement_probability(exp(p, 0.2), log, _ctx(1, atm=0.5), beh)[0] > base
    assert naive.engagement_probability(exp(tagged, 0.2), log, _ctx(1), beh)[0] > base
    tired = _ctx(1)
    tired.fatigue[:] = 5
    assert naive.engagement_probability(exp(p, 0.2), log, tired, beh)[0] < base


def test_sharing_falls_with_circle_saturation():
    beh = BehaviourSection()
    log = PostLog()
    p = _one_post(log)
    circle = np.array([0, 1])
    sat = np.array([[0.0], [0.8]])
    prob = diffusion.sharing_probability(np.array([0, 1]), np.array([p, p]), log, circle, sat,
                                         beh, np.ones(1))
    assert prob[0] > prob[1] > 0
    assert prob[1] == pytest.approx(prob[0] * 0.2)


def test_atmosphere_is_engaged_share_of_ties():
    a = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=np.float32))
    engaged = np.array([[False], [True], [True]])
    atm = diffusion.atmosphere(a, engaged, np.array([2, 1, 1]))
    assert list(atm[:, 0]) == [1.0, 0.0, 0.0]
    assert np.allclose(diffusion.atmosphere(None, engaged, None), 2 / 3)


def test_platform_reach_shock_scales_delivery(rng, pop):
    plat = Platform(0, "feed", PlatformSection(organic_reach=0.3),
                    shocks=[ShockSection(kind="reach", day=10, platform="feed", factor=0.58)])
    audience = np.arange(pop.n)
    plat.update_shocks(5)
    before = len(np.concatenate(naive.deliver(plat, audience, pop.activity, pop.attention, rng, 5)))
    plat.update_shocks(10)
    after = len(np.concatenate(naive.deliver(plat, audience, pop.activity, pop.attention, rng, 5)))
    assert after / before == pytest.approx(0.58, abs=0.03)


def test_amplification_needs_engagement_above_threshold():
    plat = Platform(0, "feed", PlatformSection(amplification_threshold=0.1, amplification_factor=2))
    assert plat.amplified_count(100, 5) == 0
    assert plat.amplified_count(100, 20) == 200
    assert plat.impressions_for(120.0) == 2000  # default CPM 60 yuan


def test_sample_by_attention_follows_weights(rng):
    picks = sample_by_attention(np.array([10, 20]), np.array([1.0, 3.0]), 40_000, rng)
    assert np.mean(picks == 20) == pytest.approx(0.75, abs=0.01)


def test_purchase_probability_price_and_coupon(pop):
    beh = BehaviourSection()
    rows = np.arange(1000)
    atm = np.zeros((pop.n, 1), np.float32)
    conv = np.array([1.0, 1.0])
    cheap = funnel.first_purchase_probability(pop, rows, 0, RetailerSection(price=30), beh, atm,
                                              False, conv).mean()
    dear = funnel.first_purchase_probability(pop, rows, 0, RetailerSection(price=300), beh, atm,
                                             False, conv).mean()
    coupon = funnel.first_purchase_probability(pop, rows, 0, RetailerSection(price=300), beh,
                                               atm, True, conv).mean()
    assert cheap > coupon > dear > 0


def test_orders_move_consumers_to_customer_then_loyal(pop, rng):
    pop.stage[:3, 0] = INTERESTED
    buy = funnel.Purchases(0, np.array([0, 1]), np.array([True, True]), np.array([False, False]))
    funnel.record_orders(pop, buy)
    assert list(pop.stage[:3, 0]) == [CUSTOMER, CUSTOMER, INTERESTED]
    funnel.record_orders(pop, funnel.Purchases(0, np.array([0]), np.array([False]),
                                               np.array([False])))
    assert pop.stage[0, 0] == LOYAL and pop.orders[0, 0] == 2


def test_decide_purchases_at_most_one_order_per_consumer_per_day(pop, rng):
    pop2 = build_population(PopulationSection(activity_mean=0.99), 5000, 2, np.ones(2), 2, rng)
    pop2.stage[:] = INTERESTED
    beh = BehaviourSection(c0=5.0)  # nearly everyone wants to buy from both
    out = funnel.decide_purchases(pop2, [RetailerSection(), RetailerSection(name="b")], beh,
                                  np.zeros((5000, 2), np.float32), [False, False], np.ones(2), rng)
    buyers = np.concatenate([p.buyers for p in out])
    assert len(buyers) == len(np.unique(buyers)) > 4000
    assert min(len(p.buyers) for p in out) > 1000  # both retailers get demand
    assert AWARE < INTERESTED
