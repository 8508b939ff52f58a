"""Compiled passes over one retailer's column of the consumers' N×R arrays, for the retail
side's daily steps (communities, search, commissioning).

A retailer's column of a C-ordered N×R array is strided; numpy's column expressions
(``np.flatnonzero((stage[:, r] >= t) & ~member[:, r])``) build several temporary arrays of
N entries each, and a few hundred of them a run cost more than the work. Each function here
is one loop that reads the column once; its docstring states the plain numpy expression it
equals (``tests/kernels/test_rowscan.py`` checks them). No function draws random numbers:
callers draw with numpy and pass the uniforms, so every draw stays where it was.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def rows_equal(codes, r, code):
    """``np.flatnonzero(codes[:, r] == code)`` (int64, ascending)."""
    n = codes.shape[0]
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        out[k] = i
        k += codes[i, r] == code  # branch-free
    return out[:k].copy()


@njit(cache=True)
def leads_and_members(stage, member, r, threshold):
    """(``np.flatnonzero((stage[:, r] >= threshold) & ~member[:, r])``,
    ``np.flatnonzero(member[:, r])``), both int64 ascending, in one pass."""
    n = stage.shape[0]
    leads = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    n_leads = n_members = 0
    for i in range(n):
        m = member[i, r]
        leads[n_leads] = i
        n_leads += (stage[i, r] >= threshold) & (not m)
        members[n_members] = i
        n_members += m
    return leads[:n_leads].copy(), members[:n_members].copy()


@njit(cache=True)
def count_true(flags, r):
    """``int(flags[:, r].sum())``: entries of column ``r`` of a boolean array that are set."""
    count = 0
    for i in range(flags.shape[0]):
        count += flags[i, r]
    return count


@njit(cache=True)
def keep_below_scaled(rows, u, scale, weight):
    """``rows[u < scale * weight[rows]]`` with ``scale`` of ``weight``'s type (so the product
    is computed in that type, as numpy does for a Python float times a float32 array)."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        out[k] = i
        k += u[j] < scale * weight[i]
    return out[:k].copy()


@njit(cache=True)
def keep_unflagged(rows, flags, r, u):
    """(``rows[~flags[rows, r]]``, ``u[~flags[rows, r]]``): the rows whose flag is not set,
    and their draws."""
    out = np.empty(len(rows), dtype=np.int64)
    out_u = np.empty(len(rows), dtype=np.float64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        out[k] = i
        out_u[k] = u[j]
        k += not flags[i, r]
    return out[:k].copy(), out_u[:k].copy()


@njit(cache=True)
def merge_disjoint(a, b):
    """Ascending ``a`` and ``b`` with no value in common, merged: ``np.union1d(a, b)``."""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i = j = 0
    for k in range(len(out)):
        if j >= len(b) or (i < len(a) and a[i] < b[j]):
            out[k] = a[i]
            i += 1
        else:
            out[k] = b[j]
            j += 1
    return out


@njit(cache=True)
def memory_searchers(rows, u, memory, r, rate, half):
    """``rows[u < rate · m / (m + half)]`` with ``m = memory[rows, r]`` as float64: the
    consumers whose brand memory prompts a search (:func:`sim.engine.search.searchers`)."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        m = np.float64(memory[i, r])
        out[k] = i
        k += u[j] < rate * m / (m + half)
    return out[:k].copy()


@njit(cache=True)
def credit_clicks(rows, r, code, platform, day, first_touch, last_touch, last_click,
                  last_platform, last_click_day, reached_by):
    """Book clicks of distinct consumers ``rows`` on retailer ``r`` credited to channel
    ``code`` on ``platform``: first touch where there was none (``< 0``), last touch, last
    engagement, last platform and the day of the last click; returns how many of them channel
    ``code`` reaches for the first time (``reached_by[rows, code]`` set). Equal to::

        untouched = first_touch[rows, r] < 0
        first_touch[rows[untouched], r] = code
        last_touch[rows, r] = last_click[rows, r] = code
        last_platform[rows, r] = platform
        last_click_day[rows, r] = day
        new = ~reached_by[rows, code]
        reached_by[rows[new], code] = True
        return int(new.sum())
    """
    new = 0
    for i in rows:
        if first_touch[i, r] < 0:
            first_touch[i, r] = code
        last_touch[i, r] = code
        last_click[i, r] = code
        last_platform[i, r] = platform
        last_click_day[i, r] = day
        if not reached_by[i, code]:
            reached_by[i, code] = True
            new += 1
    return new


@njit(cache=True, error_model="numpy")
def join_draws(rows, u, scale_rows, scale, brand_exposures, r, awareness_exposures,
               w_awareness, content_term, authenticity_term, lift):
    """The rows that join a community: ``rows[u < s · J · lift]`` with the F16 join score
    ``J = w_awareness · min(1, brand_exposures[rows, r] / awareness_exposures) + content_term
    + authenticity_term`` (:func:`sim.engine.community.join_score`, summed in that order, in
    float64) and ``s`` per row ``float64(scale_rows[k])`` (tie trust of an invitation), or the
    scalar ``scale`` (a join probability) when ``scale_rows`` is empty. Equal to
    ``rows[u < scale * join_score(...) * lift]``; the draws ``u`` are the caller's."""
    out = np.empty(len(rows), dtype=np.int64)
    per_row = len(scale_rows) > 0
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        x = brand_exposures[i, r] / awareness_exposures
        a = 1.0 if x > 1.0 else x  # np.minimum(1.0, x); NaN passes through
        score = w_awareness * a + content_term + authenticity_term
        s = np.float64(scale_rows[j]) if per_row else scale
        out[k] = i
        k += u[j] < s * score * lift
    return out[:k].copy()


@njit(cache=True)
def admit_rows(rows, r, referred, aware, member, referred_flags, stage):
    """Make distinct consumers ``rows`` members of retailer ``r``'s community: ``member[rows,
    r] = True``, ``referred_flags[rows, r] |= referred``, ``stage[rows, r] =
    max(stage[rows, r], aware)``."""
    for i in rows:
        member[i, r] = True
        referred_flags[i, r] |= referred
        if stage[i, r] < aware:
            stage[i, r] = aware


@njit(cache=True)
def split_buyers(rows, u, quality, negative_prob, negative, r):
    """Today's buyers ``rows`` of retailer ``r`` split by their satisfaction, from ``2 ·
    len(rows)`` uniforms ``u`` laid out as three consecutive numpy calls would draw them:
    ``u[:n]`` satisfied if ``< quality``; the next one per unsatisfied buyer (in order) posts
    a negative post if ``< negative_prob``; the rest, one per satisfied buyer, are returned
    for the UGC draw. Unsatisfied buyers get ``negative[i, r] = True``.

    Returns (satisfied rows, their UGC uniforms, unsatisfied rows, negative posters).
    """
    n = len(rows)
    n_happy = 0
    for j in range(n):
        n_happy += u[j] < quality
    happy = np.empty(n_happy, dtype=np.int64)
    u_happy = np.empty(n_happy, dtype=np.float64)
    unhappy = np.empty(n - n_happy, dtype=np.int64)
    posters = np.empty(n - n_happy, dtype=np.int64)
    h = s = k = 0
    for j in range(n):
        i = rows[j]
        if u[j] < quality:
            happy[h] = i
            u_happy[h] = u[2 * n - n_happy + h]
            h += 1
        else:
            unhappy[s] = i
            negative[i, r] = True
            if u[n + s] < negative_prob:
                posters[k] = i
                k += 1
            s += 1
    return happy, u_happy, unhappy, posters[:k].copy()


__all__ = ["admit_rows", "count_true", "credit_clicks", "join_draws", "keep_below_scaled",
           "keep_unflagged", "leads_and_members", "memory_searchers", "merge_disjoint",
           "rows_equal", "split_buyers"]
