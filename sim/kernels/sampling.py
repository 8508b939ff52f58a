"""Compiled draws that consume a numpy ``Generator``'s bits exactly as numpy's own methods do.

numba reads and advances the very bit generator a ``np.random.Generator`` wraps (its
``next_uint32`` / ``next_uint64`` / ``next_double``), so a compiled loop can repeat numpy's
algorithms draw for draw: the numbers and the generator's state afterwards (including PCG64's
buffered half word) are those of the numpy calls. A world build makes one
``Generator.choice(replace=False)`` and one ``Generator.integers`` per creator (hundreds a run);
here all creators of a tier are drawn in one call.

The algorithms follow numpy 2's ``Generator``:

* ``integers(0, n, size)`` (int64): ``random_bounded_uint64_fill`` with Lemire's rejection on
  32-bit words when ``n - 1 < 2**32 - 1``;
* ``choice(pop, size, replace=False)`` without ``p``: Floyd's algorithm with an open-addressing
  hash set, then a Fisher–Yates shuffle of the sample (``_shuffle_int`` with bounded draws), or
  for populations over 10,000 and samples over a 50th of them a partial (tail) shuffle of
  ``arange(pop)``.

``tests/kernels/test_sampling.py`` checks values and the generator's state afterwards against
numpy's methods.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64
from numba.np.random.generator_core import next_double, next_uint32, next_uint64
from numba.np.random.random_methods import bounded_lemire_uint64, buffered_bounded_lemire_uint32

_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True)
def _bounded(bitgen, rng):
    """numpy's ``random_bounded_uint64(bitgen, 0, rng, 0, False)``: uniform on 0..rng."""
    if rng == 0:
        return uint64(0)
    if rng <= 0xFFFFFFFF:
        if rng == 0xFFFFFFFF:
            return uint64(next_uint32(bitgen))
        return uint64(buffered_bounded_lemire_uint32(bitgen, rng))
    if rng == 0xFFFFFFFFFFFFFFFF:
        return next_uint64(bitgen)
    return uint64(bounded_lemire_uint64(bitgen, rng))


@njit(cache=True)
def _gen_mask(v):
    mask = uint64(v)
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    return mask


@njit(cache=True)
def _shuffle_tail(bitgen, data, first):
    """numpy's ``_shuffle_int(bitgen, len(data), first, data)``: positions n-1 .. first."""
    for i in range(len(data) - 1, first - 1, -1):
        j = np.int64(_bounded(bitgen, uint64(i)))
        t = data[j]
        data[j] = data[i]
        data[i] = t


@njit(cache=True)
def _sample_indices(bitgen, pop_size, size):
    """Indices ``Generator.choice(pop_size, size, replace=False)`` draws (0 <= size <= pop)."""
    if pop_size > 10000 and size > pop_size // 50:
        idx = np.arange(pop_size, dtype=np.int64)
        _shuffle_tail(bitgen, idx, max(pop_size - size, 1))
        return idx[pop_size - size:].copy()
    idx = np.empty(size, dtype=np.int64)
    mask = _gen_mask(uint64(np.int64(1.2 * size)))
    hash_set = np.full(np.int64(mask) + 1, _EMPTY, dtype=np.uint64)
    for j in range(pop_size - size, pop_size):
        val = _bounded(bitgen, uint64(j))
        loc = val & mask
        while hash_set[loc] != _EMPTY and hash_set[loc] != val:
            loc = (loc + uint64(1)) & mask
        if hash_set[loc] == _EMPTY:
            hash_set[loc] = val
            idx[j - pop_size + size] = np.int64(val)
        else:
            loc = uint64(j) & mask
            while hash_set[loc] != _EMPTY:
                loc = (loc + uint64(1)) & mask
            hash_set[loc] = uint64(j)
            idx[j - pop_size + size] = j
    _shuffle_tail(bitgen, idx, 1)
    return idx


@njit(cache=True)
def _integers_fill(bitgen, n, out):
    """``Generator.integers(0, n, size=len(out))`` (int64) into ``out``; needs n - 1 < 2**32 - 1."""
    rng = uint64(n - 1)
    for i in range(len(out)):
        out[i] = 0 if rng == 0 else np.int64(buffered_bounded_lemire_uint32(bitgen, rng))


@njit(cache=True)
def choice_without_replacement(rng, pop_size, size):
    """``rng.choice(pop_size, size=size, replace=False)`` as int64 indices, same draws."""
    return _sample_indices(rng.bit_generator, pop_size, size)


@njit(cache=True)
def integers_below(rng, n, size):
    """``rng.integers(0, n, size=size)`` (int64; 1 <= n <= 2**32 - 1), same draws."""
    out = np.empty(size, dtype=np.int64)
    _integers_fill(rng.bit_generator, n, out)
    return out


@njit(cache=True)
def creator_followers(rng, cdf, order, starts, n, ks, wants):
    """Creators' homes and followers, drawn as :func:`sim.world.builder.draw_creators` does
    one by one: for creator c, a home circle by ``cdf.searchsorted(rng.random(), "right")``,
    then ``k_in = min(|circle|, wants[c])`` members of it without repeats
    (``rng.choice(members, k_in, replace=False)``) and ``ks[c] - k_in`` consumers uniformly
    from 0..n-1 (``rng.integers(0, n, ks[c] - k_in)``); followers are the distinct ids,
    ascending. ``ks`` (followers drawn, ≥ 1) and ``wants`` (the caller's
    ``round(ks[c] · circle_focus)``, ≤ ``ks[c]``) are int64 per creator.

    Returns (home per creator, followers of all creators one after another, offsets: creator
    c's followers are ``flat[offsets[c]:offsets[c + 1]]``). Needs 1 <= n <= 2**32 - 1.
    """
    bitgen = rng.bit_generator
    count = len(ks)
    homes = np.empty(count, dtype=np.int64)
    offsets = np.zeros(count + 1, dtype=np.int64)
    flat = np.empty(max(np.int64(0), ks.sum()), dtype=np.int64)
    for c in range(count):
        k = ks[c]
        u = next_double(bitgen)
        home = np.int64(np.searchsorted(cdf, u, side="right"))
        homes[c] = home
        lo, hi = starts[home], starts[home + 1]
        k_in = min(hi - lo, wants[c])
        both = np.empty(k, dtype=np.int64)
        picked = _sample_indices(bitgen, hi - lo, k_in)
        for j in range(k_in):
            both[j] = order[lo + picked[j]]
        _integers_fill(bitgen, n, both[k_in:])
        both.sort()
        m = offsets[c]
        for j in range(k):
            if j == 0 or both[j] != both[j - 1]:
                flat[m] = both[j]
                m += 1
        offsets[c + 1] = m
    return homes, flat[:offsets[count]].copy(), offsets


__all__ = ["choice_without_replacement", "creator_followers", "integers_below"]
