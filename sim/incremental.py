"""Incrementally maintained daily state: social proof (atmosphere) and circle saturation.

Both are functions of a boolean consumer × retailer mask that changes for a few rows a day
(consumers who engaged or became aware yesterday). Recomputing them from scratch costs a sparse
product over every tie (atmosphere) and a pass over every consumer (saturation) each day;
here only the rows whose mask changed since the last update are visited, so a day costs
O(changed rows × their degree) plus one O(N·R) comparison and division. The values are exactly
those of the full recomputation (:func:`sim.diffusion.atmosphere` and the per-circle mean).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from .arrayops import flat_view
from .csr import guide_table, searchsorted_right
from .diffusion import expand_rows
from .graph import SocialGraph


def changed_rows(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Rows (consumers) where two N×R boolean masks differ in any column."""
    diff = now != before
    return np.flatnonzero(diff[:, 0] if diff.shape[1] == 1 else diff.any(axis=1))


class NeighbourShare:
    """Share of each consumer's ties whose mask is set (N×R float64, 0–1), kept up to date.

    ``update(mask)`` returns the same values as ``adjacency @ mask / max(degree, 1)``.
    """

    def __init__(self, graph: SocialGraph, n_retailers: int) -> None:
        self.graph = graph
        n = graph.n
        self.counts = np.zeros((n, n_retailers), dtype=np.int32)  # ties with the mask set
        self.mask = np.zeros((n, n_retailers), dtype=bool)
        self.degree = np.maximum(graph.degree, 1)[:, None]
        self.share = np.zeros((n, n_retailers), dtype=np.float64)  # last result (not modified)

    def update(self, mask: np.ndarray) -> np.ndarray:
        """Bring the counts to ``mask`` (N×R bool) and return the N×R share."""
        rows = changed_rows(mask, self.mask)
        if len(rows):
            delta = mask[rows].astype(np.int32) - self.mask[rows]
            owner, pos = expand_rows(self.graph.indptr, rows)
            nbr = self.graph.indices[pos]
            n_ret = mask.shape[1]
            flat = flat_view(self.counts)
            for r in range(n_ret):
                d = delta[owner, r]
                sel = d != 0
                np.add.at(flat, nbr[sel].astype(np.int64) * n_ret + r, d[sel])
            self.mask[rows] = mask[rows]
            self.share = self.counts / self.degree
        return self.share


class CircleShare:
    """Share of each circle's consumers whose mask is set (C×R float64, 0–1), kept up to date."""

    def __init__(self, circle: np.ndarray, circles: int, n_retailers: int) -> None:
        self.circle = circle
        self.sizes = np.maximum(np.bincount(circle, minlength=circles), 1)[:, None]
        self.sums = np.zeros((circles, n_retailers), dtype=np.int64)
        self.mask = np.zeros((len(circle), n_retailers), dtype=bool)

    def update(self, mask: np.ndarray) -> np.ndarray:
        """Bring the sums to ``mask`` (N×R bool) and return the C×R share (a new array)."""
        rows = changed_rows(mask, self.mask)
        if len(rows):
            delta = mask[rows].astype(np.int64) - self.mask[rows]
            circles = len(self.sums)
            for r in range(delta.shape[1]):
                self.sums[:, r] += np.bincount(self.circle[rows], weights=delta[:, r],
                                               minlength=circles).astype(np.int64)
            self.mask[rows] = mask[rows]
        return self.sums / self.sizes


class AttentionSampler:
    """Draws consumers from a fixed pool with probability ∝ attention to a platform × activity.

    Both weights are fixed for a run, so the cumulative weights of each pool are computed once
    (the first time a pool is asked for) and every later draw costs O(count · log pool).
    Draws are identical to :func:`sim.platforms.sample_by_attention` on the same pool.
    """

    def __init__(self, attention: np.ndarray, activity: np.ndarray) -> None:
        self.attention = attention
        self.activity = activity
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._tables: dict[int, tuple[np.ndarray, float]] = {}  # id(cum) -> guide table

    def pool(self, key: Hashable, platform: int,
             members: Callable[[], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(pool, cumulative weights) on ``platform`` of the consumers ``members()`` returns,
        cached under ``key`` (e.g. a circle id, or ``"everyone"``)."""
        hit = self._cache.get((key, platform))
        if hit is None:
            members = members()
            w = self.attention[members, platform] * self.activity[members]
            hit = (members, np.cumsum(w, dtype=np.float64))
            self._cache[(key, platform)] = hit
        return hit

    def draw(self, pool: np.ndarray, cum: np.ndarray, count: int,
             rng: np.random.Generator) -> np.ndarray:
        """``count`` draws with replacement from ``pool`` given its cumulative weights (a pair
        returned by :meth:`pool`)."""
        if count <= 0 or len(pool) == 0:
            return np.empty(0, dtype=np.int64)
        if cum[-1] <= 0:
            return pool[rng.integers(0, len(pool), size=count)].astype(np.int64)
        targets = rng.random(count) * cum[-1]
        if count >= 1000:  # O(1) guided searches; a guide table is built once per pool
            table = self._tables.get(id(cum))
            if table is None:
                table = self._tables[id(cum)] = guide_table(cum)
            picks = searchsorted_right(cum, targets, table)
        else:
            picks = np.searchsorted(cum, targets, side="right")
        return pool[np.minimum(picks, len(pool) - 1)].astype(np.int64)


__all__ = ["AttentionSampler", "CircleShare", "NeighbourShare", "changed_rows"]
