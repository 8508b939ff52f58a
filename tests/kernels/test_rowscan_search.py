"""sim.kernels.rowscan's search passes equal the numpy code of sim.engine.search they replaced
(kept here as the reference), on random columns, one retailer (word scans) and several."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.rowscan import (count_equal, memory_searchers, memory_searchers_of,
                                 organic_visitors, rows_equal, sponsored_clicks)


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _columns(seed: int, n: int, r: int):
    rng = np.random.default_rng(seed)
    stage = rng.integers(0, 5, size=(n, r)).astype(np.int8)
    memory = (rng.random((n, r)) * 6).astype(np.float32)
    memory[rng.random((n, r)) < 0.1] = 0.0
    return rng, stage, memory


SHAPES = [(0, 1), (1, 1), (7, 1), (8, 1), (9, 1), (1003, 1), (5000, 1), (1001, 2), (999, 3)]


@pytest.mark.parametrize("n, n_ret", SHAPES)
def test_memory_searchers_of_equal_the_rows_then_the_draw(n, n_ret):
    rng, stage, memory = _columns(n + n_ret, n, n_ret)
    for r in range(n_ret):
        for code in (0, 2, 4):
            rows = rows_equal(stage, r, code)
            assert count_equal(stage, r, code) == len(rows) == int((stage[:, r] == code).sum())
            u = rng.random(len(rows))
            assert same(memory_searchers_of(stage, r, code, u, memory, 0.3, 3.0),
                        memory_searchers(rows, u, memory, r, 0.3, 3.0))


def reference_sponsored(rows, u, p, affordable):
    """The numpy code of search._sponsored this replaced: (paid rows, ads shown)."""
    clicks = np.flatnonzero(u < p)
    shown = len(rows)
    if affordable < len(clicks):
        shown, clicks = int(clicks[affordable]), clicks[:affordable]
    return rows[clicks], shown


def reference_organic(rows, clicked, u, p):
    """The numpy code of search.search_day this replaced: the rest's organic visitors."""
    keep = np.ones(len(rows), dtype=bool)
    keep[np.searchsorted(rows, clicked)] = False
    rest = rows[keep]
    return rest[u < p]


@pytest.mark.parametrize("seed", range(6))
def test_sponsored_and_organic_draws_equal_numpy(seed):
    rng = np.random.default_rng(seed)
    n = [0, 1, 5, 50, 400, 3000][seed]
    rows = np.flatnonzero(rng.random(4 * n) < 0.25).astype(np.int64)
    u = rng.random(len(rows))
    for affordable in (0, 1, 3, 10 ** 6):
        paid, shown = sponsored_clicks(rows, u, 0.2, affordable)
        expected_paid, expected_shown = reference_sponsored(rows, u, 0.2, affordable)
        assert same(paid, expected_paid) and shown == expected_shown
        u2 = rng.random(len(rows) - len(paid))
        assert same(organic_visitors(rows, paid, u2, 0.3),
                    reference_organic(rows, paid, u2, 0.3))
