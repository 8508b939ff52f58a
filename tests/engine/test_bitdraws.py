"""Compiled draws from a bit generator and the compiled commissioning loop
(sim.engine.bitdraws): the numbers numpy's Generator calls give, and the
generator's state afterwards."""

import numpy as np
import pytest

from sim.engine import bitdraws
from sim.engine.bitdraws import draw_posts
from sim.kernels.commission import fitting_posts


def _pair(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two generators in the same state, half a 32-bit word buffered (an odd count of
    32-bit draws), so that the buffered word is used first."""
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    for g in (a, b):
        g.random(3)
        g.integers(5)
    return a, b


@pytest.mark.parametrize("high", [1, 2, 3, 7, 50, 1000, 2**31 + 5, 2**32 - 1])
def test_integers_equal_numpy(high):
    a, b = _pair(high % 97)
    np.testing.assert_array_equal(bitdraws.integers(bitdraws.source(b), high, 41),
                                  a.integers(high, size=41))
    assert a.bit_generator.state == b.bit_generator.state
    assert a.integers(10**6) == b.integers(10**6)  # and the streams go on alike


def test_uniforms_equal_numpy():
    a, b = _pair(4)
    np.testing.assert_array_equal(bitdraws.uniforms(bitdraws.source(b), 333), a.random(333))
    assert a.bit_generator.state == b.bit_generator.state
    assert len(bitdraws.uniforms(bitdraws.source(b), 0)) == 0


def test_source_is_kept_per_generator_and_none_for_other_bit_generators():
    g = np.random.default_rng(1)
    assert bitdraws.source(g) == bitdraws.source(g)
    assert bitdraws.source(np.random.default_rng(2)) != bitdraws.source(g)
    assert bitdraws.source(np.random.Generator(np.random.MT19937(1))) is None


def _commission_reference(rng, fees, budget, cheapest, cap):
    """The numpy loop of Retailer._commission."""
    picked, spent, count = [], 0.0, 0
    while count < cap:
        k = min(cap - count, int(max(0.0, budget - spent) // cheapest) + 1)
        draw = rng.integers(len(fees), size=k)
        n, spent = fitting_posts(fees, draw, spent, budget)
        if n:
            picked.append(draw[:n])
            count += n
        if n < k:
            break
    picks = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
    return picks, spent


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("fee_set", [[250.0], [60.0, 250.0, 1500.0], [0.0, 40.0], [0.0]])
def test_draw_posts_equals_the_numpy_blocks(seed, fee_set):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    fees = rng.choice(fee_set, size=n).astype(np.float64)
    cheapest = max(float(fees.min()), 1e-9)
    for budget in (0.0, 100.0, 3000.0, 2e4, 1e12):
        a, b = _pair(seed + 100)
        cap = 16 * n
        picks, spent = draw_posts(*bitdraws.source(b), fees, budget, cheapest, cap)
        ref_picks, ref_spent = _commission_reference(a, fees, budget, cheapest, cap)
        np.testing.assert_array_equal(picks, ref_picks)
        assert spent == ref_spent
        assert a.bit_generator.state == b.bit_generator.state
        assert len(picks) <= cap


@pytest.mark.parametrize("n", [0, 7, 8, 203, 4099])
def test_memory_searchers_drawn_equal_count_draw_and_scan(n):
    from sim.engine.search import _ADD_HI, _ADD_LO, _memory_searchers_drawn
    from sim.kernels.rowscan import count_equal, memory_searchers_of
    from sim.world.population import INTERESTED
    g = np.random.default_rng(n)
    stage = g.integers(0, 5, size=(n, 1)).astype(np.int8)
    memory = (g.random((n, 1)) * 3).astype(np.float32)
    a, b = _pair(n)
    got = _memory_searchers_drawn(*bitdraws.source(a), stage, _ADD_LO, _ADD_HI, memory, 0.4, 1.5)
    u = b.random(count_equal(stage, 0, INTERESTED))
    expected = memory_searchers_of(stage, 0, INTERESTED, u, memory, 0.4, 1.5)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype
    assert a.bit_generator.state == b.bit_generator.state
    if n > 1000:
        assert 0 < len(got) < int((stage == INTERESTED).sum())


@pytest.mark.parametrize("n", [0, 7, 8, 203, 4099])
def test_lead_joins_drawn_equal_count_draw_and_scan(n):
    from sim.engine.community import _ADD_INTERESTED, _lead_joins_drawn
    from sim.kernels.rowscan import count_leads, lead_joins_and_members
    from sim.world.population import INTERESTED
    g = np.random.default_rng(n + 1)
    stage = g.integers(0, 5, size=(n, 1)).astype(np.int8)
    member = g.random((n, 1)) < 0.2
    exposures = g.integers(0, 6, size=(n, 1)).astype(np.float32)
    args = (exposures, 3.0, 0.35, 0.2, 0.1, 0.6, 1.2)
    a, b = _pair(n)
    got = _lead_joins_drawn(*bitdraws.source(a), stage, member, _ADD_INTERESTED, *args)
    u = b.random(count_leads(stage, member, 0, INTERESTED))
    expected = lead_joins_and_members(stage, member, 0, INTERESTED, u, *args)
    for x, y in zip(got, expected):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype
    assert a.bit_generator.state == b.bit_generator.state
    if n > 1000:
        assert len(got[0]) > 0 and len(got[1]) > 0


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("line", [0.0, 500.0, 1e12])
def test_draw_paid_posts_draw_the_uniforms_only_when_the_line_pays(seed, line):
    fees = np.full(12, 250.0)
    budget = 2000.0  # may exceed the line: Retailer.book then refuses and nothing is drawn
    a, b = _pair(seed)
    picks, spent, u, paid = bitdraws.draw_paid_posts(*bitdraws.source(a), fees, budget, 250.0,
                                                     192, line + 1e-9)
    ref_picks, ref_spent = _commission_reference(b, fees, budget, 250.0, 192)
    np.testing.assert_array_equal(picks, ref_picks)
    assert spent == ref_spent
    assert paid == (not (spent > line + 1e-9))  # Retailer.book's test
    if paid:
        np.testing.assert_array_equal(u, b.random((len(picks), 4)))
    else:
        assert u.shape == (0, 4)
    assert a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("n", [0, 1, 57, 3001])
def test_community_draws_in_kernels_equal_numpy_draws(n):
    from sim.engine.community import (_community_posts_drawn, _keep_below_drawn,
                                      _pick_inviters_drawn)
    from sim.kernels.rowscan import community_posts, keep_below_scaled, pick_inviters
    g = np.random.default_rng(n + 3)
    weight = g.random(5000).astype(np.float32)
    degree = g.integers(0, 3, size=5000)
    rows = np.sort(g.choice(5000, size=n, replace=False)).astype(np.int64)
    a, b = _pair(n)
    src = bitdraws.source(a)
    got = _keep_below_drawn(*src, rows, np.float32(0.7), weight)
    np.testing.assert_array_equal(got, keep_below_scaled(rows, b.random(n), np.float32(0.7),
                                                         weight))
    for x, y in zip(_community_posts_drawn(*src, len(got), 0.4, 11, 12, 0.8, 3),
                    community_posts(b.random(len(got)), 0.4, 11, 12, 0.8, 3)):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype
    np.testing.assert_array_equal(_pick_inviters_drawn(*src, rows, 0.5, degree),
                                  pick_inviters(rows, b.random(n), 0.5, degree))
    assert a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_search_memory_add_equals_numpy_fancy_add(dtype):
    from sim.engine.search import _add_memory
    g = np.random.default_rng(9)
    memory = (g.random((300, 2)) * 5).astype(dtype)
    expected = memory.copy()
    for rows in (np.array([3, 3, 7, 299], np.int64), np.arange(0, 300, 7), np.empty(0, np.int64)):
        _add_memory(memory, rows, 1, memory.dtype.type(0.3))
        expected[rows, 1] += memory.dtype.type(0.3)
        assert memory.tobytes() == expected.tobytes()
