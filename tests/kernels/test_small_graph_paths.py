"""The small-graph paths of the graph-building kernels (one compiled call each, used below
:data:`sim.kernels.csr.SMALL_TIES` pairs and :data:`sim.kernels.csr.SMALL_PICK` consumers)
return exactly what the general (chunked) paths and the plain numpy expressions return."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

import sim.kernels.csr as csr
from sim.kernels.csr import (add_ties, group_order, guide_table, pick_pairs, symmetric_csr,
                             symmetric_csr_with, unique_ties)


def numpy_unique_ties(u, v, n):
    keep = np.flatnonzero(u != v)
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    key, first = np.unique(lo.astype(np.int64) * n + hi, return_index=True)
    return key // n, key % n, keep[first]


def _pairs(n, m, seed, dtype=np.int32, skew=False):
    rng = np.random.default_rng(seed)
    if skew:  # a few hubs: long rows
        w = rng.pareto(1.2, n) + 0.01
        p = w / w.sum()
        u, v = rng.choice(n, m, p=p), rng.choice(n, m, p=p)
    else:
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    u[::9] = v[::9]  # self-pairs are dropped
    return u.astype(dtype), v.astype(dtype)


@pytest.mark.parametrize("n,m,skew", [(400, 5000, False), (60, 20_000, False), (5, 3, False),
                                      (1000, 1, False), (3000, 40_000, True), (2, 50, False)])
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_unique_small_equals_packed_path_and_numpy(n, m, skew, dtype):
    u, v = _pairs(n, m, n + m, dtype, skew)
    small = unique_ties(u, v, n)  # default threads: the counting-sort kernel
    packed = unique_ties(u, v, n, threads=1)  # the chunked packed path
    for a, b, c in zip(small, packed, numpy_unique_ties(u, v, n)):
        assert np.array_equal(a, b) and np.array_equal(a, c)
        assert a.dtype == b.dtype
    assert small[0].dtype == np.int32 and small[2].dtype == np.int64


def test_unique_small_only_self_pairs_and_empty():
    u = np.array([3, 3, 1], np.int32)
    for a, b in zip(unique_ties(u, u, 5), unique_ties(u, u, 5, threads=1)):
        assert len(a) == 0 and np.array_equal(a, b) and a.dtype == b.dtype
    e = np.empty(0, np.int32)
    assert all(len(a) == 0 for a in unique_ties(e, e, 4))


def test_unique_ties_takes_the_small_kernel_only_below_the_cut(monkeypatch):
    u, v = _pairs(100, 1000, 1)
    monkeypatch.setattr(csr, "_unique_ties", lambda *a: pytest.fail("chunked path used"))
    unique_ties(u, v, 100)
    monkeypatch.undo()
    monkeypatch.setattr(csr, "SMALL_TIES", 10)
    monkeypatch.setattr(csr, "_unique_small", lambda *a: pytest.fail("small path used"))
    for a, b in zip(unique_ties(u, v, 100), numpy_unique_ties(u, v, 100)):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("n,m", [(300, 4000), (40, 30_000), (7, 5)])
def test_add_ties_one_pass_merge_equals_unique_of_all_pairs(n, m):
    u, v = _pairs(n, m, 5 * n)
    u2, v2 = _pairs(n, m // 3 + 1, 7 * n)
    lo, hi, first = unique_ties(u, v, n)
    got = add_ties(lo, hi, first, u2, v2, n, len(u))
    want = unique_ties(np.concatenate([u, u2]), np.concatenate([v, v2]), n, threads=1)
    for a, b in zip(got, want):
        assert np.array_equal(a, b) and a.dtype == b.dtype


@pytest.mark.parametrize("n,m", [(500, 6000), (30, 20_000), (9, 4)])
def test_symmetric_small_equals_chunked_path(n, m):
    lo, hi, _ = unique_ties(*_pairs(n, m, 3 * n), n)
    rng = np.random.default_rng(n)
    trust = rng.random(len(lo)).astype(np.float32)
    strong = rng.random(len(lo)) < 0.3
    for a, b in zip(symmetric_csr(lo, hi, n), symmetric_csr(lo, hi, n, threads=1)):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    got = symmetric_csr_with(lo, hi, n, trust, strong)
    want = symmetric_csr_with(lo, hi, n, trust, strong, threads=1)
    for a, b in zip(got, want):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    # and the lexsort definition: rows ascending, columns ascending within a row
    rows = np.concatenate([lo, hi]).astype(np.int64)
    cols = np.concatenate([hi, lo]).astype(np.int64)
    order = np.lexsort((cols, rows))
    assert np.array_equal(got[1], cols[order])
    assert np.array_equal(got[0], np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]))
    assert np.array_equal(got[2], np.concatenate([trust, trust])[order])


@pytest.mark.parametrize("groups,top", [(20, 20), (5, 3), (4, 7), (1, 1)])
def test_group_order_is_the_stable_argsort(groups, top):
    rng = np.random.default_rng(groups * 10 + top)
    for dtype in (np.int32, np.int64, np.int8):
        keys = rng.integers(0, top, 5000).astype(dtype)
        order, starts = group_order(keys, groups)
        want = np.argsort(keys, kind="stable")
        assert np.array_equal(order, want) and order.dtype == want.dtype
        assert np.array_equal(starts, np.searchsorted(keys[want], np.arange(groups + 1)))


def test_group_order_falls_back_for_negative_and_empty_keys():
    keys = np.array([2, -1, 0, 2, -1])
    order, starts = group_order(keys, 3)
    assert np.array_equal(order, np.argsort(keys, kind="stable"))
    assert np.array_equal(starts, np.searchsorted(keys[order], np.arange(4)))
    order, starts = group_order(np.empty(0, np.int32), 2)
    assert len(order) == 0 and np.array_equal(starts, [0, 0, 0])


@pytest.mark.parametrize("per_item", [1, 2, 3])
def test_guide_table_walk_equals_binary_search(per_item):
    rng = np.random.default_rng(per_item)
    for n in (1, 2, 50, 4000):
        w = rng.pareto(1.3, n)
        w[rng.random(n) < 0.2] = 0.0  # runs of equal running sums
        w[-1] += 0.5
        cum = np.cumsum(w)
        k = per_item * n
        scale = k / float(cum[-1])
        want = np.searchsorted(cum, np.arange(k) / scale, side="right")
        for dtype in (np.int64, np.int32):
            guide, s = guide_table(cum, per_item, dtype)
            assert s == scale and guide.dtype == dtype and np.array_equal(guide, want)
    assert guide_table(cum)[0].dtype == np.int64


@njit(cache=True)
def _one_pair_at_a_time(cum, guide, scale, starts, position_circle, order, inside, r1, r2,
                        base_of, top_of, u, v):
    """The former small-graph pick kernel (one pair at a time), kept as the reference."""
    n, k = len(cum), len(guide)
    top_all = cum[n - 1]
    for i in range(len(r1)):
        t = r1[i] * top_all
        g = int(t * scale)
        g = 0 if g < 0 else (k - 1 if g >= k else g)
        a = min(csr._scan_step(cum, t, guide[g]), n - 1)
        c = position_circle[a]
        ins = inside[i]
        hi = starts[c + 1] if ins else n
        base = base_of[c] if ins else 0.0
        top = top_of[c] if ins else top_all
        t = base + r2[i] * (top - base)
        g = int(t * scale)
        g = 0 if g < 0 else (k - 1 if g >= k else g)
        b = min(csr._scan_step(cum, t, guide[g]), hi - 1)
        u[i] = order[a]
        v[i] = order[b]
    return 0


@pytest.mark.parametrize("per_item,dtype", [(1, np.int64), (2, np.int32), (3, np.int32)])
def test_three_pass_pick_equals_one_pair_at_a_time_and_blocked(per_item, dtype):
    rng = np.random.default_rng(21 + per_item)
    n, count = 4000, 30_000
    circle = rng.integers(0, 9, n)
    order, starts = group_order(circle, 9)
    w = rng.pareto(1.5, n) + 0.01
    w[rng.random(n) < 0.1] = 0.0
    cum = np.cumsum(w[order])
    inside = rng.random(count) < 0.7
    r1, r2 = rng.random(count), rng.random(count)
    r1[:3] = [0.0, 1.0 - 1e-16, 0.5]
    table = guide_table(cum, per_item, dtype)
    u, v = pick_pairs(cum, starts, order, inside, r1, r2, table)
    ru, rv = np.empty(count, np.int32), np.empty(count, np.int32)
    base_of, top_of = csr._circle_sums(cum, starts)
    position_circle = np.repeat(np.arange(9), np.diff(starts))
    _one_pair_at_a_time(cum, table[0], table[1], starts, position_circle, order, inside, r1, r2,
                        base_of, top_of, ru, rv)
    assert np.array_equal(u, ru) and np.array_equal(v, rv)
    bu, bv = pick_pairs(cum, starts, order, inside, r1, r2, table, threads=1)  # blocked kernel
    assert np.array_equal(u, bu) and np.array_equal(v, bv)
