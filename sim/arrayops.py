"""Small array primitives used on hot paths, each exactly equal to a plainer numpy expression.

``np.unique`` and stable argsorts are slow for the integer keys of this simulator (the plain
``np.unique`` of int64 takes a hashing path tens of times slower than a sort); these helpers
reach the same results with one unstable ``np.sort`` of packed integers, which numpy runs with
vectorised sorting networks.
"""

from __future__ import annotations

import numpy as np


def sorted_unique(x: np.ndarray) -> np.ndarray:
    """Distinct values in ascending order: ``np.unique(x)`` for 1-D integer arrays."""
    s = np.sort(np.asarray(x).ravel())
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def count_distinct(keys: np.ndarray) -> int:
    """Number of distinct values, ``len(np.unique(keys))``."""
    return len(sorted_unique(keys))


def first_occurrence(key: np.ndarray) -> np.ndarray:
    """Ascending indices of the first occurrence of each distinct non-negative integer key:
    ``np.sort(np.unique(key, return_index=True)[1])``.

    Key and position are packed into one int64 (key in the high bits), so a plain sort puts
    each key's first occurrence first in its run. Falls back to ``np.unique`` when they do not
    fit in 63 bits.
    """
    key = np.asarray(key, dtype=np.int64)
    k = len(key)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    pos_bits = max(1, int(k - 1).bit_length())
    top = int(key.max())
    if key.min() < 0 or top.bit_length() + pos_bits > 63:
        return np.sort(np.unique(key, return_index=True)[1])
    packed = np.sort((key << pos_bits) | np.arange(k, dtype=np.int64))
    head = np.empty(k, dtype=bool)
    head[0] = True
    runs = packed >> pos_bits
    np.not_equal(runs[1:], runs[:-1], out=head[1:])
    return np.sort(packed[head] & ((1 << pos_bits) - 1))


def flat_view(a: np.ndarray) -> np.ndarray:
    """A 1-D view of a C-contiguous array (for ``np.add.at`` on flat indices row·R + r, whose
    fast path needs a 1-D target); raises rather than silently updating a copy."""
    flat = a.reshape(-1)
    if not np.may_share_memory(flat, a):
        raise ValueError("array must be C-contiguous to be updated through a flat view")
    return flat


__all__ = ["count_distinct", "first_occurrence", "flat_view", "sorted_unique"]
