"""``sorted_unique`` equals ``np.unique`` on both of its paths (short arrays in one compiled
call, longer ones by numpy's sort), values and dtype."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.arrayops import SMALL, sorted_unique


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8, np.uint64])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 23, SMALL - 1, SMALL, SMALL + 1, 1000])
def test_sorted_unique_equals_np_unique(dtype, n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, 120, n).astype(dtype)
    if np.dtype(dtype).kind == "i":
        x = (x.astype(np.int64) - 60).astype(dtype)  # negative values too
    got, expected = sorted_unique(x), np.unique(x)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert np.array_equal(x, x.copy())  # (the input is left as it was)


def test_sorted_unique_of_other_shapes_and_lists():
    x = np.array([[5, 1], [5, 3]], dtype=np.int64)
    assert sorted_unique(x).tolist() == [1, 3, 5]
    assert sorted_unique([4, 4, 2]).tolist() == [2, 4]
    keep = np.array([9, 2, 9, 7], dtype=np.int64)
    sorted_unique(keep)
    assert keep.tolist() == [9, 2, 9, 7]
