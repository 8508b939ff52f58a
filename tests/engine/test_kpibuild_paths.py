"""Faster paths of the KPI snapshot and of building a model equal their reference paths
(kept here as reference implementations) on the same draws, generator state included."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.creators import real_followers, tier_real_followers


def _reference_real_followers(followers, shares, rng):
    """The per-creator loop tier_real_followers replaces."""
    return [real_followers(f, float(s), rng) for f, s in zip(followers, shares)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tier_real_followers_equals_per_creator_draws(seed):
    gen = np.random.default_rng(seed)
    followers = [np.sort(gen.choice(5000, size=k, replace=False)).astype(np.int64)
                 for k in gen.integers(0, 300, size=60)]
    shares = gen.uniform(0.2, 1.3, size=60)  # some ≥ 1: those creators draw nothing
    shares[::7] = 1.0
    a, b = np.random.default_rng(99), np.random.default_rng(99)
    want = _reference_real_followers(followers, shares, a)
    got = tier_real_followers(followers, shares, b)
    assert len(got) == len(want)
    for g, w, f, s in zip(got, want, followers, shares):
        assert g.dtype == w.dtype and np.array_equal(g, w)
        if s >= 1.0:
            assert g is f
    assert a.bit_generator.state == b.bit_generator.state


def test_tier_real_followers_without_draws_and_bad_input():
    f = [np.arange(5), np.arange(3)]
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    out = tier_real_followers(f, np.ones(2), rng)
    assert out[0] is f[0] and out[1] is f[1] and rng.bit_generator.state == state
    assert tier_real_followers([], np.zeros(0), rng) == []
    with pytest.raises(ValueError):
        tier_real_followers(f, np.ones(3), rng)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_pick_pairs_small_kernel_equals_blocked_kernel(seed):
    """The one-pair-at-a-time kernel (small populations) picks the blocked kernel's pairs,
    empty circles and zero weights included."""
    from sim.kernels.csr import guide_table, pick_pairs

    gen = np.random.default_rng(seed)
    n, k = 3000, 12
    circle = gen.integers(0, k, n)
    circle[circle == 5] = 6  # an empty circle
    weight = (1.0 - gen.random(n)) ** -1.5
    weight[gen.random(n) < 0.05] = 0.0
    order = np.argsort(circle, kind="stable")
    cum = np.cumsum(weight[order])
    starts = np.searchsorted(circle[order], np.arange(k + 1))
    m = 20_000
    inside, r1, r2 = gen.random(m) < 0.7, gen.random(m), gen.random(m)
    r1[:3] = [0.0, 1.0 - 1e-16, 0.5]
    small = pick_pairs(cum, starts, order, inside, r1, r2, guide_table(cum))
    blocked = pick_pairs(cum, starts, order, inside, r1, r2, guide_table(cum), threads=1)
    assert np.array_equal(small[0], blocked[0]) and np.array_equal(small[1], blocked[1])
