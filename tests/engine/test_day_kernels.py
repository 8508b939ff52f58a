"""Compiled passes of the daily step equal the numpy forms they replaced, bit for bit: the
brand-memory update (:mod:`sim.engine.awareness`) and the engagement-kind draw
(:mod:`sim.engine.engagement_kinds`)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.awareness import _FAST_KINDS, _remember
from sim.engine.engagement_kinds import EngagementKinds, _book_engaged, mix_cdf
from sim.world.population import AWARE


def numpy_remember(memory, stage, consumer, retailer, kind, weight, threshold):
    """sim.engine.awareness.AwarenessMemory.remember before the kernel."""
    fast = (kind == _FAST_KINDS[0]) | (kind == _FAST_KINDS[1])
    w = np.where(fast, np.float32(weight), np.float32(1.0))
    np.add.at(memory, (consumer, retailer), w)
    crossed = (stage[consumer, retailer] < AWARE) & (memory[consumer, retailer] >= threshold)
    stage[consumer[crossed], retailer[crossed]] = AWARE


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("threshold", [1.0, 0.7, 2.3, 15.0])
def test_remember_equals_numpy(seed, threshold):
    g = np.random.default_rng(seed)
    n, r, posts = 40, 3, 30
    memory = (g.random((n, r)) * 3).astype(np.float32)
    stage = g.integers(0, 5, (n, r)).astype(np.int8)
    post_kind = g.integers(0, 8, posts).astype(np.int8)
    m = int(g.integers(0, 200))
    consumer, post, retailer = g.integers(0, n, m), g.integers(0, posts, m), g.integers(0, r, m)
    weight = float(g.random()) * 0.7
    mem2, stage2 = memory.copy(), stage.copy()
    numpy_remember(memory, stage, consumer, retailer, post_kind[post], weight, threshold)
    _remember(consumer, post, retailer, post_kind, _FAST_KINDS[0], _FAST_KINDS[1],
              np.float32(weight), np.float32(threshold), mem2, stage2, AWARE)
    assert memory.tobytes() == mem2.tobytes()
    assert np.array_equal(stage, stage2)


@pytest.mark.parametrize("seed", range(10))
def test_book_engaged_equals_book(seed):
    g = np.random.default_rng(seed)
    mixes = [{"like": 0.6, "comment": 0.2, "save": 0.1, "share": 0.1},
             {"like": 1.0}, {"save": 2.0, "share": 2.0}]
    posts, n_tiers = 50, 3
    post_platform = g.integers(0, 3, posts).astype(np.int8)
    author = g.integers(-1, 30, posts).astype(np.int64)
    creator_of_author = np.full(32, -1, np.int64)
    creator_of_author[10:20] = np.arange(10)
    m = int(g.integers(0, 300))
    post, channel = g.integers(0, posts, m), g.integers(0, 6, m).astype(np.int8)
    engaged = g.random(m) < 0.5
    a, b = EngagementKinds(mix_cdf(mixes), seed), EngagementKinds(mix_cdf(mixes), seed)
    a.set_creators(10)
    b.set_creators(10)
    if engaged.any():  # the numpy form: book() on the engaged views
        p, ch = post[engaged], channel[engaged]
        creator = np.full(len(p), -1, np.int64)
        ok = (author[p] >= 0) & (author[p] < len(creator_of_author)) & (ch < n_tiers)
        creator[ok] = creator_of_author[author[p][ok]]
        a.book(post_platform[p].astype(np.int64), creator)
    u = b.rng.random(int(engaged.sum()))
    _book_engaged(post, channel, engaged, u, post_platform, author, creator_of_author,
                  n_tiers, b.cdf, b.counts, b.by_platform, b.by_creator)
    for x, y in ((a.counts, b.counts), (a.by_platform, b.by_platform),
                 (a.by_creator, b.by_creator)):
        assert np.array_equal(x, y)
    assert a.rng.random() == b.rng.random()
