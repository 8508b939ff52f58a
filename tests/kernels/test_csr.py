"""Graph-building kernels return exactly what the plain numpy expressions they replace return,
and the circle graph built with them is the graph the vectorised numpy construction gives."""

from __future__ import annotations

import numpy as np
import pytest

import sim.kernels.csr as csr
import sim.kernels.threads as threads_mod
from sim.config.scenario import GraphSection
from sim.kernels.csr import (add_ties, flags_below, guide_table, pick_pairs, symmetric_csr,
                             symmetric_csr_with, take, tie_trust, unique_ties)
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


# --- threaded paths: the same arrays, bit for bit, whatever the split ---------------------------

def _pairs(n, m, seed, skew=False):
    rng = np.random.default_rng(seed)
    if skew:  # a few hub rows hold most pairs, most rows stay empty
        u = (rng.pareto(1.2, m) % n).astype(np.int32)
    else:
        u = rng.integers(0, n, m).astype(np.int32)
    v = rng.integers(0, n, m).astype(np.int32)
    u[::9] = v[::9]  # self-pairs
    return u, v


@pytest.mark.parametrize("n,m,skew", [(1000, 30_000, False), (50_000, 20_000, True),
                                      (7, 500, False), (3, 2, False)])
@pytest.mark.parametrize("threads", [2, 3, 8])
def test_unique_ties_threaded_equal_serial(n, m, skew, threads):
    u, v = _pairs(n, m, n + m, skew)
    serial = unique_ties(u, v, n, threads=1)
    for a, b in zip(unique_ties(u, v, n, threads=threads), serial):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    for a, b in zip(serial, numpy_unique_ties(u, v, n)):
        assert np.array_equal(a, b)


def test_unique_ties_uneven_and_empty_ranges(monkeypatch):
    """Ranges that are empty or hold all the pairs (cut points chosen by hand)."""
    n = 100
    u, v = _pairs(n, 5000, 4)
    u[u > 60] = 3  # rows 61.. are never the smaller id: empty in unique_ties
    expected = numpy_unique_ties(u, v, n)
    for cuts in ([0, 0, 0, 100], [0, 1, 2, 3, 99, 100], [0, 100, 100], [0, 61, 62, 100]):
        monkeypatch.setattr(csr, "_row_cuts", lambda n, parts, *rows, c=cuts: np.array(c))
        got = unique_ties(u, v, n, threads=len(cuts) - 1)
        for a, b in zip(got, expected):
            assert np.array_equal(a, b), cuts


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_symmetric_csr_threaded_equal_serial(threads):
    n = 3000
    u, v = _pairs(n, 40_000, 8, skew=True)  # many empty rows
    lo, hi, _ = unique_ties(u, v, n)
    trust = np.random.default_rng(1).random(len(lo)).astype(np.float32)
    strong = np.random.default_rng(2).random(len(lo)) < 0.3
    serial = symmetric_csr(lo, hi, n, threads=1)
    got = symmetric_csr(lo, hi, n, threads=threads)
    for a, b in zip(got, serial):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    indptr, indices, t2, s2 = symmetric_csr_with(lo, hi, n, trust, strong, threads=threads)
    assert np.array_equal(indptr, serial[0]) and np.array_equal(indices, serial[1])
    assert np.array_equal(t2, trust[serial[2]]) and np.array_equal(s2, strong[serial[2]])
    # the serial CSR is the lexsorted one
    rows, cols = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    entry = np.lexsort((cols, rows))
    assert np.array_equal(indices, cols[entry])
    assert np.array_equal(indptr, np.r_[0, np.cumsum(np.bincount(rows, minlength=n))])
    # ties in another order (lo not sorted) still give the serial kernel's arrays
    shuffle = np.random.default_rng(3).permutation(len(lo))
    unsorted = [symmetric_csr(lo[shuffle], hi[shuffle], n, threads=t) for t in (1, threads)]
    for a, b in zip(*unsorted):
        assert np.array_equal(a, b)
    # more threads than ties: empty chunks
    few = [symmetric_csr(lo[:3], hi[:3], n, threads=t) for t in (1, 7)]
    for a, b in zip(*few):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("threads", [2, 3, 7])
def test_pick_pairs_threaded_equal_serial(threads):
    rng = np.random.default_rng(5)
    n, count = 5000, 10_001  # not a multiple of the block or the thread count
    circle = rng.integers(0, 9, n)
    order = np.argsort(circle, kind="stable")
    cum = np.cumsum(rng.pareto(1.5, n)[order])
    starts = np.searchsorted(circle[order], np.arange(circle.max() + 2))
    inside = rng.random(count) < 0.6
    r1, r2 = rng.random(count), rng.random(count)
    serial = pick_pairs(cum, starts, order, inside, r1, r2, threads=1)
    for a, b in zip(pick_pairs(cum, starts, order, inside, r1, r2, threads=threads), serial):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_per_tie_passes_equal_numpy(threads):
    rng = np.random.default_rng(6)
    k = 20_003
    strong = rng.random(k) < 0.3
    z = rng.standard_normal(k) * 3  # many values clipped at both ends
    expected = np.clip(np.where(strong, 0.8, 0.35) + 0.15 * z, 0.0, 1.0).astype(np.float32)
    assert np.array_equal(tie_trust(strong, z, 0.8, 0.35, 0.15, threads=threads), expected)
    r, choose = rng.random(k), rng.random(k) < 0.5
    assert np.array_equal(flags_below(r, choose, 0.25, 0.05, threads=threads),
                          r < np.where(choose, 0.25, 0.05))
    idx = rng.integers(0, k, 3 * k)
    assert np.array_equal(take(strong, idx, threads=threads), strong[idx])
    assert np.array_equal(take(z, idx, threads=threads), z[idx])
    with pytest.raises(IndexError):
        take(z, np.array([k]))


@pytest.mark.parametrize("n,m,m2", [(500, 20_000, 3000), (50, 2000, 4000), (40, 100, 0),
                                    (30, 0, 50)])
def test_add_ties_equals_unique_ties_of_all_pairs(n, m, m2):
    u, v = _pairs(n, m, m + 1)
    u2, v2 = _pairs(n, m2, m2 + 2)
    r = min(m, m2) // 3
    u2[:r], v2[:r] = v[:r], u[:r]  # repeats of old ties, reversed
    lo, hi, first = unique_ties(u, v, n)
    got = add_ties(lo, hi, first, u2, v2, n, len(u))
    expected = unique_ties(np.concatenate([u, u2]), np.concatenate([v, v2]), n)
    for a, b in zip(got, expected):
        assert np.array_equal(a, b) and a.dtype == b.dtype


def test_thread_count_setting(monkeypatch):
    monkeypatch.setenv(threads_mod.THREADS_ENV, "3")
    assert threads_mod.thread_count() == 3
    assert threads_mod.chunks_for(10) == 1 and threads_mod.chunks_for(10**7) == 3
    assert threads_mod.chunks_for(10, threads=2) == 2 and threads_mod.chunks_for(10, None, 5) == 3
    monkeypatch.delenv(threads_mod.THREADS_ENV)
    assert threads_mod.thread_count() >= 1
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv(threads_mod.THREADS_ENV, bad)
        with pytest.raises(ValueError, match=f"SOCSIM_THREADS.*{bad}"):
            threads_mod.thread_count()


def test_quantile_cuts_balance_skewed_rows():
    rows = np.r_[np.zeros(900, np.int64), np.arange(100)]  # row 0 holds most items
    cuts = threads_mod.quantile_cuts(rows, 100, 4)
    assert cuts[0] == 0 and cuts[-1] == 100 and np.all(np.diff(cuts) >= 0)
    assert np.array_equal(threads_mod.bounds(10, 3), [0, 3, 6, 10])
    assert np.array_equal(threads_mod.bounds(2, 4), [0, 0, 1, 1, 2])


def test_circle_graph_same_for_any_thread_count(monkeypatch):
    circle = np.random.default_rng(12).integers(0, 4, 6000).astype(np.int32)
    cfg = GraphSection(mean_degree=30, mixing=0.05)  # top-up rounds through add_ties
    monkeypatch.setattr(threads_mod, "MIN_PARALLEL", 0)  # threads even for small passes
    graphs = []
    for count in ("1", "2", "3"):
        monkeypatch.setenv(threads_mod.THREADS_ENV, count)
        graphs.append(circle_graph(circle, cfg, np.random.default_rng(4)))
    for g in graphs[1:]:
        for field in ("indptr", "indices", "trust", "strong"):
            assert np.array_equal(getattr(g, field), getattr(graphs[0], field)), field
