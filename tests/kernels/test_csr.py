"""Graph-building kernels return exactly what the plain numpy expressions they replace return,
and the circle graph built with them is the graph the vectorised numpy construction gives."""

from __future__ import annotations

import numpy as np
import pytest

import sim.kernels.csr as csr
from sim.config.scenario import GraphSection
from sim.kernels.csr import guide_table, pick_pairs, symmetric_csr, unique_ties
from sim.world.graph import SocialGraph, circle_graph, expected_degrees


def numpy_unique_ties(u, v, n):
    keep = np.flatnonzero(u != v)
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    key, first = np.unique(lo.astype(np.int64) * n + hi, return_index=True)
    return key // n, key % n, keep[first]


@pytest.mark.parametrize("n,m", [(400, 5000), (60, 20_000), (5, 3), (1000, 1)])
def test_unique_ties_equal_numpy(n, m):
    rng = np.random.default_rng(n + m)
    u = rng.integers(0, n, m).astype(np.int32)
    v = rng.integers(0, n, m).astype(np.int32)
    u[::7] = v[::7]  # self-pairs are dropped
    expected = numpy_unique_ties(u, v, n)
    got = unique_ties(u, v, n)
    for a, b in zip(got, expected):
        assert np.array_equal(a, b)
    assert got[0].dtype == np.int32 and got[2].dtype == np.int64


def test_unique_ties_long_rows_and_wide_keys(monkeypatch):
    rng = np.random.default_rng(3)
    n, m = 50, 40_000  # rows far longer than the insertion-sort cut-off
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    expected = numpy_unique_ties(u, v, n)
    for a, b in zip(unique_ties(u, v, n), expected):
        assert np.array_equal(a, b)
    # keys too wide to pack: the radix-sort path gives the same answer
    monkeypatch.setattr(csr, "_unique_ties", lambda *a: pytest.fail("packed path used"))
    for a, b in zip(unique_ties(u, v, 2**31), numpy_unique_ties(u, v, 2**31)):
        assert np.array_equal(a, b)


def test_symmetric_csr_accepts_int32_ids():
    lo, hi, _ = unique_ties(np.array([0, 2, 1, 3], np.int32), np.array([1, 0, 3, 0], np.int32), 4)
    indptr, indices, edge = symmetric_csr(lo, hi, 4)
    lo64, hi64 = lo.astype(np.int64), hi.astype(np.int64)
    indptr2, indices2, edge2 = symmetric_csr(lo64, hi64, 4)
    assert np.array_equal(indptr, indptr2) and np.array_equal(indices, indices2)
    assert np.array_equal(edge, edge2) and edge.dtype == np.int32


def test_pick_pairs_equal_vectorised_numpy():
    rng = np.random.default_rng(11)
    n, count = 3000, 20_000
    circle = rng.integers(0, 7, n)
    order = np.argsort(circle, kind="stable")
    w = rng.pareto(1.5, n) + 0.01
    w[rng.random(n) < 0.1] = 0.0  # runs of equal running sums
    cum = np.cumsum(w[order])
    sorted_circle = circle[order]
    starts = np.searchsorted(sorted_circle, np.arange(circle.max() + 2))
    inside = rng.random(count) < 0.7
    r1, r2 = rng.random(count), rng.random(count)
    r1[:3] = [0.0, 1.0 - 1e-16, 0.5]

    a = np.minimum(np.searchsorted(cum, 0.0 + r1 * (cum[-1] - 0.0), side="right"), n - 1)
    c = sorted_circle[a]
    b_lo, b_hi = np.where(inside, starts[c], 0), np.where(inside, starts[c + 1], n)
    base = np.where(b_lo > 0, cum[np.maximum(b_lo - 1, 0)], 0.0)
    top = cum[b_hi - 1]
    b = np.minimum(np.searchsorted(cum, base + r2 * (top - base), side="right"), b_hi - 1)
    u, v = pick_pairs(cum, starts, order, inside, r1, r2, guide_table(cum))
    assert np.array_equal(u, order[a]) and np.array_equal(v, order[b])
    same = inside & (u != v)
    assert np.all(circle[u[same]] == circle[v[same]])  # inside pairs stay in one circle


def numpy_circle_graph(circle, cfg, rng) -> SocialGraph:
    """The vectorised numpy construction the compiled one replaced (reference)."""
    n = len(circle)
    w = expected_degrees(n, cfg, rng)
    m = int(round(n * cfg.mean_degree / 2))
    order = np.argsort(circle, kind="stable")
    cum = np.cumsum(w[order])
    sorted_circle = circle[order]
    starts = np.searchsorted(sorted_circle, np.arange(circle.max() + 2))

    def pick(lo, hi):
        base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
        target = base + rng.random(len(lo)) * (cum[hi - 1] - base)
        return np.minimum(np.searchsorted(cum, target, side="right"), hi - 1)

    def draw(count):
        inside = rng.random(count) < 1.0 - cfg.mixing
        a = pick(np.zeros(count, np.int64), np.full(count, n))
        c = sorted_circle[a]
        b = pick(np.where(inside, starts[c], 0), np.where(inside, starts[c + 1], n))
        strong = rng.random(count) < np.where(inside, cfg.strong_share,
                                              cfg.strong_share / cfg.strong_outside_divisor)
        return order[a], order[b], strong

    u, v, strong = draw(m)
    for _ in range(20):
        valid = u != v
        lo, hi = np.minimum(u, v)[valid], np.maximum(u, v)[valid]
        deficit = m - len(np.unique(lo * n + hi))
        if deficit <= max(1, m // 2000):
            break
        u2, v2, s2 = draw(int(deficit * 1.3) + 8)
        u, v, strong = np.concatenate([u, u2]), np.concatenate([v, v2]), np.concatenate([strong, s2])
    lo, hi, first = numpy_unique_ties(u, v, n)
    strong = strong[first]
    mean = np.where(strong, cfg.trust_strong, cfg.trust_weak)
    trust = np.clip(mean + cfg.trust_spread * rng.standard_normal(len(lo)), 0.0, 1.0)
    rows, cols = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    entry = np.lexsort((cols, rows))
    tie = np.concatenate([np.arange(len(lo))] * 2)[entry]
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))]
    return SocialGraph(indptr, cols[entry].astype(np.int32), trust[tie].astype(np.float32),
                       strong[tie])


@pytest.mark.parametrize("n,circles,kw", [
    (3000, 5, {"mean_degree": 12}),
    (4000, 3, {"mean_degree": 40, "mixing": 0.05}),  # hubs in small circles: top-up rounds
    (200, 50, {"mean_degree": 8}),
])
def test_circle_graph_equals_numpy_construction(n, circles, kw):
    circle = np.random.default_rng(n).integers(0, circles, n).astype(np.int32)
    cfg = GraphSection(**kw)
    fast = circle_graph(circle, cfg, np.random.default_rng(9))
    slow = numpy_circle_graph(circle, cfg, np.random.default_rng(9))
    for field in ("indptr", "indices", "trust", "strong"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field
