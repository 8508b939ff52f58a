"""sim.kernels.rowscan and sim.kernels.commission: each compiled pass equals the numpy
expression it replaced (kept here as the reference), on random columns of N×R arrays."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
import pytest

from sim.kernels.commission import fitting_posts, post_traits
from sim.kernels.rowscan import (count_true, credit_clicks, keep_below_scaled, keep_unflagged,
                                 leads_and_members, memory_searchers, merge_disjoint, rows_equal)


def _columns(seed: int, n: int = 3000, r: int = 3):
    rng = np.random.default_rng(seed)
    stage = rng.integers(0, 6, size=(n, r)).astype(np.int8)
    member = rng.random((n, r)) < 0.2
    return rng, stage, member


@pytest.mark.parametrize("seed", range(4))
def test_column_scans_equal_numpy(seed):
    rng, stage, member = _columns(seed)
    for r in range(stage.shape[1]):
        np.testing.assert_array_equal(rows_equal(stage, r, 2), np.flatnonzero(stage[:, r] == 2))
        leads, members = leads_and_members(stage, member, r, 2)
        np.testing.assert_array_equal(leads, np.flatnonzero((stage[:, r] >= 2) & ~member[:, r]))
        np.testing.assert_array_equal(members, np.flatnonzero(member[:, r]))
        assert count_true(member, r) == int(member[:, r].sum())
    empty = np.zeros((0, 2), dtype=np.int8)
    assert len(rows_equal(empty, 1, 2)) == 0


@pytest.mark.parametrize("seed", range(4))
def test_selections_equal_numpy(seed):
    rng, stage, member = _columns(seed)
    rows = np.flatnonzero(rng.random(len(stage)) < 0.3)
    u = rng.random(len(rows))
    weight = rng.random(len(stage)).astype(np.float32)
    got = keep_below_scaled(rows, u, np.float32(0.7), weight)
    np.testing.assert_array_equal(got, rows[u < 0.7 * weight[rows]])
    got_rows, got_u = keep_unflagged(rows, member, 1, u)
    np.testing.assert_array_equal(got_rows, rows[~member[rows, 1]])
    np.testing.assert_array_equal(got_u, u[~member[rows, 1]])
    memory = (rng.random(stage.shape) * 20).astype(np.float32)
    m = memory[rows, 2].astype(np.float64)
    expected = rows[u < 0.4 * m / (m + 7.5)]
    np.testing.assert_array_equal(memory_searchers(rows, u, memory, 2, 0.4, 7.5), expected)
    other = np.setdiff1d(np.arange(len(stage)), rows)[::7]
    np.testing.assert_array_equal(merge_disjoint(rows, other), np.union1d(rows, other))
    np.testing.assert_array_equal(merge_disjoint(rows[:0], other), other)


def test_credit_clicks_equals_the_numpy_bookings():
    rng = np.random.default_rng(5)
    n, r_count, channels = 500, 2, 6
    arrays = [np.full((n, r_count), -1, np.int8) for _ in range(3)]
    arrays[0][rng.random((n, r_count)) < 0.5] = 2  # some consumers already have a first touch
    last_platform = np.zeros((n, r_count), np.int8)
    day = np.full((n, r_count), -999, np.int32)
    reached = np.asfortranarray(rng.random((n, channels)) < 0.3)
    ref = [a.copy() for a in (*arrays, last_platform, day, reached)]
    rows = np.sort(rng.choice(n, size=120, replace=False))
    r, code, platform = 1, 4, 2
    new = credit_clicks(rows, r, code, platform, 17, *arrays, last_platform, day, reached)
    first, last, click, plat, lday, reach = ref
    untouched = first[rows, r] < 0
    first[rows[untouched], r] = code
    last[rows, r] = code
    click[rows, r] = code
    plat[rows, r] = platform
    lday[rows, r] = 17
    fresh = ~reach[rows, code]
    reach[rows[fresh], code] = True
    assert new == int(fresh.sum()) > 0
    for got, want in zip((*arrays, last_platform, day, reached), ref):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(6))
def test_fitting_posts_equals_cumsum_and_search(seed):
    rng = np.random.default_rng(seed)
    fees = rng.choice([60.0, 250.0, 1500.0, 5000.0, 0.0], size=40)
    draw = rng.integers(40, size=30)
    for spent, budget in [(0.0, 3000.0), (1234.5, 9000.0), (0.0, 0.0), (10.0, 1e9)]:
        cum = fees[draw].cumsum()
        cum += spent
        n = int(cum.searchsorted(budget, side="right"))
        assert fitting_posts(fees, draw, spent, budget) == (n, float(cum[n - 1]) if n else spent)


def _traits_one_by_one(u, cdf, kinds, p_tagged, p_reused, p_framed):
    """The previous per-post loop over Python floats."""
    out = []
    for u0, u1, u2, u3 in u.tolist():
        kind = kinds[min(bisect_right(cdf, u0), len(kinds) - 1)] if len(cdf) else kinds[0]
        out.append((kind, u1 < p_tagged, u2 < p_reused, u3 < p_framed))
    return out


@pytest.mark.parametrize("weights", [[0.5, 0.0, 0.3, 0.2], [1.0], []])
def test_post_traits_equal_the_per_post_draws(weights):
    rng = np.random.default_rng(len(weights))
    u = rng.random((200, 4))
    if weights:
        cdf = np.cumsum(np.array(weights) / sum(weights))
        cdf /= cdf[-1]
        kinds = np.arange(10, 10 + len(weights), dtype=np.int64)
    else:  # no content mix: every post is the one default kind
        cdf, kinds = np.empty(0), np.array([3], dtype=np.int64)
    kind, tagged, reused, framed = post_traits(u, cdf, kinds, 0.3, 0.5, 0.1)
    got = list(zip(kind.tolist(), tagged.tolist(), reused.tolist(), framed.tolist()))
    assert got == _traits_one_by_one(u, cdf.tolist(), kinds.tolist(), 0.3, 0.5, 0.1)
    assert len(set(kind.tolist())) == sum(w > 0 for w in weights) or not weights


def _join_score_reference(be, rows, r, ae, w, cq, ugc):
    """sim.engine.community.join_score's numpy expression."""
    awareness = np.minimum(1.0, be[rows, r] / ae)
    return w[0] * awareness + w[1] * cq + w[2] * ugc


@pytest.mark.parametrize("seed", range(4))
def test_join_draws_equal_the_numpy_join_probability(seed):
    from sim.kernels.rowscan import join_draws
    rng = np.random.default_rng(seed)
    be = rng.integers(0, 40, size=(2000, 2)).astype(np.int32)
    rows = np.flatnonzero(rng.random(2000) < 0.4)
    u = rng.random(len(rows))
    w, cq, ugc, ae, lift = (0.35, 0.28, 0.37), 0.6, 0.3, 15.0, 1.2
    score = _join_score_reference(be, rows, 1, ae, w, cq, ugc)
    got = join_draws(rows, u, np.empty(0, np.float32), 0.8, be, 1, ae, w[0], w[1] * cq,
                     w[2] * ugc, lift)
    np.testing.assert_array_equal(got, rows[u < 0.8 * score * lift])
    trust = rng.random(len(rows)).astype(np.float32)
    got = join_draws(rows, u, trust, 0.0, be, 1, ae, w[0], w[1] * cq, w[2] * ugc, lift)
    np.testing.assert_array_equal(got, rows[u < trust * score * lift])
    assert 0 < len(got) < len(rows)


def test_admit_rows_equals_the_numpy_assignments():
    from sim.kernels.rowscan import admit_rows
    rng = np.random.default_rng(9)
    stage = rng.integers(0, 5, size=(300, 2)).astype(np.int8)
    member = rng.random((300, 2)) < 0.1
    referred = rng.random((300, 2)) < 0.1
    rows = np.flatnonzero(~member[:, 0] & (rng.random(300) < 0.5))
    ref = [a.copy() for a in (member, referred, stage)]
    admit_rows(rows, 0, True, 1, member, referred, stage)
    ref[0][rows, 0] = True
    ref[1][rows, 0] |= True
    ref[2][rows, 0] = np.maximum(ref[2][rows, 0], 1)
    for got, want in zip((member, referred, stage), ref):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n", [0, 5, 8, 64, 1003, 4099])
def test_word_scans_of_one_column_equal_numpy(n):
    rng = np.random.default_rng(n)
    stage = rng.integers(0, 6, size=(n, 1)).astype(np.int8)
    member = rng.random((n, 1)) < 0.1
    for t in range(0, 7):
        leads, members = leads_and_members(stage, member, 0, t)
        np.testing.assert_array_equal(leads, np.flatnonzero((stage[:, 0] >= t) & ~member[:, 0]))
        np.testing.assert_array_equal(members, np.flatnonzero(member[:, 0]))
        np.testing.assert_array_equal(rows_equal(stage, 0, t), np.flatnonzero(stage[:, 0] == t))
    strided = np.zeros((n, 2), np.int8)[:, :1]  # not contiguous: the plain loop
    np.testing.assert_array_equal(rows_equal(strided, 0, 0), np.arange(n))
