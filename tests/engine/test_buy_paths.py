"""Compiled paths of the purchase step against the code they replaced (kept here as reference
implementations): the same orders and posts from the same random numbers, and the generators
in the same state afterwards."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import BehaviourSection, PopulationSection, RetailerSection
from sim.engine import funnel
from sim.kernels.arrayops import sorted_union
from sim.world.population import CUSTOMER, build_population


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def population(n: int, n_ret: int, seed: int):
    """A population with random funnel state in every column."""
    rng = np.random.default_rng(seed)
    pop = build_population(PopulationSection(circles=6), n, 3, np.ones(3), n_ret, rng)
    pop.stage[:] = rng.choice(5, size=(n, n_ret), p=[0.3, 0.2, 0.3, 0.1, 0.1])
    pop.orders[:] = np.where(pop.stage >= CUSTOMER, rng.integers(1, 4, (n, n_ret)), 0)
    pop.member[:] = rng.random((n, n_ret)) < 0.2
    pop.negative[:] = rng.random((n, n_ret)) < 0.1
    pop.churned[:] = rng.random((n, n_ret)) < 0.15
    pop.source_trust[:] = rng.random((n, n_ret)).astype(np.float32)
    pop.last_platform[:] = rng.integers(0, 3, (n, n_ret))
    return pop


# ------------------------------------------------------------------ reference (old path)
def reference_one_retailer(pop, cfg, beh, atmosphere, coupon, conversion, rng, price=None,
                           extra_sessions=None, multiplier=None):
    """The general path of :func:`funnel.decide_purchases` for one retailer, as it was."""
    session_rows = funnel.purchase_sessions(pop, rng)
    if extra_sessions is not None and len(extra_sessions):
        session_rows = sorted_union(session_rows, extra_sessions)
    price = cfg.price if price is None else float(price)
    multiplier = cfg.community.repurchase_multiplier if multiplier is None else multiplier
    first_rows, p_first, repeat_rows, p_rep = funnel._candidates(
        pop, session_rows, 0, cfg, beh, atmosphere, coupon, conversion, price, multiplier, None,
        None, 0.0, extra_sessions)
    u = rng.random(len(first_rows) + len(repeat_rows))
    rows, first = funnel._bernoulli_pick(first_rows, p_first, repeat_rows, p_rep, u)
    return funnel.Purchases(0, rows, first, np.full(len(rows), coupon))


def visits_of(kind: str, n: int, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "none":
        return None
    if kind == "empty":
        return np.empty(0, np.int64)
    rows = np.flatnonzero(rng.random(n) < 0.3).astype(np.int64)
    if kind == "unsorted" and len(rows) > 2:
        rows = rows[::-1].copy()  # not ascending: the general path sorts them
    return rows


@pytest.mark.parametrize("n", [0, 1, 9, 203, 4099])
@pytest.mark.parametrize("visits", ["none", "empty", "some", "unsorted"])
@pytest.mark.parametrize("own_visit", [1.0, 0.08])
@pytest.mark.parametrize("atm_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.MT19937])
def test_one_retailer_purchases_equal_the_general_path(n, visits, own_visit, atm_dtype, bits):
    """PCG64 draws inside the scan (funnel._one_retailer_drawn), other bit generators
    through numpy's calls: the same orders and generator states either way."""
    pop = population(n, 1, seed=n + 11)
    beh = BehaviourSection(c0=-1.0, own_visit=own_visit, repurchase_hazard=0.3)
    cfg = RetailerSection(name="brand", price=85.0)
    atm = np.random.default_rng(2).random((n, 1)).astype(atm_dtype)
    conversion = np.array([1.0, 1.4, 0.8])
    extra = visits_of(visits, n, seed=n)
    for coupon, price, mult in ((False, None, None), (True, 85.0, 2.5), (True, 70.0, 1.0)):
        a, b = np.random.Generator(bits(7)), np.random.Generator(bits(7))
        a.integers(3), b.integers(3)  # half a 32-bit word buffered: doubles draw past it
        got = funnel.decide_purchases(pop, [cfg], beh, atm, [coupon], conversion, a,
                                      prices=None if price is None else [price],
                                      extra_sessions=extra,
                                      multipliers=None if mult is None else [mult])
        expected = reference_one_retailer(pop, cfg, beh, atm, coupon, conversion, b, price,
                                          extra, mult)
        assert len(got) == 1
        x = got[0]
        assert x.retailer == 0
        assert same(x.buyers, expected.buyers) and same(x.first, expected.first)
        assert same(x.coupon, expected.coupon)
        np.testing.assert_equal(a.bit_generator.state, b.bit_generator.state)
        if n > 1000:
            assert len(x.buyers) > 0 and x.first.any() and (~x.first).any()


@pytest.mark.parametrize("n", [0, 5, 8, 13, 2003])
def test_one_retailer_candidates_equal_sessions_union_and_split(n):
    from sim.kernels.bytescan import byte_words
    pop = population(n, 1, seed=n + 4)
    pop.activity[:] = np.random.default_rng(n).random(n).astype(np.float32)
    words = byte_words(pop.stage)[0]
    rng = np.random.default_rng(n + 1)
    visits = np.flatnonzero(rng.random(n) < 0.2).astype(np.int64)  # some not open
    for extra in (visits, np.empty(0, np.int64)):
        n_open = funnel._count_open_checked(pop.stage, words, funnel._ADD_INTERESTED, extra)
        a, b = np.random.default_rng(n), np.random.default_rng(n)
        first, unvisited, repeat, p_rep = funnel._one_retailer_candidates(
            pop.stage, words, funnel._ADD_INTERESTED, a.random(n_open), pop.activity, extra,
            pop.churned, pop.member, pop.negative, 2.0, 0.1, 0.5)
        union = sorted_union(funnel.purchase_sessions(pop, b), extra)
        expected_first, expected_repeat = funnel._split_candidates(union, pop.stage,
                                                                   pop.churned, 0)
        assert same(first, expected_first) and same(repeat, expected_repeat)
        assert same(unvisited, ~np.isin(first, extra))
        expected_p = funnel.repurchase_probability(pop, expected_repeat, 0,
                                                   BehaviourSection(repurchase_hazard=0.1,
                                                                    negative_block=0.5), 2.0)
        assert same(p_rep, expected_p)
        assert a.bit_generator.state == b.bit_generator.state
    if n > 2:
        assert funnel._count_open_checked(pop.stage, words, funnel._ADD_INTERESTED,
                                          np.array([2, 1], np.int64)) == -1


@pytest.mark.parametrize("own_visit", [0.0, 0.3, 0.999])
def test_skipped_hazards_could_not_pass_their_draws(own_visit):
    """Every own session (no visits) with a hazard of 1 before the own-visit factor: the
    orders are exactly the draws below ``own_visit``, as the general path finds."""
    n = 3000
    pop = population(n, 1, seed=9)
    pop.stage[:, 0] = 2  # all interested
    pop.negative[:] = False
    beh = BehaviourSection(c0=20.0, own_visit=own_visit)  # sigmoid about 1
    cfg = RetailerSection(name="brand", price=85.0)
    atm = np.zeros((n, 1))
    conversion = np.array([5.0, 5.0, 5.0])  # clipped to 1
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    got = funnel.decide_purchases(pop, [cfg], beh, atm, [False], conversion, a)[0]
    expected = reference_one_retailer(pop, cfg, beh, atm, False, conversion, b)
    assert same(got.buyers, expected.buyers) and same(got.first, expected.first)
    assert a.bit_generator.state == b.bit_generator.state
    assert own_visit == 0.0 or len(got.buyers) > 0


# ------------------------------------------------------------------ basket sizes
@pytest.mark.parametrize("n", [0, 1, 3, 8, 9, 50])
def test_basket_poisson_draws_equal_one_array_call(n):
    from sim.engine.order_value import poisson
    lam = np.random.default_rng(99).random(n) * 3
    a, b = np.random.default_rng(n), np.random.default_rng(n)
    got, expected = poisson(a, lam), b.poisson(lam)
    assert same(got, expected)
    assert a.bit_generator.state == b.bit_generator.state


# ------------------------------------------------------------------ booking
@pytest.mark.parametrize("n_ret", [1, 3])
def test_record_and_tally_equals_record_then_tally(n_ret):
    a, b = population(500, n_ret, seed=n_ret), population(500, n_ret, seed=n_ret)
    rng = np.random.default_rng(n_ret)
    for pop in (a, b):
        pop.first_touch[:] = rng.integers(-1, 6, pop.first_touch.shape)
        pop.last_touch[:] = rng.integers(-1, 6, pop.last_touch.shape)
        pop.last_click[:] = rng.integers(-1, 6, pop.last_click.shape)
        rng = np.random.default_rng(n_ret)  # the same codes in both
    counters = [[np.zeros(k, np.int64) for k in (3, 6, 6, 6)] for _ in range(2)]
    for r in range(n_ret):
        rows = np.flatnonzero(np.random.default_rng(r).random(500) < 0.1).astype(np.int64)
        pur = funnel.Purchases(r, rows, np.ones(len(rows), bool), np.zeros(len(rows), bool))
        funnel.record_and_tally(a, pur, *counters[0])
        funnel.record_orders(b, pur)
        funnel.tally_orders(b, pur, *counters[1])
    for x, y in zip(*counters):
        assert same(x, y)
    assert same(a.orders, b.orders) and same(a.stage, b.stage)
