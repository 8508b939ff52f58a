"""The compiled organic delivery and sharing kernels return exactly what the plain numpy rules
return, drawing the same random numbers in the same order.

Each reference below is the vectorised numpy implementation the kernel replaced; both sides
get generators with the same seed, and results (values, dtypes, order, the generator's state
afterwards) must be identical. Small random inputs only: the module runs in a few seconds.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.engine import diffusion
from sim.world.content import KIND, SOCIAL_CURRENCY, Exposures, PostLog
from sim.world.graph import circle_graph
from sim.engine.organic import OrganicDelivery
from sim.world.platforms import Platform
from sim.world.population import build_population
from sim.config.scenario import (
    BehaviourSection,
    GraphSection,
    PlatformSection,
    PopulationSection,
)


# ------------------------------------------------------------------ numpy references
def expand_rows_ref(indptr, rows):
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(rows)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, starts[owner] + offsets


def share_to_ties_ref(graph, sharers, posts, prob, channel, rng, use_trust=True, guanxi=1.0):
    if len(sharers) == 0:
        return Exposures.empty()
    owner, pos = expand_rows_ref(graph.indptr, sharers)
    p = prob[owner]
    if use_trust:
        tie_trust = graph.trust[pos]
        p = p * tie_trust
        g = np.asarray(guanxi, dtype=np.float64)
        if g.ndim or g != 1.0:
            p = np.where(graph.strong[pos], p * (g[owner] if g.ndim else g), p)
    else:
        tie_trust = np.ones(len(pos), dtype=np.float32)
    hit = rng.random(len(pos)) < p
    return Exposures(
        consumer=graph.indices[pos[hit]].astype(np.int64),
        post=posts[owner[hit]],
        trust=tie_trust[hit].astype(np.float32),
        channel=np.full(int(hit.sum()), channel, dtype=np.int8),
    )


def sharing_probability_ref(sharers, posts_shared, posts, circle, saturation, beh, damping,
                            negative_saturation=None):
    kind = posts["kind"][posts_shared]
    r = posts["retailer"][posts_shared].astype(np.int64)
    negative = posts["negative"][posts_shared]
    sat = saturation[circle[sharers], r]
    if negative.any():
        neg_sat = (0.0 if negative_saturation is None
                   else negative_saturation[circle[sharers], r])
        sat = np.where(negative, neg_sat, sat)
    scarcity = (1.0 - sat) ** beh.gamma
    prob = beh.s0 * beh.social_currency * SOCIAL_CURRENCY[kind] * scarcity
    prob = np.where(negative, prob * beh.negativity_weight * damping[r], prob)
    return np.clip(prob, 0.0, 1.0)


def deliver_ref(creators, pop, rng, trust):
    """The concatenated numpy delivery (built afresh every call)."""
    sizes = np.array([len(c.followers) for c in creators], dtype=np.int64)
    offsets = np.zeros(len(creators) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    audience = np.concatenate([c.followers for c in creators]).astype(np.int64)
    terms = [c.platform.delivery_terms(c.followers, pop.activity, pop.attention) for c in creators]
    act = np.concatenate([t[0] for t in terms])
    share = np.concatenate([t[1] for t in terms])
    live = [(k, c, post) for k, c in enumerate(creators) for post, _ in c.live_posts]
    if not live:
        return Exposures.empty(), []
    seg = np.array([k for k, _, _ in live], dtype=np.int64)
    starts, lens = offsets[seg], offsets[seg + 1] - offsets[seg]
    total = int(lens.sum())
    idx = np.arange(total) - np.repeat(np.cumsum(lens) - lens - starts, lens)
    platforms = {c.platform.index: c.platform for _, c, _ in live}
    base_of = {i: pl.cfg.organic_reach * pl.reach_factor / pl.cfg.content_lifetime
               for i, pl in platforms.items()}
    plat = np.array([c.platform.index for _, c, _ in live], dtype=np.int64)
    base = np.array([base_of[i] for i in plat.tolist()], dtype=np.float32)
    p = np.clip(np.repeat(base, lens) * act[idx] * share[idx], 0.0, 1.0)
    hit = rng.random(total) < p
    hits_before = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(hit, out=hits_before[1:])
    ends = np.cumsum(lens)
    per_post = hits_before[ends] - hits_before[ends - lens]
    consumers = audience[idx[hit]]
    posts = np.repeat(np.array([post for _, _, post in live], dtype=np.int64), per_post)
    channels = np.repeat(np.array([c.channel for _, c, _ in live], dtype=np.int8), per_post)
    for i, n in enumerate(np.bincount(plat, weights=per_post).tolist()):
        if i in platforms:
            platforms[i].delivered_organic += int(n)
    bounds = np.concatenate([[0], np.cumsum(per_post)]).tolist()
    organic = [(c, post, consumers[bounds[j]:bounds[j + 1]]) for j, (_, c, post) in enumerate(live)]
    for c in {id(c): c for _, c, _ in live}.values():
        c.live_posts = [(post, days - 1) for post, days in c.live_posts if days > 1]
    return Exposures(consumers, posts, np.full(len(consumers), trust, np.float32),
                     channels), organic


def same_exposures(a: Exposures, b: Exposures) -> bool:
    return all(np.array_equal(x, y) and x.dtype == y.dtype
               for x, y in zip((a.consumer, a.post, a.trust, a.channel),
                               (b.consumer, b.post, b.trust, b.channel)))


# ------------------------------------------------------------------ CSR rows and ties
@pytest.fixture(scope="module")
def graph():
    rng = np.random.default_rng(5)
    circle = rng.integers(0, 4, 3000).astype(np.int32)
    return circle_graph(circle, GraphSection(mean_degree=12, strong_share=0.3), rng)


def test_expand_rows_equals_numpy(graph):
    rng = np.random.default_rng(1)
    for rows in (rng.integers(0, graph.n, 400), np.array([5, 5, 0, graph.n - 1]),
                 np.empty(0, np.int64), rng.integers(0, graph.n, 50).astype(np.int32)):
        owner, pos = diffusion.expand_rows(graph.indptr, rows)
        ref_owner, ref_pos = expand_rows_ref(graph.indptr, rows)
        assert np.array_equal(owner, ref_owner) and np.array_equal(pos, ref_pos)
        assert owner.dtype == np.int64 and pos.dtype == np.int64


@pytest.mark.parametrize("prob_dtype", [np.float64, np.float32])
def test_share_to_ties_equals_numpy(graph, prob_dtype):
    rng = np.random.default_rng(2)
    for trial in range(6):
        k = int(rng.integers(0, 300))
        sharers = rng.integers(0, graph.n, k)
        posts = rng.integers(0, 1000, k).astype(np.int64)
        prob = rng.random(k).astype(prob_dtype)
        for use_trust, guanxi in ((True, 1.0), (True, 1.7), (True, 1.0 + rng.random(k)),
                                  (False, 1.0), (False, 2.0)):
            r_fast, r_ref = np.random.default_rng(trial), np.random.default_rng(trial)
            a = diffusion.share_to_ties(graph, sharers, posts, prob, 3, r_fast, use_trust, guanxi)
            b = share_to_ties_ref(graph, sharers, posts, prob, 3, r_ref, use_trust, guanxi)
            assert same_exposures(a, b)
            assert r_fast.random() == r_ref.random()  # the same numbers were consumed


# ------------------------------------------------------------------ sharing probability
def _post_log(rng, n_posts: int, n_retailers: int) -> PostLog:
    log = PostLog()
    log.add(retailer=rng.integers(0, n_retailers, n_posts), platform=0, channel=0,
            kind=rng.integers(0, len(KIND), n_posts), circle=-1, credibility=0.5, b0=-3.0,
            negative=rng.random(n_posts) < 0.3, author=-1, day=1)
    return log


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0])
def test_sharing_probability_equals_numpy(gamma):
    rng = np.random.default_rng(int(gamma * 10))
    n, circles, n_ret = 500, 5, 3
    log = _post_log(rng, 200, n_ret)
    circle = rng.integers(0, circles, n).astype(np.int32)
    sat, neg_sat = rng.random((circles, n_ret)), rng.random((circles, n_ret)) * 0.5
    sat[0, 0] = 1.0  # fully saturated circle
    damping = rng.random(n_ret)
    beh = BehaviourSection(gamma=gamma, s0=0.3, social_currency=1.3, negativity_weight=2.0)
    sharers, shared = rng.integers(0, n, 400), rng.integers(0, len(log), 400)
    for neg in (None, neg_sat):
        a = diffusion.sharing_probability(sharers, shared, log, circle, sat, beh, damping, neg)
        b = sharing_probability_ref(sharers, shared, log, circle, sat, beh, damping, neg)
        # the compiled power differs from numpy's in the last bits for non-integer gamma
        assert a.dtype == b.dtype and np.allclose(a, b, rtol=1e-12, atol=0)
    positive = np.flatnonzero(~log["negative"][shared])  # no negative post among them
    a = diffusion.sharing_probability(sharers[positive], shared[positive], log, circle, sat, beh,
                                      damping)
    b = sharing_probability_ref(sharers[positive], shared[positive], log, circle, sat, beh,
                                damping)
    assert np.allclose(a, b, rtol=1e-12, atol=0)
    assert len(diffusion.sharing_probability(sharers[:0], shared[:0], log, circle, sat, beh,
                                             damping)) == 0


def test_sharing_probability_is_clipped_to_one():
    rng = np.random.default_rng(3)
    log = _post_log(rng, 50, 2)
    circle = np.zeros(10, np.int32)
    beh = BehaviourSection(s0=1.0, social_currency=5.0, negativity_weight=3.0)
    args = (np.arange(10), np.arange(10), log, circle, np.zeros((1, 2)), beh, np.ones(2))
    assert np.array_equal(diffusion.sharing_probability(*args), sharing_probability_ref(*args))
    assert diffusion.sharing_probability(*args).max() == 1.0


# ------------------------------------------------------------------ organic delivery
def _creators(rng, pop, platforms, k: int):
    """Stand-ins for creators: followers, platform, channel and live posts (post id, days)."""
    out = []
    for i in range(k):
        followers = np.sort(rng.choice(pop.n, int(rng.integers(0, 300)), replace=False))
        live = [(int(p), int(rng.integers(1, 4))) for p in rng.integers(0, 999, rng.integers(0, 4))]
        out.append(SimpleNamespace(followers=followers, platform=platforms[i % len(platforms)],
                                   channel=i % 3, live_posts=live))
    return out


def _copy(creators, platforms):
    """The same creators on copies of the platforms (so delivery counters are separate)."""
    twins = {id(p): Platform(p.index, p.name, p.cfg, reach_factor=p.reach_factor)
             for p in platforms}
    return [SimpleNamespace(followers=c.followers, platform=twins[id(c.platform)],
                            channel=c.channel, live_posts=list(c.live_posts)) for c in creators]


def test_organic_delivery_equals_numpy_over_days():
    rng = np.random.default_rng(4)
    pop = build_population(PopulationSection(), 3000, 3, np.array([1.0, 2.0, 1.0]), 1, rng)
    platforms = [Platform(0, "feed", PlatformSection(organic_reach=0.6)),
                 Platform(2, "video", PlatformSection(organic_reach=0.9, content_lifetime=2),
                          reach_factor=0.58)]
    fast_cs = _creators(rng, pop, platforms, 12)
    ref_cs = _copy(fast_cs, platforms)
    fast = OrganicDelivery(fast_cs, pop)
    r_fast, r_ref = np.random.default_rng(9), np.random.default_rng(9)
    for day in range(6):
        if day == 2:  # a creator gains followers, another moves platform
            for cs in (fast_cs, ref_cs):
                cs[1].followers = np.arange(0, 3000, 7)
            fast_cs[2].platform = fast_cs[3].platform
            ref_cs[2].platform = ref_cs[3].platform
        if day == 4:  # new posts
            for cs in (fast_cs, ref_cs):
                cs[5].live_posts.append((1000 + day, 2))
        exp_a, org_a = fast.deliver(r_fast, 0.7)
        exp_b, org_b = deliver_ref(ref_cs, pop, r_ref, 0.7)
        assert same_exposures(exp_a, exp_b)
        assert len(org_a) == len(org_b)
        position = {id(c): k for cs in (fast_cs, ref_cs) for k, c in enumerate(cs)}
        for (ca, pa, ra), (cb, pb, rb) in zip(org_a, org_b):
            assert position[id(ca)] == position[id(cb)] and pa == pb
            assert np.array_equal(ra, rb)
        assert [c.live_posts for c in fast_cs] == [c.live_posts for c in ref_cs]
        assert (sorted({(p.index, p.delivered_organic) for p in (c.platform for c in fast_cs)})
                == sorted({(p.index, p.delivered_organic) for p in (c.platform for c in ref_cs)}))
        assert r_fast.random() == r_ref.random()
    assert fast.deliver(r_fast, 0.7)[1] == []  # every post has expired


def test_organic_delivery_told_the_publishers_equals_looking_at_everyone():
    """Given the creators who published since the last delivery (as the model passes them),
    delivery looks only at them and at the creators still live, with the same results."""
    rng = np.random.default_rng(14)
    pop = build_population(PopulationSection(), 2000, 3, np.array([1.0, 2.0, 1.0]), 1, rng)
    platforms = [Platform(0, "feed", PlatformSection(organic_reach=0.6)),
                 Platform(1, "notes", PlatformSection(organic_reach=0.4, content_lifetime=3))]
    told_cs = _creators(rng, pop, platforms, 15)
    all_cs = _copy(told_cs, platforms)
    told, every = OrganicDelivery(told_cs, pop), OrganicDelivery(all_cs, pop)
    r_told, r_all = np.random.default_rng(3), np.random.default_rng(3)
    first = [c for c in told_cs if c.live_posts]  # posts live before the first delivery
    for day in range(8):
        published = first if day == 0 else []
        if day in (1, 2, 5):  # new posts from a few creators, some already live
            for k in ((3, 7, 11) if day != 5 else (0, 3, 14)):
                for cs in (told_cs, all_cs):
                    cs[k].live_posts.append((2000 + 10 * day + k, 1 + k % 3))
                published.append(told_cs[k])
        exp_a, org_a = told.deliver(r_told, 0.7, published[::-1])  # any order, repeats
        exp_b, org_b = every.deliver(r_all, 0.7)
        assert same_exposures(exp_a, exp_b)
        position = {id(c): k for cs in (told_cs, all_cs) for k, c in enumerate(cs)}
        assert ([(position[id(c)], p) for c, p, _ in org_a]
                == [(position[id(c)], p) for c, p, _ in org_b])
        assert [c.live_posts for c in told_cs] == [c.live_posts for c in all_cs]
        assert r_told.random() == r_all.random()


def test_organic_delivery_without_live_posts_draws_nothing():
    rng = np.random.default_rng(6)
    pop = build_population(PopulationSection(), 500, 2, np.array([1.0, 1.0]), 1, rng)
    cs = _creators(rng, pop, [Platform(0, "feed", PlatformSection())], 3)
    for c in cs:
        c.live_posts = []
    r = np.random.default_rng(1)
    exp, organic = OrganicDelivery(cs, pop).deliver(r, 0.7)
    assert len(exp) == 0 and organic == []
    assert r.random() == np.random.default_rng(1).random()
    assert len(OrganicDelivery([], pop).deliver(r, 0.7)[0]) == 0
