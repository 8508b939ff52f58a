"""Compiled per-post reach rules (sim/kernels/reach.py) equal the Python rules post by post;
the column form of the live posts (organic.LivePosts) gives discovery and the traffic pool the
same exposures and the same random stream as the per-post list form they replaced."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.config.world_schema import PlatformSection
from sim.engine.discovery import discovery_count
from sim.engine.organic import LivePosts
from sim.kernels.reach import amplified_counts, discovery_counts, post_circles, views_per_post
from sim.world.content import Exposures
from sim.world.platforms import Platform


def _platforms():
    return [Platform(0, "feed", PlatformSection(amplification_factor=2.0,
                                                amplification_threshold=0.05)),
            Platform(1, "notes", PlatformSection(discovery_reach=4.0)),
            Platform(2, "video", PlatformSection(discovery_reach=0.35, amplification_factor=1.5,
                                                 amplification_threshold=0.2),
                     reach_factor=0.58)]


def test_discovery_counts_equal_the_rule_post_by_post():
    rng = np.random.default_rng(1)
    reach = np.array([0.0, 4.0, 0.35, 1.25])
    platform = rng.integers(0, 4, 400)
    delivered = rng.integers(0, 60, 400)
    delivered[:5] = [0, 2, 6, 10, 14]  # 0.35 × even numbers hit .5 exactly: half to even
    platform[:5] = 2
    got = discovery_counts(reach, platform, delivered)
    want = [discovery_count(float(reach[p]), int(d)) for p, d in zip(platform, delivered)]
    assert got.dtype == np.int64 and got.tolist() == want


def test_amplified_counts_equal_the_platform_rule_post_by_post():
    rng = np.random.default_rng(2)
    platforms = _platforms()
    platform = rng.integers(0, 3, 500)
    delivered = rng.integers(0, 40, 500)
    engaged = np.minimum(delivered, rng.integers(0, 8, 500))
    factor = np.array([p.cfg.amplification_factor for p in platforms])
    threshold = np.array([p.cfg.amplification_threshold for p in platforms])
    reach_factor = np.array([p.reach_factor for p in platforms])
    got = amplified_counts(factor, threshold, reach_factor, platform, delivered, engaged)
    want = [platforms[p].amplified_count(int(d), int(h))
            for p, d, h in zip(platform, delivered, engaged)]
    assert got.tolist() == want
    assert 0 < np.count_nonzero(got) < len(got)  # both branches taken


def test_views_per_post_equal_bincounts():
    rng = np.random.default_rng(3)
    for _ in range(20):
        exp_post = rng.integers(0, 300, rng.integers(0, 900))
        engaged = rng.random(len(exp_post)) < 0.2
        posts = rng.choice(320, rng.integers(0, 40), replace=False)  # some never shown
        delivered, hits = views_per_post(exp_post, engaged, posts)
        assert np.array_equal(delivered, np.bincount(exp_post, minlength=320)[posts])
        assert np.array_equal(hits, np.bincount(exp_post[engaged], minlength=320)[posts])


def test_post_circles_take_the_tag_or_the_creators_home():
    column = np.array([3, -1, 0, -1, 7], dtype=np.int32)
    posts = np.array([4, 1, 3, 0])
    creator = np.array([0, 2, 1, 2])
    home = np.array([5, 6, 9])
    assert post_circles(column, posts, creator, home).tolist() == [7, 9, 6, 3]


# --------------------------------------------------------------- the list form it replaced

def _old_circle_impressions(ctx, wanted):
    """The per-post form: lists built post by post, one sampler call."""
    if not wanted:
        return Exposures.empty()
    circles = ctx.posts["circle"]
    in_circle, platforms, counts, posts, channels = [], [], [], [], []
    for inf, post, count in wanted:
        circle = int(circles[post])
        in_circle.append(circle if circle >= 0 else inf.home_circle)
        platforms.append(inf.platform.index)
        counts.append(count)
        posts.append(post)
        channels.append(inf.channel)
    shown, sizes = ctx.world.sampler.draw_in_circles(in_circle, platforms, counts, ctx.rng)
    if len(shown) == 0:
        return Exposures.empty()
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    return Exposures(shown, np.repeat(np.array(posts, np.int64), sizes),
                     np.full(len(shown), trust, np.float32),
                     np.repeat(np.array(channels, np.int8), sizes))


def _old_discover(ctx, organic):
    wanted = [(inf, post, extra) for inf, post, reached in organic
              if (extra := discovery_count(inf.platform.cfg.discovery_reach, len(reached)))]
    return _old_circle_impressions(ctx, wanted)


def _old_amplify(ctx, exp, engaged, organic):
    if len(exp) == 0:
        return Exposures.empty()
    n_posts = len(ctx.posts["circle"])
    live = [post for _, post, _ in organic]
    delivered = np.bincount(exp.post, minlength=n_posts)[live].tolist()
    hits = np.bincount(exp.post[engaged], minlength=n_posts)[live].tolist()
    wanted = [(inf, post, extra) for (inf, post, _), d, h in zip(organic, delivered, hits)
              if (extra := inf.platform.amplified_count(d, h))]
    return _old_circle_impressions(ctx, wanted)


def _same(a: Exposures, b: Exposures) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) and
               getattr(a, f).dtype == getattr(b, f).dtype
               for f in ("consumer", "post", "trust", "channel"))


def _context(seed: int):
    """A small world: 2,000 consumers in 6 circles, 40 posts tagged or generic, a sampler."""
    from sim.kernels.incremental import AttentionSampler

    rng = np.random.default_rng(seed)
    n, circles = 2000, 6
    circle = rng.integers(0, circles, n)
    attention = rng.random((n, 3))
    attention[circle == 4, 2] = 0.0  # nobody in circle 4 watches video: integer draws
    activity = rng.random(n)
    order = np.argsort(circle, kind="stable")
    starts = np.searchsorted(circle[order], np.arange(circles + 1))
    sampler = AttentionSampler(attention, activity, lambda: (order, starts))
    post_circle = rng.integers(-1, circles, 40).astype(np.int32)
    beh = SimpleNamespace(stranger_trust=0.4, follower_trust=0.7)
    return SimpleNamespace(posts={"circle": post_circle}, world=SimpleNamespace(sampler=sampler),
                           rng=np.random.default_rng(seed + 100), beh=beh), n


def _organic(rng, n, platforms, homes=(0, 1, 2, 3, 4, 5)):
    creators = [SimpleNamespace(platform=platforms[k % 3], channel=k % 4,
                                home_circle=homes[k % len(homes)]) for k in range(9)]
    organic = []
    for post in rng.choice(40, 25, replace=False).tolist():
        reached = np.unique(rng.integers(0, n, rng.integers(0, 30)))
        organic.append((creators[rng.integers(0, 9)], post, reached))
    return organic


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_discover_and_amplify_on_columns_equal_the_list_form(seed):
    from sim.engine.amplification import amplify
    from sim.engine.discovery import discover

    platforms = _platforms()
    new, n = _context(seed)
    old, _ = _context(seed)
    rng = np.random.default_rng(seed)
    organic = _organic(rng, n, platforms, homes=(0, 1, 2, 3, 5) if seed % 2 else (4, 1))
    live = LivePosts.of(organic)
    assert [(c, p) for c, p, _ in live] == [(c, p) for c, p, _ in organic]
    assert all(np.array_equal(a, b) for (_, _, a), (_, _, b) in zip(live, organic))
    a, b = discover(new, live), _old_discover(old, organic)
    assert len(a) > 0 and _same(a, b)
    exp = Exposures(np.concatenate([r for _, _, r in organic]),
                    np.repeat([p for _, p, _ in organic], [len(r) for _, _, r in organic]),
                    np.ones(sum(len(r) for _, _, r in organic), np.float32),
                    np.zeros(sum(len(r) for _, _, r in organic), np.int8))
    engaged = rng.random(len(exp)) < 0.15
    a, b = amplify(new, exp, engaged, live), _old_amplify(old, exp, engaged, organic)
    assert len(a) > 0 and _same(a, b)
    assert new.rng.random() == old.rng.random()  # the stream moved by the same amount


def test_nothing_to_draw_leaves_the_stream_alone():
    from sim.engine.amplification import amplify
    from sim.engine.discovery import discover

    flat = [Platform(0, "feed", PlatformSection()), Platform(1, "notes", PlatformSection()),
            Platform(2, "video", PlatformSection())]
    ctx, n = _context(7)
    organic = _organic(np.random.default_rng(7), n, flat)
    before = ctx.rng.bit_generator.state
    assert len(discover(ctx, organic)) == 0 and len(discover(ctx, [])) == 0
    exp = Exposures(np.arange(5), np.array([organic[0][1]] * 5), np.ones(5, np.float32),
                    np.zeros(5, np.int8))
    assert len(amplify(ctx, exp, np.ones(5, bool), organic)) == 0
    assert ctx.rng.bit_generator.state == before


def test_guanxi_per_sharer_equals_guanxi_times_the_framing_factor():
    """sharing.queue_shares takes guanxi × boost where framed and guanxi elsewhere in one
    np.where: the same float64 values as guanxi × np.where(framed, boost, 1.0)."""
    rng = np.random.default_rng(5)
    framed = rng.random(300) < 0.4
    for guanxi, boost in [(1.0, 1.5), (0.83, 1.37), (1.2, 1.0), (0.1, 3.3)]:
        old = guanxi * np.where(framed, boost, 1.0)
        new = np.where(framed, guanxi * boost, guanxi)
        assert new.dtype == old.dtype and np.array_equal(new, old)


def test_cached_guided_draw_equals_draw_weighted_and_moves_the_stream_alike():
    from sim.kernels.incremental import AttentionSampler, draw_weighted
    from sim.kernels.csr import guide_table

    rng = np.random.default_rng(9)
    attention, activity = rng.random((3000, 2)), rng.random(3000)
    activity[::7] = 0.0  # zero weights: runs of equal running sums
    sampler = AttentionSampler(attention, activity)
    pool, cum = sampler.pool("everyone", 1, lambda: np.arange(3000, dtype=np.int32))
    for count in (64, 378, 5000):
        a, b = np.random.default_rng(count), np.random.default_rng(count)
        got = sampler.draw(pool, cum, count, a)
        want = draw_weighted(pool, cum, count, b, guide_table(cum))
        assert got.dtype == np.int64 and np.array_equal(got, want)
        assert a.random() == b.random()
