"""``entries_at_least`` keeps the word views of the arrays it scans; its answers stay those of
the plain numpy expression when the same arrays change between calls, or others come."""

from __future__ import annotations

import numpy as np

from sim.kernels.bytescan import entries_at_least


def test_entries_at_least_follows_changes_of_the_same_arrays():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 6, (1003, 2)).astype(np.int8)
    unless = rng.random(codes.shape) < 0.2
    others = [rng.integers(0, 6, (1003, 2)).astype(np.int8) for _ in range(3)]
    for day in range(8):
        codes[rng.random(codes.shape) < 0.1] = rng.integers(0, 6)
        unless ^= rng.random(codes.shape) < 0.05
        for t in (0, 3, 5):
            assert np.array_equal(entries_at_least(codes, t, unless=unless),
                                  np.flatnonzero((codes >= t) & ~unless))
            assert np.array_equal(entries_at_least(codes, t), np.flatnonzero(codes >= t))
        other = others[day % 3]  # other arrays in between push the kept views out
        assert np.array_equal(entries_at_least(other, 4), np.flatnonzero(other >= 4))
    # a reshaped view of the same memory is another array
    before = entries_at_least(codes, 2)
    flat = codes.reshape(2006, 1)
    assert np.array_equal(entries_at_least(flat, 2), before)
    assert np.array_equal(entries_at_least(flat[:7], 2), np.flatnonzero(flat[:7] >= 2))
