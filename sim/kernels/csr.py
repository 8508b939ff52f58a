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
def _symmetric_csr(lo, hi, n):
    m = len(lo)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        indptr[lo[e] + 1] += 1
        indptr[hi[e] + 1] += 1
    for k in range(n):
        indptr[k + 1] += indptr[k]
    pos = indptr[:-1].copy()
    cols = np.empty(2 * m, dtype=np.int32)
    edge = np.empty(2 * m, dtype=np.int64)
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
    return indptr, cols, edge


def symmetric_csr(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR of distinct ties sorted by (lo, hi) with lo < hi: ``(indptr, indices,
    edge)``, where ``edge[j]`` is the tie of entry j (to carry per-tie attributes). Entries are
    in (row, column) order, as ``np.lexsort((cols, rows))`` orders ``rows = [lo, hi]``,
    ``cols = [hi, lo]``: in row r the ties to lower ids (ascending) precede those to higher."""
    return _symmetric_csr(np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64), n)


@njit(cache=True)
def _guided_search(cum, targets, guide, scale):
    n, k = len(cum), len(guide)
    out = np.empty(len(targets), dtype=np.int64)
    for i in range(len(targets)):
        t = targets[i]
        b = int(t * scale)
        b = 0 if b < 0 else (k - 1 if b >= k else b)
        j = guide[b]
        while j > 0 and cum[j - 1] > t:
            j -= 1
        while j < n and cum[j] <= t:
            j += 1
        out[i] = j
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


__all__ = ["guide_table", "searchsorted_right", "symmetric_csr", "unique_pairs"]
