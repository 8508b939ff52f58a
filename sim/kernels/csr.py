"""Sorting and searching kernels for building large graphs (used by :mod:`sim.world.graph`), and
counting CSR rows (used by the share and cascade kernels).

Node ids are integers below n, so pairs of them sort in linear time by a compiled radix sort
instead of an O(pairs · log pairs) comparison sort, and the symmetric CSR of ties already
sorted by (lo, hi) is filled in two passes. Every function returns exactly what the
numpy expression named in its docstring returns.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_DIGIT = 11  # radix digit width: 2048 buckets per pass stay in cache


@njit(cache=True)
def row_total(indptr, rows):
    """Number of CSR entries in ``rows`` (repeated rows counted again):
    ``int((indptr[rows + 1] - indptr[rows]).sum())``."""
    total = 0
    for r in rows:
        total += indptr[r + 1] - indptr[r]
    return total


@njit(cache=True)
def _radix_sort_pairs(keys, key_bits):
    """Stable LSD radix sort of non-negative int64 ``keys``: (sorted keys, original index).

    Keys and indices travel together, so every pass reads sequentially and scatters into
    2048 buckets (cache-friendly even for tens of millions of keys)."""
    m = len(keys)
    k_cur, k_tmp = keys.copy(), np.empty(m, dtype=np.int64)
    i_cur, i_tmp = np.arange(m), np.empty(m, dtype=np.int64)
    mask = (1 << _DIGIT) - 1
    shift = 0
    while shift < key_bits:
        counts = np.zeros(mask + 2, dtype=np.int64)
        for j in range(m):
            counts[((k_cur[j] >> shift) & mask) + 1] += 1
        for d in range(mask + 1):
            counts[d + 1] += counts[d]
        for j in range(m):
            d = (k_cur[j] >> shift) & mask
            k_tmp[counts[d]] = k_cur[j]
            i_tmp[counts[d]] = i_cur[j]
            counts[d] += 1
        k_cur, k_tmp = k_tmp, k_cur
        i_cur, i_tmp = i_tmp, i_cur
        shift += _DIGIT
    return k_cur, i_cur


def unique_pairs(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pairs (lo, hi) of node ids < n sorted by (lo, hi), and the index of each pair's
    first occurrence: with ``key, first = np.unique(lo * n + hi, return_index=True)`` the
    result is ``(key // n, key % n, first)``, by a stable radix sort of the keys (a few
    sequential passes instead of a comparison sort)."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if len(lo) != len(hi):
        raise ValueError("lo and hi must have the same length")
    if len(lo) == 0:
        return lo, hi, np.empty(0, np.int64)
    key, order = _radix_sort_pairs(lo * n + hi, max(1, (n * n - 1).bit_length()))
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    key = key[first]
    return key // n, key % n, order[first]


@njit(cache=True)
def _symmetric_csr(lo, hi, n, edge):
    m = len(lo)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        indptr[lo[e] + 1] += 1
        indptr[hi[e] + 1] += 1
    for k in range(n):
        indptr[k + 1] += indptr[k]
    pos = indptr[:-1].copy()
    cols = np.empty(2 * m, dtype=np.int32)
    for e in range(m):  # entries (hi, lo): row hi, columns below it, ascending in lo
        r = hi[e]
        cols[pos[r]] = lo[e]
        edge[pos[r]] = e
        pos[r] += 1
    for e in range(m):  # entries (lo, hi): row lo, columns above it, ascending in hi
        r = lo[e]
        cols[pos[r]] = hi[e]
        edge[pos[r]] = e
        pos[r] += 1
    return indptr, cols


def symmetric_csr(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR of distinct ties sorted by (lo, hi) with lo < hi: ``(indptr, indices,
    edge)``, where ``edge[j]`` is the tie of entry j (to carry per-tie attributes). Entries are
    in (row, column) order, as ``np.lexsort((cols, rows))`` orders ``rows = [lo, hi]``,
    ``cols = [hi, lo]``: in row r the ties to lower ids (ascending) precede those to higher.
    ``lo``/``hi`` may be int32 or int64 (not copied); ``edge`` is int32 below 2³¹ ties."""
    lo, hi = _ids(lo), _ids(hi)
    edge = np.empty(2 * len(lo), dtype=np.int32 if len(lo) < 2**31 else np.int64)
    indptr, cols = _symmetric_csr(lo, hi, n, edge)
    return indptr, cols, edge


def _ids(x: np.ndarray) -> np.ndarray:
    """Node ids as int32 or int64 without a copy when they already are."""
    x = np.asarray(x)
    return x if x.dtype in (np.int32, np.int64) else x.astype(np.int64)


@njit(cache=True)
def _row_sort(a, s, t):
    """Sort ``a[s:t]`` in place (insertion sort for short rows)."""
    if t - s > 32:
        a[s:t].sort()
        return
    for j in range(s + 1, t):
        x = a[j]
        k = j - 1
        while k >= s and a[k] > x:
            a[k + 1] = a[k]
            k -= 1
        a[k + 1] = x


@njit(cache=True)
def _unique_ties(u, v, n, ibits):
    m = len(u)
    starts = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        if u[e] != v[e]:
            starts[min(u[e], v[e]) + 1] += 1
    for k in range(n):
        starts[k + 1] += starts[k]
    pos = starts[:-1].copy()
    packed = np.empty(starts[n], dtype=np.int64)  # per lo row: hi in the high bits, e below
    for e in range(m):
        a, b = u[e], v[e]
        if a != b:
            r = min(a, b)
            packed[pos[r]] = (np.int64(max(a, b)) << ibits) | e
            pos[r] += 1
    mask = (np.int64(1) << ibits) - 1
    distinct = 0
    for r in range(n):
        _row_sort(packed, starts[r], starts[r + 1])
        prev = -1
        for j in range(starts[r], starts[r + 1]):
            h = packed[j] >> ibits
            if h != prev:
                distinct += 1
                prev = h
    lo = np.empty(distinct, dtype=np.int32)
    hi = np.empty(distinct, dtype=np.int32)
    first = np.empty(distinct, dtype=np.int64)
    k = 0
    for r in range(n):
        prev = -1
        for j in range(starts[r], starts[r + 1]):
            h = packed[j] >> ibits
            if h != prev:
                lo[k], hi[k], first[k] = r, h, packed[j] & mask
                k += 1
                prev = h
    return lo, hi, first


def unique_ties(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct undirected ties among raw pairs (u, v) of node ids < n (< 2³¹), self-pairs
    dropped: ``(lo, hi, first)`` sorted by (lo, hi), int32 ids, ``first`` the index into the
    raw pairs of each tie's first occurrence. Equals ``unique_pairs`` of the non-self pairs
    with ``first`` mapped back to raw indices (``np.flatnonzero(u != v)[first]``).

    One counting pass by the smaller id and a sort of each (short) row of packed
    ``hi · 2^b + index`` keys: about 8 bytes of scratch per pair, against 40 for the radix sort,
    which matters at 10⁷ consumers (≈ 75 million pairs)."""
    u, v = _ids(u), _ids(v)
    if len(u) != len(v):
        raise ValueError("u and v must have the same length")
    ibits = max(1, (len(u) - 1).bit_length())
    if n >= 2**31 or ibits + max(1, (n - 1).bit_length()) > 63:
        keep = np.flatnonzero(u != v)
        a, b = u[keep].astype(np.int64), v[keep].astype(np.int64)
        lo, hi, first = unique_pairs(np.minimum(a, b), np.maximum(a, b), n)
        return lo, hi, keep[first]
    return _unique_ties(u, v, n, ibits)


@njit(cache=True)
def _pick_pairs(cum, guide, scale, starts, order, inside, r1, r2):
    n, k = len(cum), len(starts) - 1
    # per circle: running sum before its block and at its end (read for every inside pick)
    base_of = np.empty(k, dtype=np.float64)
    top_of = np.empty(k, dtype=np.float64)
    for c in range(k):
        base_of[c] = cum[starts[c] - 1] if starts[c] > 0 else 0.0
        top_of[c] = cum[starts[c + 1] - 1] if starts[c + 1] > 0 else 0.0
    u = np.empty(len(r1), dtype=np.int32)
    v = np.empty(len(r1), dtype=np.int32)
    top_all = cum[n - 1]
    for i in range(len(r1)):
        a = min(_guided_one(cum, r1[i] * top_all, guide, scale), n - 1)
        hi, base, top = n, 0.0, top_all
        if inside[i]:
            c = np.searchsorted(starts, a, side="right") - 1  # a's circle (starts fit in cache)
            hi, base, top = starts[c + 1], base_of[c], top_of[c]
        t = base + r2[i] * (top - base)
        b = min(_guided_one(cum, t, guide, scale), hi - 1)
        u[i] = order[a]
        v[i] = order[b]
    return u, v


@njit(cache=True)
def _guided_one(cum, t, guide, scale):
    """``np.searchsorted(cum, t, side="right")`` from the guide table's starting point."""
    n, k = len(cum), len(guide)
    b = int(t * scale)
    b = 0 if b < 0 else (k - 1 if b >= k else b)
    j = guide[b]
    while j > 0 and cum[j - 1] > t:
        j -= 1
    while j < n and cum[j] <= t:
        j += 1
    return j


def pick_pairs(cum: np.ndarray, starts: np.ndarray, order: np.ndarray, inside: np.ndarray,
               r1: np.ndarray, r2: np.ndarray,
               table: tuple[np.ndarray, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Tie endpoints of a degree-corrected planted partition, given the uniforms.

    Consumers are laid out by circle (``order``: rows by circle; ``cum``: running sums of their
    weights in that layout, last > 0; circle c holds positions ``starts[c]:starts[c + 1]``).
    Pair i's first endpoint is the position ``a = searchsorted(cum, r1[i] · cum[-1], "right")``
    (clamped to n − 1); its partner is drawn the same way with ``r2[i]`` inside a's circle
    when ``inside[i]``, else among everyone: target ``base + r2 · (top − base)`` with ``base``
    and ``top`` the running sums before and at the end of the range. Returns consumer rows
    ``(order[a], order[b])`` as int32 — exactly the vectorised numpy expressions (same float
    operations in the same order), in one pass without temporaries.
    """
    guide, scale = table if table is not None else guide_table(cum)
    return _pick_pairs(cum, guide, scale, np.asarray(starts, dtype=np.int64), order, inside,
                       r1, r2)


@njit(cache=True)
def _guided_search(cum, targets, guide, scale):
    out = np.empty(len(targets), dtype=np.int64)
    for i in range(len(targets)):
        out[i] = _guided_one(cum, targets[i], guide, scale)
    return out


def guide_table(cum: np.ndarray) -> tuple[np.ndarray, float]:
    """Guide table of a non-decreasing ``cum`` (running sums of non-negative weights, last
    one > 0): for each of len(cum) equal slices of [0, cum[-1]), the answer for its left end."""
    k = len(cum)
    scale = k / float(cum[-1])
    return np.searchsorted(cum, np.arange(k) / scale, side="right"), scale


def searchsorted_right(
    cum: np.ndarray, targets: np.ndarray, table: tuple[np.ndarray, float] | None = None,
) -> np.ndarray:
    """``np.searchsorted(cum, targets, side="right")`` for a non-decreasing ``cum`` of
    running sums of non-negative weights, by a guide table (the cutpoint method): the table
    points close to each answer, so a search costs O(1) expected memory accesses instead of a
    binary search's O(log n) cache misses. Exact: the final scan always lands on the first
    element greater than the target. Pass ``table`` (from :func:`guide_table`) when searching
    the same ``cum`` repeatedly."""
    targets = np.asarray(targets, dtype=np.float64)
    if len(cum) == 0 or not cum[-1] > 0 or (table is None and len(targets) < len(cum) // 8):
        return np.searchsorted(cum, targets, side="right")
    guide, scale = table if table is not None else guide_table(cum)
    return _guided_search(cum, targets, guide, scale)


__all__ = ["guide_table", "pick_pairs", "searchsorted_right", "symmetric_csr", "unique_pairs",
           "unique_ties"]
