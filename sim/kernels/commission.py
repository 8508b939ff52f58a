"""Compiled steps of a retailer's daily commissioning (:class:`sim.engine.agents.Retailer`).

A tier's posts of one day are a handful; numpy's array calls on them (a cumulative sum and a
search of the fees, a search and three comparisons of the post draws) cost more than the
arithmetic. The loops here take the caller's draws (the random numbers stay numpy's calls,
made where they were) and give exactly the values of those numpy expressions
(``tests/kernels/test_commission.py`` compares them).
"""

from __future__ import annotations

import numpy as np
from numba import njit



@njit(cache=True)
def fitting_posts(fees, draw, spent, budget):
    """How many of the drawn creators ``draw`` (indices into ``fees``, yuan per post, ≥ 0) are
    paid one after another before ``budget`` (yuan) runs out, starting from ``spent`` yuan,
    and the yuan spent then. Equal to::

        cum = fees[draw].cumsum(); cum += spent
        n = int(cum.searchsorted(budget, side="right"))
        return n, (float(cum[n - 1]) if n else spent)

    (fees are not negative, so the running sums never decrease and the search is the first
    running sum above the budget).
    """
    total = 0.0
    last = spent
    for j in range(len(draw)):
        total += fees[draw[j]]
        value = total + spent
        if value > budget:
            return j, last
        last = value
    return len(draw), last


@njit(cache=True)
def post_traits(u, cdf, kinds, p_tagged, p_reused, p_framed):
    """Kind code, circle tag, reuse and framing of commissioned posts from their four uniforms
    each (``u``, n×4 float64): kind ``kinds[min(bisect_right(cdf, u[:, 0]), len(kinds) − 1)]``
    (``cdf`` the content mix's cumulative shares, non-decreasing; empty: always
    ``kinds[0]``), tagged to the creator's home circle if ``u[:, 1] < p_tagged``, reused copy
    if ``u[:, 2] < p_reused``, guanxi framing if ``u[:, 3] < p_framed`` (shares 0–1).

    Returns (kind int64, tagged bool, reused bool, framed bool), one entry per post.
    """
    n = u.shape[0]
    kind = np.empty(n, dtype=np.int64)
    tagged = np.empty(n, dtype=np.bool_)
    reused = np.empty(n, dtype=np.bool_)
    framed = np.empty(n, dtype=np.bool_)
    last = len(kinds) - 1
    for j in range(n):
        x = u[j, 0]
        t = 0
        while t < len(cdf) and cdf[t] <= x:  # bisect_right on a non-decreasing list
            t += 1
        kind[j] = kinds[min(t, last)]
        tagged[j] = u[j, 1] < p_tagged
        reused[j] = u[j, 2] < p_reused
        framed[j] = u[j, 3] < p_framed
    return kind, tagged, reused, framed


@njit(cache=True)
def stage_posts(u, cdf, kinds, p_tagged, p_reused, p_framed, picks, slots, homes, retailer,
                start, out_slot, out_retailer, out_kind, out_circle, out_reused, out_framed):
    """Write the commissioned posts of ``picks`` (indices into a creator list whose creators
    have the table slots ``slots`` and home circles ``homes``) into rows ``start…`` of the
    staged columns ``out_*``: creator slot, ``retailer``, and the traits :func:`post_traits`
    gives from the same uniforms ``u`` (n×4; the circle is the creator's home circle when
    tagged, else -1). The columns must hold ``start + len(picks)`` rows.
    """
    last = len(kinds) - 1
    for j in range(len(picks)):
        c = picks[j]
        row = start + j
        x = u[j, 0]
        t = 0
        while t < len(cdf) and cdf[t] <= x:  # bisect_right on a non-decreasing list
            t += 1
        out_kind[row] = kinds[min(t, last)]
        out_slot[row] = slots[c]
        out_retailer[row] = retailer
        out_circle[row] = homes[c] if u[j, 1] < p_tagged else -1
        out_reused[row] = u[j, 2] < p_reused
        out_framed[row] = u[j, 3] < p_framed


@njit(cache=True)
def stable_order(keys):
    """The order that sorts ``keys`` (int64) stably: ``np.argsort(keys, kind="stable")``, by
    insertion (a day's staged posts are a few dozen at most)."""
    n = len(keys)
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        key = keys[i]
        j = i
        while j > 0 and keys[order[j - 1]] > key:
            order[j] = order[j - 1]
            j -= 1
        order[j] = i
    return order


@njit(cache=True)
def write_posts(rows, slot, retailer, kind, circle, reused, framed, platform, channel,
                credibility, b0, author, homogeneity, reuse_fatigue, day, start,
                o_retailer, o_platform, o_channel, o_kind, o_circle, o_credibility, o_b0,
                o_negative, o_author, o_day, o_homogeneity, o_framed, o_reused):
    """Write the staged posts ``rows`` (in that order) as post-log rows ``start…`` (the
    ``o_*`` columns of :data:`sim.world.content.POST_FIELDS`). Per staged row: ``slot``
    (creator slot), ``retailer``, ``kind``, ``circle``, ``reused``, ``framed``; per slot:
    ``platform``, ``channel``, ``credibility``, ``b0``, ``author`` (unique id). Fatigue per
    exposure is ``homogeneity[kind]`` plus ``reuse_fatigue`` for reused copy, summed in float64
    and stored like the column's cast of a Python float; never negative content.
    """
    for j in range(len(rows)):
        r = rows[j]
        s = slot[r]
        o = start + j
        o_retailer[o] = retailer[r]
        o_platform[o] = platform[s]
        o_channel[o] = channel[s]
        o_kind[o] = kind[r]
        o_circle[o] = circle[r]
        o_credibility[o] = credibility[s]
        o_b0[o] = b0[s]
        o_negative[o] = False
        o_author[o] = author[s]
        o_day[o] = day
        o_homogeneity[o] = homogeneity[kind[r]] + (reuse_fatigue if reused[r] else 0.0)
        o_framed[o] = framed[r]
        o_reused[o] = reused[r]


__all__ = ["fitting_posts", "post_traits", "stable_order", "stage_posts", "write_posts"]
