"""The funnel's compiled counting passes equal the numpy bookkeeping they replace
(``sim.engine.platform_funnel`` before the kernels): every counter, the viewed mask, the click
candidates, the last engaged creator, the last click day and the clicking consumers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.funnel import count_clicks, count_engagements, count_impressions_views, count_views

N, R, K, P, C, POSTS, N_TIERS = 300, 3, 7, 3, 12, 80, 4


def _world(seed):
    g = np.random.default_rng(seed)
    post_platform = g.integers(0, P, POSTS).astype(np.int8)
    # authors: creator unique ids 100..111, consumers (no creator), -1
    author = g.choice(np.r_[np.arange(100, 100 + C), np.arange(0, 50), [-1, 5000]], POSTS)
    creator_of_author = np.full(100 + C + 2, -1, np.int64)
    creator_of_author[100:100 + C] = np.arange(C)
    negative = g.random(POSTS) < 0.2
    m = int(g.integers(0, 400))
    post = g.integers(0, POSTS, m)
    channel = g.integers(0, K, m).astype(np.int8)
    consumer = g.integers(0, N, m)
    retailer = g.integers(0, R, m)
    engaged = g.random(m) < 0.4
    return g, post_platform, author.astype(np.int64), creator_of_author, negative, post, \
        channel, consumer, retailer, engaged


def _creator_of(creator_of_author, a, channel):
    out = np.full(len(a), -1, np.int64)
    ok = (a >= 0) & (a < len(creator_of_author)) & (channel < N_TIERS)
    out[ok] = creator_of_author[a[ok]]
    return out


def _add_creators(counts, col, creator):
    c = creator[creator >= 0]
    if len(c):
        counts[:, col] += np.bincount(c, minlength=len(counts))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("all_viewed", [False, True])
def test_impressions_and_views_equal_numpy(seed, all_viewed):
    g, post_platform, author, coa, _, post, channel, *_ = _world(seed)
    from_ties = np.array([False] * 4 + [True, True, False])
    rate = np.ones(P) if all_viewed else g.random(P)
    u = np.empty(0) if all_viewed else g.random(len(post))
    # numpy form
    imp, imp_on, views, views_on = (np.zeros(K, np.int64), np.zeros(P, np.int64),
                                    np.zeros(K, np.int64), np.zeros(P, np.int64))
    cc = np.zeros((C, 5), np.int64)
    platform = post_platform[post].astype(np.int64)
    creator = _creator_of(coa, author[post], channel)
    imp += np.bincount(channel, minlength=K)[:K]
    imp_on += np.bincount(platform, minlength=P)[:P]
    _add_creators(cc, 0, creator)
    viewed = (np.ones(len(post), bool) if all_viewed
              else (u < rate[platform]) | from_ties[channel])
    views += np.bincount(channel[viewed], minlength=K)[:K]
    views_on += np.bincount(platform[viewed], minlength=P)[:P]
    _add_creators(cc, 1, creator[viewed])
    # kernel
    got = [np.zeros(K, np.int64), np.zeros(P, np.int64), np.zeros(K, np.int64),
           np.zeros(P, np.int64), np.zeros((C, 5), np.int64)]
    mask, n = count_impressions_views(post, channel, post_platform, author, coa, N_TIERS, u,
                                      rate, from_ties, *got)
    assert np.array_equal(mask, viewed) and n == viewed.sum()
    for a, b in zip(got, (imp, imp_on, views, views_on, cc)):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rates", ["some", "all", "none"])
def test_count_views_returns_the_viewed_subset(seed, rates):
    """count_views counts as count_impressions_views and returns the viewed entries (the
    mask's subset, in order and dtypes); empty arrays when every entry is viewed."""
    g, post_platform, author, coa, _, post, channel, consumer, *_ = _world(seed)
    trust = g.random(len(post)).astype(np.float32)
    from_ties = np.zeros(K, bool) if rates == "none" else np.array([False] * 4 + [True] * 3)
    rate = {"some": g.random(P), "all": np.ones(P), "none": np.zeros(P)}[rates]
    u = np.empty(0) if rates == "all" else g.random(len(post))
    want = [np.zeros(K, np.int64), np.zeros(P, np.int64), np.zeros(K, np.int64),
            np.zeros(P, np.int64), np.zeros((C, 5), np.int64)]
    mask, n = count_impressions_views(post, channel, post_platform, author, coa, N_TIERS, u,
                                      rate, from_ties, *want)
    got = [np.zeros_like(a) for a in want]
    n_viewed, c, p, t, ch = count_views(consumer, post, trust, channel, post_platform, author,
                                        coa, N_TIERS, u, rate, from_ties, *got)
    assert n_viewed == n
    for a, b in zip(got, want):
        assert np.array_equal(a, b)
    if n == len(post):
        assert len(c) == len(p) == len(t) == len(ch) == 0
    else:
        for x, full in ((c, consumer), (p, post), (t, trust), (ch, channel)):
            assert x.dtype == full.dtype and np.array_equal(x, full[mask])


@pytest.mark.parametrize("seed", range(12))
def test_engagements_and_clicks_equal_numpy(seed):
    g, post_platform, author, coa, negative, post, channel, consumer, retailer, eng = \
        _world(seed)
    rate = g.random(P) * (seed % 3 > 0)
    day = 9
    # numpy form
    engs, clicks, clicks_on = np.zeros(K, np.int64), np.zeros(K, np.int64), np.zeros(P, np.int64)
    cc = np.zeros((C, 5), np.int64)
    last_creator = np.full((N, R), -1, np.int32)
    last_day = np.full((N, R), -10**6, np.int32)
    engs += np.bincount(channel[eng], minlength=K)[:K]
    creator = _creator_of(coa, author[post], channel)
    _add_creators(cc, 2, creator[eng])
    positive = eng & ~negative[post]
    idx = np.flatnonzero(positive & (creator >= 0))
    last_creator[consumer[idx], retailer[idx]] = creator[idx]
    cand = np.flatnonzero(positive)
    u = g.random(len(cand))
    platform = post_platform[post[cand]].astype(np.int64)
    hit = cand[u < rate[platform]]
    clicks += np.bincount(channel[hit], minlength=K)[:K]
    clicks_on += np.bincount(post_platform[post[hit]].astype(np.int64), minlength=P)[:P]
    _add_creators(cc, 3, creator[hit])
    last_day[consumer[hit], retailer[hit]] = day
    # kernels
    g_engs, g_clicks, g_on = np.zeros(K, np.int64), np.zeros(K, np.int64), np.zeros(P, np.int64)
    g_cc = np.zeros((C, 5), np.int64)
    g_last = np.full((N, R), -1, np.int32)
    g_day = np.full((N, R), -10**6, np.int32)
    got_cand = count_engagements(post, channel, consumer, retailer, eng, negative, author, coa,
                                 N_TIERS, g_engs, g_cc, g_last)
    assert np.array_equal(got_cand, cand)
    got_hit = count_clicks(got_cand, u, rate, post, channel, consumer, retailer, post_platform,
                           author, coa, N_TIERS, day, g_clicks, g_on, g_cc, g_day)
    assert np.array_equal(got_hit, consumer[hit])
    for a, b in zip((g_engs, g_clicks, g_on, g_cc, g_last, g_day),
                    (engs, clicks, clicks_on, cc, last_creator, last_day)):
        assert np.array_equal(a, b)
