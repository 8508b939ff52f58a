"""The compiled order crediting equals the numpy expressions it replaced
(:func:`sim.engine.platform_funnel.book_orders`)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.orders import credit_orders


def _reference(buyers, retailer, last_click_day, since, last_creator, creator_counts, col):
    """The numpy form of book_orders before the kernel."""
    recent = last_click_day[buyers, retailer] > since
    creator = last_creator[buyers, retailer].astype(np.int64)
    c = creator[creator >= 0]
    if len(c):
        creator_counts[:, col] += np.bincount(c, minlength=len(creator_counts))
    return int(np.count_nonzero(recent))


@pytest.mark.parametrize("seed", range(6))
def test_credit_orders_equals_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, r, n_creators = 300, 4, 7
    last_click_day = rng.integers(-10, 30, (n, r)).astype(np.int32)
    last_click_day[rng.random((n, r)) < 0.3] = -(10**6)
    last_creator = rng.integers(-1, n_creators, (n, r)).astype(np.int32)
    buyers = rng.choice(n, size=int(rng.integers(1, 120)), replace=seed % 2 == 0)  # repeats too
    retailer, since = int(rng.integers(0, r)), int(rng.integers(0, 25))
    counts = rng.integers(0, 5, (n_creators, 5)).astype(np.int64)
    expected_counts = counts.copy()
    expected = _reference(buyers, retailer, last_click_day, since, last_creator,
                          expected_counts, 4)
    got = credit_orders(buyers.astype(np.int64), retailer, last_click_day, since, last_creator,
                        counts, 4)
    assert got == expected
    np.testing.assert_array_equal(counts, expected_counts)


def test_credit_orders_counts_window_and_creators() -> None:
    last_click_day = np.array([[5], [3], [-(10**6)]], np.int32)
    last_creator = np.array([[1], [-1], [1]], np.int32)
    counts = np.zeros((2, 5), np.int64)
    # buyers 0 and 1 clicked after day 3? only buyer 0 (day 5 > 3); creator 1 gets two orders
    assert credit_orders(np.array([0, 1, 2], np.int64), 0, last_click_day, 3, last_creator,
                         counts, 4) == 1
    assert counts[:, 4].tolist() == [0, 2]
    assert counts[:, :4].sum() == 0
