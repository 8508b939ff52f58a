"""The fused reach paths equal the step-by-step forms they replaced, on the same draws.

Each reference below is the earlier implementation (kept here, not in the package): the
circle impressions of discovery and the traffic pool drawn post by post from the sampler's
pools, word-of-mouth shares as sharing probability → guanxi per sharer → ``share_to_ties``,
the ad and organic exposure columns from ``np.full``. Both sides get generators with the same
seed; the exposures (values, dtypes, order) and the generator's state afterwards must be
identical.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.config.scenario import BehaviourSection, GraphSection, PlatformSection
from sim.engine import diffusion
from sim.engine.circle_reach import circle_impressions
from sim.engine.organic import LivePosts
from sim.kernels.incremental import AttentionSampler
from sim.kernels.reach import amplified_counts, boosted_counts, views_per_post
from sim.world.content import KIND, Exposures, PostLog
from sim.world.graph import circle_graph
from sim.world.platforms import Platform


def _same(a: Exposures, b: Exposures) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) and
               getattr(a, f).dtype == getattr(b, f).dtype
               for f in ("consumer", "post", "trust", "channel"))


# ------------------------------------------------------------------ circle impressions

def circle_impressions_ref(ctx, live, counts):
    """Post by post: each post's circle (its tag, else its creator's home), one sampler draw
    from the pool of that circle's members on the post's platform, then the post, trust and
    channel columns by np.repeat / np.full."""
    if not counts.any():
        return Exposures.empty()
    sampler, (order, starts) = ctx.world.sampler, ctx.layout
    tags = ctx.posts["circle"]
    shown, sizes = [], []
    for k in range(len(live)):
        creator = live.creators[live.creator[k]]
        c = int(tags[live.post[k]])
        c = c if c >= 0 else creator.home_circle
        p = int(live.platform[k])
        members = order[starts[c]:starts[c + 1]]
        n = int(counts[k]) if counts[k] > 0 and len(members) else 0
        if n:
            pool, cum = sampler.pool(("ref", c), p, lambda: members)
            shown.append(sampler.draw(pool, cum, n, ctx.rng))
        sizes.append(n)
    if not shown:
        return Exposures.empty()
    shown = np.concatenate(shown)
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    return Exposures(shown, np.repeat(live.post, sizes), np.full(len(shown), trust, np.float32),
                     np.repeat(live.channel, sizes))


def _world(seed: int):
    """2,000 consumers in 7 circles (circle 6 empty; nobody in circle 4 watches platform 2:
    its draws are integers), 60 posts tagged or generic."""
    rng = np.random.default_rng(seed)
    n, circles = 2000, 7
    circle = rng.integers(0, circles - 1, n)
    attention = rng.random((n, 3)).astype(np.float32)
    attention[circle == 4, 2] = 0.0
    activity = rng.random(n).astype(np.float32)
    order = np.argsort(circle, kind="stable")
    starts = np.searchsorted(circle[order], np.arange(circles + 1))
    post_circle = rng.integers(-1, circles, 60).astype(np.int32)
    return attention, activity, order, starts, post_circle


def _ctx(world, seed):
    attention, activity, order, starts, post_circle = world
    sampler = AttentionSampler(attention, activity, lambda: (order, starts))
    return SimpleNamespace(posts={"circle": post_circle}, world=SimpleNamespace(sampler=sampler),
                           rng=np.random.default_rng(seed), layout=(order, starts),
                           beh=SimpleNamespace(stranger_trust=0.4, follower_trust=0.7))


def _live(rng, homes):
    platforms = [Platform(i, f"p{i}", PlatformSection()) for i in range(3)]
    creators = [SimpleNamespace(platform=platforms[k % 3], channel=k % 4,
                                home_circle=homes[k % len(homes)]) for k in range(9)]
    organic = [(creators[rng.integers(0, 9)], post, np.arange(3))
               for post in rng.choice(60, 30, replace=False).tolist()]
    return LivePosts.of(organic)


@pytest.mark.parametrize("seed", range(6))
def test_circle_impressions_equal_post_by_post_draws(seed):
    world = _world(seed)
    rng = np.random.default_rng(seed)
    # odd seeds: no post in the weightless circle (one draw for all); even: some (pool by pool)
    homes = (0, 1, 2, 3, 5, 6) if seed % 2 else (4, 1, 6)
    new, old = _ctx(world, seed + 50), _ctx(world, seed + 50)
    for day in range(4):  # the first day builds the platforms' tables, the later reuse them
        live = _live(rng, homes)
        counts = rng.integers(0, 30, len(live))
        counts[rng.random(len(live)) < 0.3] = 0
        if day == 2:
            counts[:] = 0  # nothing to draw: no draw
        a, b = circle_impressions(new, live, counts), circle_impressions_ref(old, live, counts)
        assert _same(a, b)
        assert new.rng.bit_generator.state == old.rng.bit_generator.state
        if day != 2:
            assert len(a) > 0


def test_circle_impressions_of_empty_circles_only_draw_nothing():
    world = _world(3)
    ctx = _ctx(world, 1)
    live = _live(np.random.default_rng(2), (6,))  # every creator's home circle is empty
    world[4][:] = -1  # every post generic
    before = ctx.rng.bit_generator.state
    assert len(circle_impressions(ctx, live, np.full(len(live), 5, np.int64))) == 0
    assert ctx.rng.bit_generator.state == before


def test_stacked_tables_are_the_per_platform_tables():
    attention, activity, order, starts, _ = _world(4)
    sampler = AttentionSampler(attention, activity, lambda: (order, starts))
    for p in (2, 0):
        _, _, cum = sampler.circle_sums(p)
        for c in range(len(starts) - 1):
            members = order[starts[c]:starts[c + 1]]
            want = np.cumsum(attention[members, p] * activity[members], dtype=np.float64)
            assert np.array_equal(cum[starts[c]:starts[c + 1]], want)
    built = sampler.circle_stack()[2]
    assert built.tolist() == [True, False, True]


def test_boosted_counts_are_amplified_counts_of_views_per_post():
    rng = np.random.default_rng(8)
    factor, threshold, reach_factor = (np.array([2.0, 0.0, 1.5]), np.array([0.05, 0.0, 0.2]),
                                       np.array([1.0, 1.0, 0.58]))
    for _ in range(10):
        exp_post = rng.integers(0, 200, rng.integers(0, 900))
        engaged = rng.random(len(exp_post)) < 0.2
        posts = rng.choice(220, 40, replace=False)
        platform = rng.integers(0, 3, 40)
        d, h = views_per_post(exp_post, engaged, posts)
        want = amplified_counts(factor, threshold, reach_factor, platform, d, h)
        got = boosted_counts(factor, threshold, reach_factor, platform, exp_post, engaged, posts)
        assert got.dtype == want.dtype and np.array_equal(got, want)


# ------------------------------------------------------------------ word of mouth

def queue_shares_ref(graph, sharers, shared, log, circle, sat, beh, damping, neg, channel, rng):
    """The three steps: probability per sharer, guanxi × boost where framed, share_to_ties."""
    prob = diffusion.sharing_probability(sharers, shared, log, circle, sat, beh, damping, neg)
    guanxi = np.where(log["framed"][shared], beh.guanxi * beh.guanxi_boost, beh.guanxi)
    return diffusion.share_to_ties(graph, sharers, shared, prob, channel, rng, use_trust=True,
                                   guanxi=guanxi)


@pytest.mark.parametrize("gamma", [1.0, 2.0, 0.7])
def test_share_exposures_equal_probability_guanxi_and_share_to_ties(gamma):
    rng = np.random.default_rng(int(gamma * 10))
    n, circles, n_ret, n_posts = 3000, 4, 3, 300
    circle = rng.integers(0, circles, n).astype(np.int32)
    graph = circle_graph(circle, GraphSection(mean_degree=12, strong_share=0.3), rng)
    log = PostLog()
    log.add(retailer=rng.integers(0, n_ret, n_posts), platform=0, channel=0,
            kind=rng.integers(0, len(KIND), n_posts), circle=-1, credibility=0.5, b0=-3.0,
            negative=rng.random(n_posts) < 0.3, author=-1, day=1,
            framed=rng.random(n_posts) < 0.4)
    sat, neg_sat = rng.random((circles, n_ret)), rng.random((circles, n_ret)) * 0.5
    damping = rng.random(n_ret)
    beh = BehaviourSection(gamma=gamma, s0=0.6, social_currency=1.3, negativity_weight=2.0,
                           guanxi=1.2, guanxi_boost=1.37)
    for trial in range(5):
        k = int(rng.integers(0, 200))
        sharers, shared = rng.integers(0, n, k), rng.integers(0, n_posts, k)
        for neg in (neg_sat, None):
            r_new, r_old = np.random.default_rng(trial), np.random.default_rng(trial)
            a = diffusion.share_exposures(graph, sharers, shared, log, circle, sat, beh,
                                          damping, neg, 5, r_new)
            b = queue_shares_ref(graph, sharers, shared, log, circle, sat, beh, damping, neg,
                                 5, r_old)
            assert _same(a, b)
            assert r_new.bit_generator.state == r_old.bit_generator.state
            if k > 20:
                assert len(a) > 0


# ------------------------------------------------------------------ exposure columns

def test_ad_columns_equal_np_full():
    from sim.engine.ads import _ad_columns

    for n, post, channel in ((0, 3, 1), (378, 12345, 7), (5, 2**40, 0)):
        posts, trust, codes = _ad_columns(n, post, channel)
        for got, want in ((posts, np.full(n, post)), (trust, np.ones(n, np.float32)),
                          (codes, np.full(n, channel, np.int8))):
            assert got.dtype == want.dtype and np.array_equal(got, want)


def test_organic_trust_column_is_np_full_float32():
    from sim.engine.organic import _deliver_pairs

    rng = np.random.default_rng(4)
    sizes = np.array([5, 0, 7])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    act, share = (rng.random(12).astype(np.float32) for _ in range(2))
    seg = np.array([0, 2, 2, 1])
    u = rng.random(int(sizes[seg].sum()))
    for trust in (0.7, 1.0 / 3.0):
        out = _deliver_pairs(offsets, seg, np.arange(4), np.zeros(3, np.int64),
                             np.zeros(3, np.int8), np.array([4.0], np.float32), act, share,
                             np.arange(12), u, trust)
        want = np.full(len(out[0]), trust, np.float32)
        assert len(out[0]) > 0 and out[2].dtype == want.dtype and np.array_equal(out[2], want)


# ------------------------------------------------------------------ social proof

def test_neighbour_share_refreshed_tie_by_tie_equals_the_full_recomputation():
    """Days with few changes divide only the changed counts again, days with many every
    count: both equal adjacency @ mask / degree (and the float64 division of the full pass)."""
    from sim.kernels.incremental import NeighbourShare

    rng = np.random.default_rng(11)
    circle = rng.integers(0, 5, 1500).astype(np.int32)
    graph = circle_graph(circle, GraphSection(mean_degree=10, strong_share=0.3), rng)
    adjacency = graph.adjacency()
    degree = np.maximum(graph.degree, 1)
    for n_cols in (1, 3):
        tracker = NeighbourShare(graph, n_cols)
        stage = np.zeros((graph.n, n_cols), dtype=np.int8)
        for day, flips in enumerate((3, 40, 1200, 5, 0, 900, 2)):  # few and many changes
            rows, cols = rng.integers(0, graph.n, flips), rng.integers(0, n_cols, flips)
            stage[rows, cols] = rng.integers(0, 4, flips)
            got = tracker.update(stage, 2)
            want = (adjacency @ (stage >= 2).astype(np.int32)) / degree[:, None]
            assert got.dtype == np.float64 and np.array_equal(got, want)


# ------------------------------------------------------------------ guide tables

def test_pool_guide_is_the_binary_search_guide_table():
    from sim.kernels.csr import guide_table
    from sim.kernels.incremental import pool_guide

    rng = np.random.default_rng(12)
    for n in (1, 2, 7, 1000, 30_000):
        w = rng.random(n).astype(np.float32) * rng.random(n).astype(np.float32)
        w[rng.random(n) < 0.2] = 0.0  # runs of equal running sums
        w[-1] = max(w[-1], np.float32(0.5))
        for cum in (np.cumsum(w, dtype=np.float64), np.cumsum(np.ones(n), dtype=np.float64)):
            (g, s), (want, want_scale) = pool_guide(cum), guide_table(cum)
            assert s == want_scale and g.dtype == want.dtype and np.array_equal(g, want)
