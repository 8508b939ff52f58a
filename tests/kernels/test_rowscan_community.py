"""sim.kernels.rowscan's invitation passes equal the numpy code of
sim.engine.community._invitations they replaced (kept here as the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.rowscan import invitation_targets, pick_inviters


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def graph(n: int, seed: int):
    """A random CSR (indptr int64, indices int32, trust float32), some consumers without a
    contact, a few contacts repeated."""
    rng = np.random.default_rng(seed)
    degree = rng.integers(0, 6, n)
    degree[rng.random(n) < 0.2] = 0
    indptr = np.r_[0, np.cumsum(degree)].astype(np.int64)
    indices = rng.integers(0, max(n // 4, 1), indptr[-1]).astype(np.int32)  # many repeats
    trust = rng.random(indptr[-1]).astype(np.float32)
    return indptr, np.diff(indptr), indices, trust


def reference(members, u_inv, p, u_pick, indptr, degree, indices, trust, member, r):
    """The old code: the inviters, then their contacts (not members, first invitations)."""
    inviters = members[u_inv < p]
    inviters = inviters[degree[inviters] > 0]
    pick = indptr[inviters] + (u_pick[:len(inviters)] * degree[inviters]).astype(np.int64)
    friends = indices[pick].astype(np.int64)
    tie_trust = trust[pick].astype(np.float32)
    keep = ~member[friends, r]
    friends, tie_trust = friends[keep], tie_trust[keep]
    _, first = np.unique(friends, return_index=True)
    return inviters, friends, tie_trust, first


@pytest.mark.parametrize("n, seed", [(1, 0), (10, 1), (200, 2), (3000, 3), (3000, 4)])
@pytest.mark.parametrize("trust_dtype", [np.float32, np.float64])
def test_invitations_equal_numpy(n, seed, trust_dtype):
    indptr, degree, indices, trust = graph(n, seed)
    trust = trust.astype(trust_dtype)
    rng = np.random.default_rng(seed + 100)
    member = rng.random((n, 2)) < 0.3
    for r in range(2):
        members = np.flatnonzero(member[:, r]).astype(np.int64)
        u_inv = rng.random(len(members))
        u_pick = rng.random(len(members))
        for p in (0.0, 0.05, 0.6, 1.0):
            inviters = pick_inviters(members, u_inv, p, degree)
            ref_inv, ref_friends, ref_trust, ref_first = reference(
                members, u_inv, p, u_pick, indptr, degree, indices, trust, member, r)
            assert same(inviters, ref_inv)
            friends, tie_trust, first = invitation_targets(
                inviters, u_pick[:len(inviters)], indptr, degree, indices, trust, member, r)
            assert same(friends, ref_friends) and same(tie_trust, ref_trust)
            assert same(first, ref_first)


# ------------------------------------------------------------------ lead joins, content
from sim.kernels.rowscan import (community_posts, count_leads, join_draws,  # noqa: E402
                                 lead_joins_and_members, leads_and_members)


@pytest.mark.parametrize("n, n_ret", [(0, 1), (1, 1), (7, 1), (8, 1), (9, 1), (2001, 1),
                                      (5003, 1), (999, 2), (1000, 3)])
def test_lead_joins_equal_the_leads_then_the_join_draw(n, n_ret):
    rng = np.random.default_rng(n + n_ret)
    stage = rng.integers(0, 5, size=(n, n_ret)).astype(np.int8)
    member = rng.random((n, n_ret)) < 0.2
    exposures = rng.integers(0, 30, size=(n, n_ret)).astype(np.int32)
    for r in range(n_ret):
        for threshold in (0, 2, 4):
            leads, members = leads_and_members(stage, member, r, threshold)
            assert count_leads(stage, member, r, threshold) == len(leads)
            u = rng.random(len(leads))
            for scale, lift in ((0.003, 1.0), (0.5, 1.4), (1.0, 3.0)):
                args = (exposures, r, 15.0, 0.35, 0.28 * 0.42, 0.37 * 0.4)
                expected = join_draws(leads, u, np.empty(0, np.float32), scale, *args, lift)
                joined, got_members = lead_joins_and_members(
                    stage, member, r, threshold, u, exposures, 15.0, 0.35, 0.28 * 0.42,
                    0.37 * 0.4, scale, lift)
                assert same(joined, expected) and same(got_members, members)


@pytest.mark.parametrize("n", [0, 1, 17, 500])
def test_community_posts_equal_numpy(n):
    u = np.random.default_rng(n).random(n)
    post, trust, channel = community_posts(u, 0.4, 17, 16, 0.8, 5)
    assert same(post, np.where(u < 0.4, 17, 16).astype(np.int64))
    assert same(trust, np.full(n, 0.8, np.float32))
    assert same(channel, np.full(n, 5, np.int8))


@pytest.mark.parametrize("n", [0, 1, 40, 3000])
def test_unflagged_joins_equal_keep_unflagged_then_join_draws(n):
    from sim.kernels.rowscan import keep_unflagged, unflagged_joins
    rng = np.random.default_rng(n)
    flags = rng.random((n + 1, 2)) < 0.3
    exposures = rng.integers(0, 30, size=(n + 1, 2)).astype(np.int32)
    rows = np.flatnonzero(rng.random(n + 1) < 0.5).astype(np.int64)
    u = rng.random(len(rows))
    for r in range(2):
        for scale, lift in ((0.4, 1.0), (1.0, 2.5)):
            args = (exposures, r, 15.0, 0.35, 0.28 * 0.42, 0.37 * 0.4)
            kept, kept_u = keep_unflagged(rows, flags, r, u)
            expected = join_draws(kept, kept_u, np.empty(0, np.float32), scale, *args, lift)
            assert same(unflagged_joins(rows, u, flags, *args, scale, lift), expected)
