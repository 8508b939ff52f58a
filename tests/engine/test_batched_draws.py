"""Batched daily draws equal the per-post / per-call forms they replaced, draw for draw.

Each batched path takes the same random numbers from the same stream as the old one (numpy's
``rng.random(a)`` then ``rng.random(b)`` equals ``rng.random(a + b)`` split), so the tests
compare outputs *and* the stream's state afterwards.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import PopulationSection
from sim.engine.community import join_weights
from sim.engine.funnel import in_sorted, own_session_hazard
from sim.engine.search import _without
from sim.kernels.incremental import AttentionSampler
from sim.world.population import build_population


def _world(n: int = 6000, circles: int = 7, seed: int = 3):
    """A population, its circle layout (stable sort by circle) and a sampler that knows it."""
    pop = build_population(PopulationSection(circles=circles), n, 3, np.array([1.0, 1.0, 1.0]),
                           1, np.random.default_rng(seed))
    order = np.argsort(pop.circle, kind="stable")
    starts = np.searchsorted(pop.circle[order], np.arange(circles + 1))
    sampler = AttentionSampler(pop.attention, pop.activity, lambda: (order, starts))
    return pop, order, starts, sampler


def _one_by_one(sampler, pop, order, starts, circles, platforms, counts, rng):
    """The old form: one cached pool and one :meth:`draw` per entry."""
    parts = []
    for c, p, n in zip(circles, platforms, counts):
        members = order[starts[c]:starts[c + 1]]
        pool, cum = sampler.pool((c, "old"), p, lambda: members)
        parts.append(sampler.draw(pool, cum, n, rng) if n > 0 else np.empty(0, np.int64))
    return parts


@pytest.mark.parametrize("counts", [[5, 0, 40, 1, 300, 2], [1500, 3, 64, 63, 0, 2000]])
def test_draw_in_circles_equals_one_draw_per_pool(counts):
    pop, order, starts, sampler = _world()
    circles = [0, 3, 3, 6, 1, 0]
    platforms = [1, 1, 0, 2, 1, 0]  # several platforms in one call
    old_rng, new_rng = np.random.default_rng(11), np.random.default_rng(11)
    old = _one_by_one(sampler, pop, order, starts, circles, platforms, counts, old_rng)
    got, sizes = sampler.draw_in_circles(circles, platforms, counts, new_rng)
    assert sizes == [len(p) for p in old]
    assert got.dtype == np.int64
    assert np.array_equal(got, np.concatenate(old))
    assert new_rng.random() == old_rng.random()  # the stream moved by the same amount
    # every draw is a member of its circle
    for part, c in zip(np.split(got, np.cumsum(sizes)[:-1]), circles):
        assert (pop.circle[part] == c).all()


def test_draw_in_circles_running_sums_equal_the_pools_own():
    pop, order, starts, sampler = _world()
    for p in range(3):
        _, _, cum = sampler.circle_sums(p)
        for c in range(len(starts) - 1):
            members = order[starts[c]:starts[c + 1]]
            own = np.cumsum(pop.attention[members, p] * pop.activity[members], dtype=np.float64)
            assert np.array_equal(cum[starts[c]:starts[c + 1]], own)


def test_draw_in_circles_with_a_weightless_pool_draws_integers_like_draw():
    pop, order, starts, sampler = _world()
    attention = pop.attention.copy()
    attention[pop.circle == 2, 1] = 0.0  # nobody in circle 2 uses platform 1
    sampler = AttentionSampler(attention, pop.activity, lambda: (order, starts))
    circles, platforms, counts = [1, 2, 4], [1, 1, 1], [30, 20, 10]
    old_rng, new_rng = np.random.default_rng(5), np.random.default_rng(5)
    old = _one_by_one(sampler, pop, order, starts, circles, platforms, counts, old_rng)
    got, sizes = sampler.draw_in_circles(circles, platforms, counts, new_rng)
    assert np.array_equal(got, np.concatenate(old)) and sizes == counts
    assert new_rng.random() == old_rng.random()


def test_draw_in_circles_of_an_empty_circle_draws_nothing():
    pop, _, _, _ = _world(circles=4)
    circle = pop.circle.copy()
    circle[circle == 2] = 1  # circle 2 has nobody
    order = np.argsort(circle, kind="stable")
    starts = np.searchsorted(circle[order], np.arange(5))
    sampler = AttentionSampler(pop.attention, pop.activity, lambda: (order, starts))
    rng = np.random.default_rng(2)
    got, sizes = sampler.draw_in_circles([2, 0], [0, 0], [50, 7], rng)
    assert sizes == [0, 7] and len(got) == 7 and (circle[got] == 0).all()
    none, sizes = sampler.draw_in_circles([2], [0], [50], rng)
    assert len(none) == 0 and sizes == [0]


def test_draw_many_equals_draw_per_pool():
    pop, order, starts, sampler = _world()
    pools = [sampler.pool(c, c % 3, lambda c=c: order[starts[c]:starts[c + 1]])
             for c in (0, 4, 5)]
    counts = [12, 0, 900]
    a, b = np.random.default_rng(8), np.random.default_rng(8)
    old = [sampler.draw(p, cum, n, a) for (p, cum), n in zip(pools, counts)]
    got, sizes = sampler.draw_many(pools, counts, b)
    assert np.array_equal(got, np.concatenate(old)) and sizes == counts
    assert a.random() == b.random()


def test_guided_cached_draw_equals_binary_search():
    """A cached pool searched with its guide table (from 64 draws on) picks exactly what
    ``np.searchsorted`` picks."""
    pop, order, starts, sampler = _world()
    pool, cum = sampler.pool("everyone", 2, lambda: np.arange(len(pop.circle)))
    for count in (63, 64, 500):
        got = sampler.draw(pool, cum, count, np.random.default_rng(count))
        u = np.random.default_rng(count).random(count) * cum[-1]
        picks = np.minimum(np.searchsorted(cum, u, side="right"), len(pool) - 1)
        assert np.array_equal(got, pool[picks])


def test_in_sorted_equals_isin():
    rng = np.random.default_rng(4)
    for _ in range(50):
        values = rng.integers(0, 300, rng.integers(0, 80))
        pool = np.unique(rng.integers(0, 300, rng.integers(1, 60)))
        assert np.array_equal(in_sorted(values, pool), np.isin(values, pool))


def test_own_session_hazard_scales_only_those_without_a_visit():
    rows = np.array([3, 7, 9, 20, 21])
    p = np.full(5, 0.5)
    own_session_hazard(p, rows, np.array([7, 20, 40]), 0.2)
    assert np.allclose(p, [0.1, 0.5, 0.1, 0.5, 0.1])


def test_without_equals_setdiff1d():
    rng = np.random.default_rng(6)
    for _ in range(50):
        rows = np.unique(rng.integers(0, 500, rng.integers(0, 100)))
        some = rows[rng.random(len(rows)) < 0.3]
        assert np.array_equal(_without(rows, some), np.setdiff1d(rows, some, assume_unique=True))


def test_join_weights_normalise_and_zero():
    assert join_weights(0.35, 0.28, 0.37) == pytest.approx((0.35, 0.28, 0.37))
    assert sum(join_weights(1.0, 1.0, 2.0)) == pytest.approx(1.0)
    assert join_weights(1.0, 1.0, 2.0)[2] == pytest.approx(0.5)
    assert join_weights(0.0, 0.0, 0.0) == (0.0, 0.0, 0.0)


def test_exposures_subset_by_mask_equals_boolean_selection():
    from sim.world.content import Exposures

    rng = np.random.default_rng(12)
    n = 500
    exp = Exposures(rng.integers(0, 900, n), rng.integers(0, 40, n),
                    rng.random(n).astype(np.float32), rng.integers(0, 6, n).astype(np.int8))
    mask = rng.random(n) < 0.3
    sub = exp.subset(mask)
    for name in ("consumer", "post", "trust", "channel"):
        col = getattr(exp, name)
        assert np.array_equal(getattr(sub, name), col[mask])
        assert getattr(sub, name).dtype == col.dtype
    idx = np.array([4, 2, 2, 499])  # indices select (and repeat) in the order given
    assert np.array_equal(exp.subset(idx).consumer, exp.consumer[idx])


def test_circle_draws_without_a_circle_layout_fail_loudly():
    pop, _, _, _ = _world()
    sampler = AttentionSampler(pop.attention, pop.activity)
    with pytest.raises(ValueError, match="circles"):
        sampler.draw_in_circles([0], [0], [3], np.random.default_rng(1))
