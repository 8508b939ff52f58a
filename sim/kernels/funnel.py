"""Compiled passes of the platform funnel's counting (:mod:`sim.engine.platform_funnel`).

A batch of exposures is a few hundred to a few thousand entries; the numpy form of the
funnel's bookkeeping (gathers, masks and a ``bincount`` per counter, a dozen calls per batch)
costs its per-call overhead several times a day. These loops do the same counts in one pass
each. The funnel's random draws stay with the caller (one ``random`` call per batch, as
before), so every count and draw is unchanged; ``tests/kernels/test_funnel_counts.py``
compares them with the numpy expressions they replace.

``creator_of_author`` maps a post author (an influencer's unique id) to its creator index
(−1 for authors who are not creators); an exposure is credited to a creator only when its
channel is a creator tier (``channel < n_tiers``). Counters are updated in place; channel and
platform codes outside the counters' lengths are not counted (as ``bincount(...)[:k]``).

The loops spell the creator lookup and the counters out instead of calling small compiled
helpers: a helper taking arrays, called once per entry, pays reference counting on every call
(measured: a batch of 500 views took 14 µs with the helpers, under 4 µs without).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def count_impressions_views(post, channel, post_platform, post_author, creator_of_author,
                            n_tiers, u, rate, from_ties, impressions, impressions_on, views,
                            views_on, creator_counts):
    """Impressions and views of one batch, per channel, platform and creator (columns 0 and 1
    of ``creator_counts``). An exposure is viewed when ``u`` is empty (every view rate is 1),
    else when ``u[k] < rate[platform]`` or its channel comes from ties (``from_ties``).

    Returns (viewed: bool per exposure, number viewed)."""
    m = len(post)
    viewed = np.empty(m, dtype=np.bool_)
    k_ch, k_pl, k_author = len(impressions), len(impressions_on), len(creator_of_author)
    draw = len(u) > 0
    n_viewed = 0
    for k in range(m):
        p, ch = post[k], channel[k]
        pl = np.int64(post_platform[p])
        a = post_author[p]
        c = creator_of_author[a] if a >= 0 and a < k_author and ch < n_tiers else -1
        if ch < k_ch:
            impressions[ch] += 1
        if pl < k_pl:
            impressions_on[pl] += 1
        if c >= 0:
            creator_counts[c, 0] += 1
        v = True
        if draw:
            v = (u[k] < rate[pl]) or from_ties[ch]
        viewed[k] = v
        if v:
            n_viewed += 1
            if ch < k_ch:
                views[ch] += 1
            if pl < k_pl:
                views_on[pl] += 1
            if c >= 0:
                creator_counts[c, 1] += 1
    return viewed, n_viewed


@njit(cache=True)
def count_views(consumer, post, trust, channel, post_platform, post_author, creator_of_author,
                n_tiers, u, rate, from_ties, impressions, impressions_on, views, views_on,
                creator_counts):
    """:func:`count_impressions_views` returning the viewed exposures themselves: (number
    viewed, consumer, post, trust, channel) of the viewed entries, in batch order, in the
    inputs' dtypes (one call instead of the count, the mask's indices and four takes). When
    every exposure is viewed the four arrays are empty (the batch is its own subset)."""
    viewed, n_viewed = count_impressions_views(post, channel, post_platform, post_author,
                                               creator_of_author, n_tiers, u, rate, from_ties,
                                               impressions, impressions_on, views, views_on,
                                               creator_counts)
    size = 0 if n_viewed == len(post) else n_viewed
    c = np.empty(size, dtype=consumer.dtype)
    p = np.empty(size, dtype=post.dtype)
    t = np.empty(size, dtype=trust.dtype)
    ch = np.empty(size, dtype=channel.dtype)
    j = 0
    for k in range(len(post) if size > 0 else 0):
        if viewed[k]:
            c[j] = consumer[k]
            p[j] = post[k]
            t[j] = trust[k]
            ch[j] = channel[k]
            j += 1
    return n_viewed, c, p, t, ch


@njit(cache=True)
def count_engagements(post, channel, consumer, retailer, engaged, post_negative, post_author,
                      creator_of_author, n_tiers, engagements, creator_counts, last_creator):
    """Engagements per channel and creator (column 2); the last engaged creator per
    (consumer, retailer) for engagements with non-negative posts (later entries win).

    Returns the batch indices of those engagements (the click candidates), in order."""
    m = len(post)
    cand = np.empty(m, dtype=np.int64)
    n = 0
    k_ch, k_author = len(engagements), len(creator_of_author)
    for k in range(m):
        if not engaged[k]:
            continue
        p, ch = post[k], channel[k]
        if ch < k_ch:
            engagements[ch] += 1
        a = post_author[p]
        c = creator_of_author[a] if a >= 0 and a < k_author and ch < n_tiers else -1
        if c >= 0:
            creator_counts[c, 2] += 1
        if not post_negative[p]:
            cand[n] = k
            n += 1
            if c >= 0:
                last_creator[consumer[k], retailer[k]] = c
    return cand[:n]


@njit(cache=True)
def count_clicks(cand, u, rate, post, channel, consumer, retailer, post_platform, post_author,
                 creator_of_author, n_tiers, day, clicks, clicks_on, creator_counts,
                 last_click_day):
    """Clicks of the candidates ``cand`` (batch indices) whose draw ``u[j] < rate[platform]``:
    per channel, platform and creator (column 3), and the day of the last click per
    (consumer, retailer). Returns the clicking consumers, in order."""
    hit = np.empty(len(cand), dtype=np.int64)
    n = 0
    k_ch, k_pl, k_author = len(clicks), len(clicks_on), len(creator_of_author)
    for j in range(len(cand)):
        k = cand[j]
        p = post[k]
        pl = np.int64(post_platform[p])
        if not u[j] < rate[pl]:
            continue
        ch = channel[k]
        if ch < k_ch:
            clicks[ch] += 1
        if pl < k_pl:
            clicks_on[pl] += 1
        a = post_author[p]
        c = creator_of_author[a] if a >= 0 and a < k_author and ch < n_tiers else -1
        if c >= 0:
            creator_counts[c, 3] += 1
        last_click_day[consumer[k], retailer[k]] = day
        hit[n] = consumer[k]
        n += 1
    return hit[:n]


__all__ = ["count_clicks", "count_engagements", "count_impressions_views", "count_views"]
