"""The compiled draws of ``sim.kernels.sampling`` give numpy's numbers and leave the generator
in numpy's state (so every later draw of the stream is unchanged too)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.sampling import choice_without_replacement, creator_followers, integers_below
from sim.world.builder import numpy_seat


def _pair(seed: int, odd_buffer: bool):
    """Two generators in the same state; with ``odd_buffer`` PCG64 holds a buffered half word."""
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    if odd_buffer:
        for g in (a, b):
            g.choice(7, size=1, replace=False)  # one 32-bit draw: half a word stays buffered
    assert a.bit_generator.state == b.bit_generator.state
    return a, b


@pytest.mark.parametrize("pop,size", [(1, 0), (1, 1), (5, 5), (40, 3), (1000, 999),
                                      (10_000, 9_000), (10_001, 200), (10_001, 201),
                                      (30_000, 5_000), (2**16 + 3, 17)])
@pytest.mark.parametrize("odd", [False, True])
def test_choice_without_replacement_equals_numpy(pop, size, odd):
    a, b = _pair(pop * 7 + size, odd)
    expected = a.choice(pop, size=size, replace=False)
    got = choice_without_replacement(b, pop, size)
    assert np.array_equal(got, expected)
    assert a.bit_generator.state == b.bit_generator.state
    assert a.random() == b.random()


@pytest.mark.parametrize("n,size", [(1, 4), (2, 33), (10_000, 500), (2**31 + 5, 40)])
@pytest.mark.parametrize("odd", [False, True])
def test_integers_below_equals_numpy(n, size, odd):
    a, b = _pair(n + size, odd)
    expected = a.integers(0, n, size=size)
    got = integers_below(b, n, size)
    assert np.array_equal(got, expected)
    assert a.bit_generator.state == b.bit_generator.state


def _numpy_creators(rng, cdf, order, starts, n, ks, wants):
    """The per-creator numpy draws the kernel replaces (sim.world.builder.numpy_seat)."""
    seats = [numpy_seat(rng, cdf, order, starts, n, k, want) for k, want in zip(ks, wants)]
    return [home for home, _ in seats], [followers for _, followers in seats]


@pytest.mark.parametrize("n,circles,k,focus", [(2000, 7, 300, 0.7), (500, 3, 500, 1.0),
                                               (30_000, 2, 2000, 0.9), (50, 10, 1, 0.0)])
@pytest.mark.parametrize("spread", [False, True])
def test_creator_followers_equals_per_creator_draws(n, circles, k, focus, spread):
    g = np.random.default_rng(n)
    circle = np.sort(g.integers(0, circles, n))
    circle[-1] = circles - 1
    order = g.permutation(n)
    starts = np.searchsorted(circle, np.arange(circles + 1))
    sizes = np.diff(starts).astype(float)
    cdf = (sizes / sizes.sum()).cumsum()
    cdf /= cdf[-1]
    # equal counts, or counts spread over 1..n (power-law follower counts)
    ks = g.integers(1, n + 1, 25) if spread else np.full(25, k)
    wants = np.array([int(round(x * focus)) for x in ks])
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    homes, followers = _numpy_creators(a, cdf, order, starts, n, ks.tolist(), wants.tolist())
    got_homes, flat, offsets = creator_followers(b, cdf, order, starts, n, ks.astype(np.int64),
                                                 wants.astype(np.int64))
    assert got_homes.tolist() == homes
    for c, f in enumerate(followers):
        assert np.array_equal(flat[offsets[c]:offsets[c + 1]], f)
    assert a.bit_generator.state == b.bit_generator.state
