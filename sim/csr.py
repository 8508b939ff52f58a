"""Sorting and searching kernels for building large graphs (used by :mod:`sim.graph`).

Building the symmetric CSR of m undirected ties needs the 2m directed entries in (row, column)
order. When the ties come sorted by (lo, hi) with lo < hi, that order is one stable counting
pass over the rows (O(m + n), compiled) instead of a comparison sort of 2m pairs. Every function
returns exactly what the numpy expression named in its docstring returns.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _counting_pass(keys, n_keys, order):
    """Stable reorder of ``order`` so that ``keys[order]`` is non-decreasing (keys in 0..n_keys-1)."""
    starts = np.zeros(n_keys + 1, dtype=np.int64)
    for i in order:
        starts[keys[i] + 1] += 1
    for k in range(n_keys):
        starts[k + 1] += starts[k]
    out = np.empty_like(order)
    for i in order:
        k = keys[i]
        out[starts[k]] = i
        starts[k] += 1
    return out


def unique_pairs(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys ``lo * n + hi`` in ascending order and the index of each key's first
    occurrence: ``np.unique(lo * n + hi, return_index=True)`` (node ids < n)."""
    key = np.asarray(lo, dtype=np.int64) * n + hi
    if len(key) == 0:
        return key, np.empty(0, np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    return key[first], order[first]


def symmetric_order(lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """For distinct ties sorted by (lo, hi) with lo < hi: the order of the directed entries
    ``rows = [lo, hi]``, ``cols = [hi, lo]`` by (row, col), i.e.
    ``np.lexsort((cols, rows))``.

    Within a row r, the entries (r, lo) with lo < r (second half, already ascending in lo)
    precede the entries (r, hi) with hi > r (first half, ascending in hi); so one stable pass
    over the rows with the second half first gives the full order.
    """
    m = len(lo)
    if m == 0:
        return np.empty(0, np.int64)
    rows = np.concatenate([lo, hi]).astype(np.int64)
    start = np.concatenate([np.arange(m, 2 * m), np.arange(m)])
    return _counting_pass(rows, n, start)


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


__all__ = ["guide_table", "searchsorted_right", "symmetric_order", "unique_pairs"]
