"""Compiled Watts threshold cascade, day by day (the ``threshold`` reference mode, docs/model.md).

A consumer engages once the engaged share of its ties reaches ``phi``; every day all consumers
are judged on the state at the start of the day, and the day's flips apply together. The
model's rule (:meth:`sim.engine.reference.ReferenceStep.threshold`) computes the share for
everyone with one sparse product a day; this kernel keeps each node's count of engaged ties
and judges, after the first day, only the ties of yesterday's flips (no one else's share
moved), so a run costs O(n + ties touched) instead of O(days · ties). The share is computed as
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
def _flips(v, indptr, count, engaged, phi, stamp, day, new, k):
    """Judge ``v`` once on ``day``; append it to ``new[k:]`` if it flips. Returns the new k."""
    if stamp[v] == day or engaged[v]:
        return k
    stamp[v] = day
    deg = indptr[v + 1] - indptr[v]
    if deg > 0 and np.float64(count[v]) / np.float64(max(deg, 1)) >= phi:
        new[k] = v
        k += 1
    return k


@njit(cache=True)
def _threshold_days(indptr, indices, seeds, phi, days, flips):
    """Flips on each of ``days`` days after seeding ``seeds``; writes ``flips[d]``."""
    n = len(indptr) - 1
    engaged = np.zeros(n, dtype=np.bool_)
    count = np.zeros(n, dtype=np.int64)
    stamp = np.full(n, -1, dtype=np.int64)
    new = np.empty(n, dtype=np.int64)
    last = np.empty(n, dtype=np.int64)  # yesterday's flips (the seeds before day 0)
    n_last = 0
    for s in seeds:
        if not engaged[s]:
            engaged[s] = True
            last[n_last] = s
            n_last += 1
    for q in range(n_last):
        u = last[q]
        for j in range(indptr[u], indptr[u + 1]):
            count[indices[j]] += 1
    for day in range(days):
        k = 0
        if day == 0:  # the first judgement: everyone
            for v in range(n):
                k = _flips(v, indptr, count, engaged, phi, stamp, day, new, k)
        else:  # only the ties of yesterday's flips saw their share move
            for q in range(n_last):
                u = last[q]
                for j in range(indptr[u], indptr[u + 1]):
                    k = _flips(indices[j], indptr, count, engaged, phi, stamp, day, new, k)
        flips[day] = k
        if k == 0:
            break  # nothing changed: no later day can flip anyone
        for q in range(k):
            engaged[new[q]] = True
        for q in range(k):
            u = new[q]
            last[q] = u
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
