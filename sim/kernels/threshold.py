"""Compiled Watts threshold cascade, day by day (the ``threshold`` reference mode, docs/model.md).

A consumer engages once the engaged share of its ties reaches ``phi``; every day all consumers
are judged on the state at the start of the day, and the day's flips apply together. The
model's rule (:meth:`sim.engine.reference.ReferenceStep.threshold`) computes the share for
everyone with one sparse product a day; this kernel keeps each node's count of engaged ties
and judges, on a day after few flips, only the ties of yesterday's flips (no one else's share
moved), and on a day after many flips everyone in one pass in node order (direction-optimising,
as in breadth-first search), so a run that dies out costs O(n + ties touched) instead of
O(days · ties) and a global one at most about one pass over the ties a day. The share is computed as
the model computes it (``float64(count) / float64(max(degree, 1)) >= phi``, counts exact in
float32 below 2^24 ties), so the flips are the model's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:  # a graph is any object with CSR ``indptr``/``indices`` (duck-typed)
    from sim.world.graph import SocialGraph


@njit(inline="always")
def _judge(v, indptr, count, phi, new, k):
    """Append ``v`` to ``new[k:]`` if its engaged share of ties reaches ``phi`` (computed as
    the model computes it); returns the new k."""
    deg = indptr[v + 1] - indptr[v]
    if deg > 0 and np.float64(count[v]) / np.float64(max(deg, 1)) >= phi:
        new[k] = v
        k += 1
    return k


@njit(cache=True)
def _pull(indptr, indices, engaged, count, phi, new):
    """Count every unengaged node's engaged ties afresh (one pass in node order) and judge
    it; returns the number of flips written to ``new``."""
    k = 0
    for v in range(len(indptr) - 1):
        if engaged[v]:
            continue
        c = 0
        for j in range(indptr[v], indptr[v + 1]):
            c += engaged[indices[j]]
        count[v] = c
        k = _judge(v, indptr, count, phi, new, k)
    return k


@njit(cache=True)
def _push(indptr, indices, engaged, count, phi, last, n_last, stamp, day, new):
    """Judge the unengaged ties of yesterday's ``n_last`` flips ``last`` (each once: ``stamp``),
    whose counts are up to date; returns the number of flips written to ``new``."""
    k = 0
    for q in range(n_last):
        u = last[q]
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            if stamp[v] != day and not engaged[v]:
                stamp[v] = day
                k = _judge(v, indptr, count, phi, new, k)
    return k


@njit(cache=True)
def _threshold_days(indptr, indices, seeds, phi, days, flips):
    """Flips on each of ``days`` days after seeding ``seeds``; writes ``flips[d]``.

    A day judges either the ties of yesterday's flips from kept counts (*push*: their work is
    the flips' ties, in random order) or every unengaged node from fresh counts (*pull*: one
    pass over all ties in node order), whichever touches fewer ties, counting a pull at a
    quarter of its ties for its memory order; the first day pulls. Both give the same counts.
    """
    n = len(indptr) - 1
    engaged = np.zeros(n, dtype=np.bool_)
    count = np.zeros(n, dtype=np.int64)
    stamp = np.full(n, -1, dtype=np.int64)
    new = np.empty(n, dtype=np.int64)
    last = np.empty(n, dtype=np.int64)  # yesterday's flips
    for s in seeds:
        engaged[s] = True
    pull, n_last = True, 0
    for day in range(days):
        if pull:
            k = _pull(indptr, indices, engaged, count, phi, new)
        else:
            k = _push(indptr, indices, engaged, count, phi, last, n_last, stamp, day, new)
        flips[day] = k
        if k == 0:
            break  # nothing changed: no later day can flip anyone
        work = 0
        for q in range(k):
            u = new[q]
            engaged[u] = True
            last[q] = u
            work += indptr[u + 1] - indptr[u]
        pull = 4 * work > len(indices)
        if not pull:  # tomorrow pushes: bring the counts up to date with today's flips
            for q in range(k):
                u = last[q]
                for j in range(indptr[u], indptr[u + 1]):
                    count[indices[j]] += 1
        n_last = k


def threshold_by_day(graph: SocialGraph, seeds: np.ndarray, phi: float,
                     days: int) -> np.ndarray:
    """Consumers flipping on each of ``days`` days of a Watts threshold cascade from ``seeds``
    (engaged before the first of them), int64 of length ``days``.

    Args:
        graph: the (symmetric CSR) graph.
        seeds: initially engaged node ids (0..n-1; duplicates ignored).
        phi: the threshold, the engaged share of one's ties that makes one engage (0–1).
        days: days to run.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    if len(seeds) and (seeds.min() < 0 or seeds.max() >= graph.n):
        raise ValueError(f"seed ids must be in [0, {graph.n - 1}]")
    flips = np.zeros(max(0, days), dtype=np.int64)
    if days > 0:
        _threshold_days(graph.indptr, graph.indices, seeds, float(phi), days, flips)
    return flips


__all__ = ["threshold_by_day"]
