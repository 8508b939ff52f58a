"""Compiled per-post arithmetic of a day's reach beyond followers (discovery feeds and the
traffic pool), over the day's live creator posts as columns.

A day has a few dozen live creator posts; the rules that turn each post's deliveries into
extra impressions are a handful of scalar operations per post, so doing them post by post in
Python (or as a dozen tiny numpy calls) costs far more than the arithmetic. Each kernel here
repeats its rule exactly — the same float64 operations in the same order as the Python rule,
rounding half to even like Python's ``round`` — over every post in one call.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.incremental import circle_plan, draw_stacked


@njit(cache=True)
def discovery_counts(reach, platform, delivered):
    """Per post, :func:`sim.engine.discovery.discovery_count`: ``round(reach × d)`` for the
    post's platform's ``discovery_reach`` (``reach[platform[k]]``, float64 ≥ 0) and its
    ``d = delivered[k]`` follower impressions, 0 when either is ≤ 0 (int64)."""
    out = np.zeros(len(platform), dtype=np.int64)
    for k in range(len(platform)):
        r = reach[platform[k]]
        d = delivered[k]
        if r > 0.0 and d > 0:
            out[k] = np.int64(np.rint(r * d))
    return out


@njit(cache=True)
def amplified_counts(factor, threshold, reach_factor, platform, delivered, engaged):
    """Per post, :meth:`sim.world.platforms.Platform.amplified_count` of its platform
    (``factor``, ``threshold`` and ``reach_factor`` indexed by ``platform[k]``, float64) for
    ``delivered[k]`` views of which ``engaged[k]`` engaged: 0 when the factor is ≤ 0, nothing
    was delivered or ``engaged / delivered`` is below the threshold, else
    ``round(factor × delivered × reach_factor)`` (int64)."""
    out = np.zeros(len(platform), dtype=np.int64)
    for k in range(len(platform)):
        p = platform[k]
        f = factor[p]
        d = delivered[k]
        if f <= 0.0 or d == 0:
            continue
        if engaged[k] / d < threshold[p]:
            continue
        out[k] = np.int64(np.rint(f * d * reach_factor[p]))
    return out


@njit(cache=True)
def views_per_post(exp_post, engaged, posts):
    """Exposures and engaged exposures of each of ``posts`` (distinct post ids ≥ 0) in a
    batch whose post ids are ``exp_post`` (engaged where ``engaged``, bool, same length):
    ``np.bincount(exp_post)[posts]`` and ``np.bincount(exp_post[engaged])[posts]`` (int64)
    without arrays as long as the post log."""
    delivered = np.zeros(len(posts), dtype=np.int64)
    hits = np.zeros(len(posts), dtype=np.int64)
    if len(posts) == 0:
        return delivered, hits
    lo, hi = posts.min(), posts.max()
    where = np.full(hi - lo + 1, -1, dtype=np.int64)  # post id - lo -> its position
    for k in range(len(posts)):
        where[posts[k] - lo] = k
    for i in range(len(exp_post)):
        q = exp_post[i] - lo
        if q < 0 or q > hi - lo:
            continue
        k = where[q]
        if k >= 0:
            delivered[k] += 1
            if engaged[i]:
                hits[k] += 1
    return delivered, hits


@njit(cache=True)
def boosted_counts(factor, threshold, reach_factor, platform, exp_post, engaged, posts):
    """:func:`amplified_counts` of each of ``posts`` for its views and engaged views in a
    batch of exposures (:func:`views_per_post` of ``exp_post`` and ``engaged``), in one
    call (int64)."""
    delivered, hits = views_per_post(exp_post, engaged, posts)
    return amplified_counts(factor, threshold, reach_factor, platform, delivered, hits)


@njit(cache=True)
def post_circles(circle_column, posts, creator, home):
    """Each post's circle: its tagged circle ``circle_column[posts[k]]`` (the post log's
    ``circle`` column), or for a generic post (−1) its creator's home circle
    ``home[creator[k]]`` (int64)."""
    out = np.empty(len(posts), dtype=np.int64)
    for k in range(len(posts)):
        c = circle_column[posts[k]]
        out[k] = c if c >= 0 else home[creator[k]]
    return out


@njit(cache=True)
def impression_plan(circle_column, posts, creator, home, starts, platform, counts, built, tops):
    """Each post's circle (:func:`post_circles`) and the plan of drawing ``counts[k]``
    consumers of it on its platform ``platform[k]``
    (:func:`sim.kernels.incremental.circle_plan` on the stacked tables ``built`` and ``tops``
    of :meth:`~sim.kernels.incremental.AttentionSampler.circle_stack`, ``starts`` its
    circle starts). Returns ``(circles, sizes, first, total, status)``."""
    circles = post_circles(circle_column, posts, creator, home)
    sizes, first, total, status = circle_plan(starts, circles, platform, counts, built, tops)
    return circles, sizes, first, total, status


@njit(cache=True)
def impression_columns(order, cum, guide, scale, starts, circles, platform, first, sizes, u,
                       posts, channel, trust):
    """The exposure columns of a drawable :func:`impression_plan`: the consumers drawn for
    every post from the uniforms ``u`` (:func:`sim.kernels.incremental.draw_stacked`), each
    one's post id ``posts[k]`` and channel ``channel[k]`` (``np.repeat`` by ``sizes``) and
    the trust ``trust`` (a Python float) as float32 for all. Returns ``(consumer, post,
    trust, channel)`` (int64, int64, float32, int8)."""
    n = len(u)
    consumer = np.empty(n, dtype=np.int64)
    draw_stacked(order, cum, guide, scale, starts, circles, platform, first, sizes, u,
                 consumer)
    post = np.empty(n, dtype=np.int64)
    chan = np.empty(n, dtype=np.int8)
    for k in range(len(sizes)):
        lo = first[k]
        for i in range(lo, lo + sizes[k]):
            post[i] = posts[k]
            chan[i] = channel[k]
    tr = np.empty(n, dtype=np.float32)
    tr[:] = np.float32(trust)
    return consumer, post, tr, chan


__all__ = ["amplified_counts", "boosted_counts", "discovery_counts", "impression_columns", "impression_plan",
           "post_circles", "views_per_post"]
