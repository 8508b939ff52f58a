"""Incrementally maintained daily state: social proof (atmosphere) and circle saturation.

Both are functions of a boolean consumer × retailer mask that changes for a few rows a day
(consumers who engaged or became aware yesterday). Recomputing them from scratch costs a sparse
product over every tie (atmosphere) and a pass over every consumer (saturation) each day;
here only the entries whose mask changed since the last update are visited, so a day costs
O(changed entries × their degree) plus one compiled scan of the N·R byte codes (eight at a
time, no N-sized temporaries). The values are exactly those of the full recomputation
(:func:`sim.engine.diffusion.atmosphere` and the per-circle mean).

The mask is given as codes and a threshold (``stage`` and ``INTERESTED``: the mask is
``stage >= INTERESTED``) so that it is never built as an array; a boolean mask is the special
case of threshold 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Callable, Hashable

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from sim.kernels.csr import _guided_one, guide_table, searchsorted_right
from sim.kernels.bytescan import HIGH, byte_words, threshold_add

if TYPE_CHECKING:  # a graph is any object with CSR ``indptr``/``indices`` (duck-typed)
    from sim.world.graph import SocialGraph

_U1 = np.uint64(1)
_B3 = np.uint64(3)
_B7 = np.uint64(7)
_BLOCK = 16  # words tested together (128 entries): days change few entries


@njit(cache=True)
def _flip_changed(v_words, v_tail, add, threshold, m_words, m_tail):
    """Entries where ``code >= threshold`` differs from the 0/1 mask byte, and flip those bytes.

    ``v_words``/``v_tail`` and ``m_words``/``m_tail`` are the :func:`sim.kernels.bytescan.byte_words`
    views of the codes (0–127) and of the mask; ``add`` is ``threshold_add(threshold)``.
    Returns (flat entry indices, ascending int64; +1 where the mask became set, −1 where it
    was cleared, int8)."""
    entries, delta, k = _flip_scan(v_words, v_tail, add, threshold, m_words, m_tail)
    return entries[:k].copy(), delta[:k].copy()


@njit(cache=True)
def _flip_scan(v_words, v_tail, add, threshold, m_words, m_tail):
    """:func:`_flip_changed` without the copies: ``(entries, delta, k)``, the changed
    entries and their signs in the first ``k`` places of buffers sized for every entry."""
    n_words = len(v_words)
    # room for every entry (untouched pages cost nothing; no bounds checks in the loop)
    entries = np.empty(8 * n_words + len(v_tail), dtype=np.int64)
    delta = np.empty(len(entries), dtype=np.int8)
    k = 0
    for start in range(0, n_words, _BLOCK):
        stop = min(start + _BLOCK, n_words)
        any_diff = np.uint64(0)
        # branch-free (vectorised) test of the whole block, on views starting at 0 (the
        # compiler then drops the negative-index checks that kept the loop scalar)
        v_block, m_block = v_words[start:stop], m_words[start:stop]
        for w in range(len(v_block)):
            any_diff |= (v_block[w] + add) ^ (m_block[w] << _B7)
        if any_diff & HIGH == 0:
            continue
        for w in range(start, stop):
            now = (v_words[w] + add) & HIGH
            diff = now ^ (m_words[w] << _B7)
            if diff == 0:
                continue
            m_words[w] ^= diff >> _B7
            while diff:
                bit = trailing_zeros(diff)
                entries[k] = 8 * w + np.int64(bit >> _B3)
                delta[k] = 1 if (now >> bit) & _U1 else -1
                k += 1
                diff &= diff - _U1
    for j in range(len(m_tail)):  # the last size % 8 entries, one byte each
        set_now = v_tail[j] >= threshold
        if set_now != (m_tail[j] != 0):
            m_tail[j] = 1 if set_now else 0
            entries[k] = 8 * n_words + j
            delta[k] = 1 if set_now else -1
            k += 1
    return entries, delta, k


class _MaskChanges:
    """A tracked N×R boolean mask and the entries where a new mask ``values >= threshold``
    differs from it (flipping them), for the trackers below.

    ``values``: N×R bool mask (threshold 1) or byte codes in 0–127 (threshold in 0–128); any
    other array is thresholded into a bool mask first. The word views of the last ``values``
    (the same ``stage`` array every day) are kept between calls.
    """

    def __init__(self, shape: tuple[int, int]) -> None:
        self.mask = np.zeros(shape, dtype=bool)
        self._mask_views = byte_words(self.mask)
        self._last: tuple | None = None  # (values, threshold, their views)

    def __getstate__(self) -> dict:
        return {"mask": self.mask}  # views do not survive copying: rebuilt from the arrays

    def __setstate__(self, state: dict) -> None:
        self.mask = state["mask"]
        self._mask_views = byte_words(self.mask)
        self._last = None

    def flip(self, values: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
        """(flat entries that changed, ascending; +1 set / −1 cleared, int8)."""
        return _flip_changed(*self.views(values, threshold), *self._mask_views)

    def views(self, values: np.ndarray, threshold: int) -> tuple:
        """``(v_words, v_tail, add, threshold)``: the arguments of :func:`_flip_changed`
        for the mask ``values >= threshold`` (kept while ``values`` is the same byte array
        and ``threshold`` the same; other arrays are thresholded into a bool mask, threshold
        1). Raises ValueError when ``values`` has another shape than the tracked mask."""
        if values.shape != self.mask.shape:
            raise ValueError(f"mask shape {values.shape} differs from the tracked "
                             f"{self.mask.shape}")
        last = self._last
        if last is not None and last[0] is values and last[1] == threshold:
            views = last[2]
        elif values.itemsize == 1 and values.flags.c_contiguous:
            views = (*byte_words(values), threshold_add(threshold), threshold)
            self._last = (values, threshold, views)
        else:  # a snapshot, not cached
            mask = np.ascontiguousarray(values >= threshold)
            views = (*byte_words(mask), threshold_add(1), 1)
        return views


@njit(cache=True)
def _add_to_ties(entries, delta, n_cols, indptr, indices, counts):
    """Add ``delta`` of each changed (row, column) entry to the counts (N×R int32) of the
    row's ties."""
    for e in range(len(entries)):
        row = entries[e] // n_cols
        col = entries[e] - row * n_cols
        d = delta[e]
        for p in range(indptr[row], indptr[row + 1]):
            counts[indices[p], col] += d


@njit(cache=True, error_model="numpy")
def _divide_by_degree(counts, degree, share):
    """``share[:] = counts / degree[:, None]`` (N×R int32 counts, N int32 degree ≥ 1, N×R
    float64 share): one sequential pass, vectorised when R = 1."""
    n, n_cols = counts.shape
    if n_cols == 1:
        c, s = counts.reshape(n), share.reshape(n)  # views (both C-contiguous)
        for j in range(n):
            s[j] = c[j] / degree[j]
    else:
        for j in range(n):
            for col in range(n_cols):
                share[j, col] = counts[j, col] / degree[j]


@njit(cache=True, error_model="numpy")
def _add_to_ties_share(entries, delta, n_cols, indptr, indices, counts, degree, share):
    """:func:`_add_to_ties`, then the share of every count brought up to date
    (``share[i, col] = counts[i, col] / degree[i]``, the division of
    :func:`_divide_by_degree`): when the changed entries have few ties (a quarter of the
    N×R entries at most) each count is divided again as it changes, in the same pass over
    the ties; else every count in one sequential pass. Same values either way."""
    ties = 0
    for e in range(len(entries)):
        row = entries[e] // n_cols
        ties += indptr[row + 1] - indptr[row]
    if 4 * ties > counts.size:
        _add_to_ties(entries, delta, n_cols, indptr, indices, counts)
        _divide_by_degree(counts, degree, share)
        return
    # one pass: each tie's share is divided again right after its count changes, so the
    # last change of a count leaves the share of its final value
    for e in range(len(entries)):
        row = entries[e] // n_cols
        col = entries[e] - row * n_cols
        d = delta[e]
        for p in range(indptr[row], indptr[row + 1]):
            i = indices[p]
            c = counts[i, col] + d
            counts[i, col] = c
            share[i, col] = c / degree[i]


@njit(cache=True)
def _add_to_circles(entries, delta, n_cols, circle, sums):
    """Add ``delta`` of each changed (row, column) entry to its circle's sum (C×R int64)."""
    for e in range(len(entries)):
        row = entries[e] // n_cols
        col = entries[e] - row * n_cols
        sums[circle[row], col] += delta[e]


@njit(cache=True, error_model="numpy")
def _flip_ties(v_words, v_tail, add, threshold, m_words, m_tail, n_cols, indptr, indices,
               counts, degree, share):
    """:class:`NeighbourShare`'s day in one call: the mask entries that changed
    (:func:`_flip_changed`, flipping the mask) added to the counts of their rows' ties and
    their shares brought up to date (:func:`_add_to_ties_share`). Returns the number of
    changed entries."""
    entries, delta, k = _flip_scan(v_words, v_tail, add, threshold, m_words, m_tail)
    if k:
        _add_to_ties_share(entries[:k], delta[:k], n_cols, indptr, indices, counts, degree,
                           share)
    return k


@njit(cache=True)
def _flip_circles(v_words, v_tail, add, threshold, m_words, m_tail, n_cols, circle, sums,
                  sizes):
    """:class:`CircleShare`'s day in one call: the mask entries that changed
    (:func:`_flip_changed`, flipping the mask) added to their circles' sums (C×R int64,
    :func:`_add_to_circles`); returns the new C×R share ``sums / sizes[:, None]`` (float64;
    ``sizes``: members per circle, int64 ≥ 1; the float64 quotient numpy's int64 true
    division gives)."""
    entries, delta, k = _flip_scan(v_words, v_tail, add, threshold, m_words, m_tail)
    if k:
        _add_to_circles(entries[:k], delta[:k], n_cols, circle, sums)
    n_circles, n_ret = sums.shape
    out = np.empty((n_circles, n_ret), dtype=np.float64)
    for c in range(n_circles):
        size = np.float64(sizes[c])
        for col in range(n_ret):
            out[c, col] = np.float64(sums[c, col]) / size
    return out


class NeighbourShare:
    """Share of each consumer's ties whose mask is set (N×R float64, 0–1), kept up to date.

    ``update(mask)`` returns the same values as ``adjacency @ mask / max(degree, 1)``.
    """

    def __init__(self, graph: SocialGraph, n_retailers: int) -> None:
        self.graph = graph
        n = graph.n
        self.counts = np.zeros((n, n_retailers), dtype=np.int32)  # ties with the mask set
        self._changes = _MaskChanges((n, n_retailers))
        self.degree = np.maximum(graph.degree, 1).astype(np.int32)  # ties, ≥ 1
        self.share = np.zeros((n, n_retailers), dtype=np.float64)

    def update(self, values: np.ndarray, threshold: int = 1) -> np.ndarray:
        """Bring the counts to the mask ``values >= threshold`` and return the N×R share.

        ``values``: N×R bool mask (threshold 1) or byte codes in 0–127 (e.g. ``stage``, with
        ``threshold`` in 0–128). The share is the tracker's own array, refreshed in place by
        the next update (copy it to keep a day's values).
        """
        changes = self._changes
        _flip_ties(*changes.views(values, threshold), *changes._mask_views,
                   self.counts.shape[1], self.graph.indptr, self.graph.indices, self.counts,
                   self.degree, self.share)
        return self.share


class CircleShare:
    """Share of each circle's consumers whose mask is set (C×R float64, 0–1), kept up to date."""

    def __init__(self, circle: np.ndarray, circles: int, n_retailers: int) -> None:
        self.circle = circle
        self.sizes = np.maximum(np.bincount(circle, minlength=circles), 1)[:, None]
        self._sizes = np.ascontiguousarray(self.sizes[:, 0], dtype=np.int64)  # for the kernel
        self.sums = np.zeros((circles, n_retailers), dtype=np.int64)
        self._changes = _MaskChanges((len(circle), n_retailers))

    def update(self, values: np.ndarray, threshold: int = 1) -> np.ndarray:
        """Bring the sums to the mask ``values >= threshold`` (as in
        :meth:`NeighbourShare.update`) and return the C×R share (a new array)."""
        changes = self._changes
        return _flip_circles(*changes.views(values, threshold), *changes._mask_views,
                             self.sums.shape[1], self.circle, self.sums, self._sizes)


GUIDED_DRAWS = 64
"""Draws from a cached pool at or above which :class:`AttentionSampler` searches with the
pool's guide table (same picks as a binary search, fewer mispredicted branches)."""


class AttentionSampler:
    """Draws consumers from a fixed pool with probability ∝ attention to a platform × activity.

    Both weights are fixed for a run, so the cumulative weights of each pool are computed once
    (the first time a pool is asked for) and every later draw costs O(count · log pool).
    Draws are identical to :func:`sim.world.platforms.sample_by_attention` on the same pool.
    """

    def __init__(self, attention: np.ndarray, activity: np.ndarray,
                 circles: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.attention = attention
        self.activity = activity
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._tables: dict[int, tuple[np.ndarray, float]] = {}  # id(cum) -> guide table
        # () -> (consumers sorted by circle, where each circle starts): for draw_in_circles
        self._circles = circles
        # the circles' tables of every platform as rows of P × N / P × C arrays (a row is
        # filled the first time its platform is drawn on): _circle_table, circle_stack
        self._stack: tuple | None = None
        self._layout: tuple[np.ndarray, np.ndarray] | None = None  # _circle_layout

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
        returned by :meth:`pool`); :func:`draw_weighted` with a guide table kept per pool
        from :data:`GUIDED_DRAWS` draws on (a cached pool is drawn from day after day, so its
        table, built once, soon pays for itself)."""
        if count >= GUIDED_DRAWS and len(pool) and cum[-1] > 0:
            table = self._tables.get(id(cum))
            if table is None:
                table = self._tables[id(cum)] = pool_guide(cum)
            # draw_weighted's guided branch, its four array operations in one compiled call
            return _draw_guided(pool, cum, table[0], table[1], rng.random(count))
        return draw_weighted(pool, cum, count, rng)

    def draw_many(self, pools: list[tuple[np.ndarray, np.ndarray]], counts: list[int],
                  rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
        """The draws of :meth:`draw` ``(pool, cum, count, rng)`` for each (pool, cum) pair of
        ``pools`` (pairs returned by :meth:`pool`) and count (≥ 0) of ``counts``, in order and
        concatenated (int64), with the number drawn per pair (0 for an empty pool).

        Identical to calling :meth:`draw` pair by pair: each such call takes ``count``
        uniforms from ``rng.random`` and numpy's ``rng.random(a)`` then ``rng.random(b)``
        gives exactly ``rng.random(a + b)`` split, so one call covers every pair, and each
        pair's slice is scaled and searched as :func:`draw_weighted` does. A pair whose
        weights are all 0 draws integers instead; then the pairs are drawn one by one.
        """
        sizes = [c if c > 0 and len(p) else 0 for (p, _), c in zip(pools, counts)]
        if any(n and cum[-1] <= 0 for (_, cum), n in zip(pools, sizes)):
            parts = [self.draw(p, cum, n, rng) for (p, cum), n in zip(pools, sizes)]
            return (np.concatenate(parts) if parts else np.empty(0, np.int64)), sizes
        total = sum(sizes)
        out = np.empty(total, dtype=np.int64)
        if total == 0:
            return out, sizes
        u = rng.random(total)
        start = 0
        for (pool, cum), n in zip(pools, sizes):
            if n == 0:
                continue
            end = start + n
            targets = u[start:end] * cum[-1]
            if n >= GUIDED_DRAWS:
                table = self._tables.get(id(cum))
                if table is None:
                    table = self._tables[id(cum)] = pool_guide(cum)
                picks = searchsorted_right(cum, targets, table)
            else:
                picks = cum.searchsorted(targets, side="right")
            np.minimum(picks, len(pool) - 1, out=picks)
            out[start:end] = pool[picks]
            start = end
        return out, sizes

    def circle_sums(self, platform: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(order, starts, cum)``: consumers sorted by circle, where each circle starts in
        ``order`` (C + 1 entries) and, at the same positions, each circle's running sums of
        attention to ``platform`` × activity (float64, restarting at each circle; computed
        once per platform): circle ``c``'s pool is ``order[starts[c]:starts[c + 1]]`` with
        the cumulative weights :meth:`pool` gives it. Needs the ``circles`` of the
        constructor."""
        cum = self._circle_table(platform)[0]
        return (*self._circles(), cum)

    def _circle_table(self, platform: int) -> tuple:
        """(running sums as in :meth:`circle_sums`, each circle's total weight (float64, 0
        for an empty circle), the circles' guide tables and scales
        (:func:`_segment_guides`)), computed once per platform into its row of
        :meth:`circle_stack`'s arrays (views of them)."""
        built, cum2, tops2, guide2, scale2 = self.circle_stack()[2:]
        if not built[platform]:
            order, starts = self._circle_layout()
            w = self.attention[order, platform] * self.activity[order]
            cum = _segment_cumsum(w, starts)
            ends = starts[1:]
            tops2[platform] = np.where(ends > starts[:-1], cum[np.maximum(ends - 1, 0)], 0.0)
            cum2[platform] = cum
            guide2[platform], scale2[platform] = _segment_guides(cum, starts)
            built[platform] = True
        return cum2[platform], tops2[platform], guide2[platform], scale2[platform]

    def circle_stack(self) -> tuple:
        """``(order, starts, built, cum, tops, guide, scale)``: the circles' layout
        (:meth:`circle_sums`) and every platform's circle tables as rows (platform index)
        of ``cum`` (P × N float64), ``tops`` (P × C float64), ``guide`` (P × N int64) and
        ``scale`` (P × C float64), the tables of :meth:`_circle_table`; ``built[p]`` (bool)
        tells whether platform ``p``'s row is filled (:meth:`build_circle_tables`). Rows
        of platforms never drawn on stay unwritten (their pages are never touched)."""
        if self._stack is None:
            order, starts = self._circle_layout()
            n_platforms, n, n_circles = self.attention.shape[1], len(order), len(starts) - 1
            self._stack = (order, starts, np.zeros(n_platforms, dtype=np.bool_),
                           np.empty((n_platforms, n), dtype=np.float64),
                           np.empty((n_platforms, n_circles), dtype=np.float64),
                           np.empty((n_platforms, n), dtype=np.int64),
                           np.empty((n_platforms, n_circles), dtype=np.float64))
        return self._stack

    def build_circle_tables(self, platforms: np.ndarray) -> None:
        """Fill :meth:`circle_stack`'s rows of ``platforms`` (platform indices) not yet
        filled."""
        for p in np.unique(platforms).tolist():
            self._circle_table(p)

    def _circle_layout(self) -> tuple[np.ndarray, np.ndarray]:
        """(consumers sorted by circle, where each circle starts as int64), from the
        constructor's ``circles`` (asked once)."""
        if self._layout is None:
            if self._circles is None:
                raise ValueError("AttentionSampler: circle draws need the circles' layout "
                                 "(the constructor's circles)")
            order, starts = self._circles()
            self._layout = (order, np.asarray(starts, dtype=np.int64))
        return self._layout

    def draw_in_circles(self, circles: list[int], platforms: list[int], counts: list[int],
                        rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
        """For each ``(circle, platform, count ≥ 0)``, the draws of :meth:`draw` from the
        pool of ``circle``'s members on ``platform`` (``pool(circle, platform, lambda:
        members)``), in order and concatenated (int64), with the number drawn per entry (0
        for an empty circle): :meth:`draw_circles` with the sizes as a list."""
        out, sizes = self.draw_circles(np.asarray(circles, dtype=np.int64),
                                       np.asarray(platforms, dtype=np.int64),
                                       np.asarray(counts, dtype=np.int64), rng)
        return out, sizes.tolist()

    def draw_circles(self, circles: np.ndarray, platforms: np.ndarray, counts: np.ndarray,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`draw_in_circles` on int64 columns (circle, platform index and count ≥ 0
        per entry), the sizes as an int64 array: the draws of :meth:`draw_many` on those
        pools, from one ``rng.random`` call (none when nothing is drawn), the entries sized
        (:func:`circle_plan`) and searched (:func:`draw_stacked`) in one compiled call
        each."""
        order, starts, built, cum, tops, guide, scale = self.circle_stack()
        sizes, first, total, status = circle_plan(starts, circles, platforms, counts, built,
                                                  tops)
        if status == PLAN_UNBUILT:  # a platform's tables are needed for the first time
            self.build_circle_tables(platforms[sizes > 0])
            sizes, first, total, status = circle_plan(starts, circles, platforms, counts,
                                                      built, tops)
        out = np.empty(total, dtype=np.int64)
        if total == 0:
            return out, sizes
        if status == PLAN_WEIGHTLESS:  # a pool of zero weights draws integers: pool by pool
            return self._draw_pools(circles.tolist(), platforms.tolist(), counts.tolist(), rng)
        draw_stacked(order, cum, guide, scale, starts, circles, platforms, first, sizes,
                     rng.random(total), out)
        return out, sizes

    def _draw_pools(self, circles: list[int], platforms: list[int], counts: list[int],
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`draw_circles` pool by pool (:meth:`draw_many`)."""
        order, starts = self._circle_layout()
        pools = []
        for c, p in zip(circles, platforms):
            cum = self._circle_table(p)[0]
            pools.append((order[starts[c]:starts[c + 1]], cum[starts[c]:starts[c + 1]]))
        out, sizes = self.draw_many(pools, counts, rng)
        return out, np.array(sizes, dtype=np.int64)


PLAN_DRAWABLE, PLAN_UNBUILT, PLAN_WEIGHTLESS = 0, 1, 2
"""Outcomes of :func:`circle_plan`."""


@njit(cache=True)
def circle_plan(starts, circles, platforms, counts, built, tops):
    """Sizes of :meth:`AttentionSampler.draw_circles`' entries: ``counts[k]`` when > 0 and
    circle ``circles[k]`` has members (``starts[c] < starts[c + 1]``), else 0. Returns
    (sizes, each entry's first uniform = exclusive running sum of the sizes (int64), total,
    status): status :data:`PLAN_UNBUILT` when a platform drawn on has no tables yet
    (``built[p]`` false), else :data:`PLAN_WEIGHTLESS` when an entry drawn is from a circle
    whose total weight ``tops[p, circle]`` is not > 0, else :data:`PLAN_DRAWABLE`."""
    n = len(circles)
    sizes = np.zeros(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    total = 0
    unbuilt = False
    weightless = False
    for k in range(n):
        first[k] = total
        c = circles[k]
        if counts[k] > 0 and starts[c + 1] > starts[c]:
            sizes[k] = counts[k]
            total += counts[k]
            p = platforms[k]
            if not built[p]:
                unbuilt = True
            elif not tops[p, c] > 0:
                weightless = True
    status = PLAN_UNBUILT if unbuilt else (PLAN_WEIGHTLESS if weightless else PLAN_DRAWABLE)
    return sizes, first, total, status


@njit(cache=True)
def _segment_cumsum(w, starts):
    """Running sums (float64) of ``w`` restarting at every ``starts[c]``: equal, segment by
    segment, to ``np.cumsum(w[starts[c]:starts[c + 1]], dtype=np.float64)`` (both add in
    order, one float64 addition per entry)."""
    out = np.empty(len(w), dtype=np.float64)
    for c in range(len(starts) - 1):
        acc = 0.0
        for i in range(starts[c], starts[c + 1]):
            acc += np.float64(w[i])
            out[i] = acc
    return out


@njit(cache=True)
def _segment_guides(cum, starts):
    """Guide tables of the circles' running sums (:func:`_segment_cumsum`): per circle ``c``
    of ``k`` positions ``a..b-1`` with total ``top > 0``, ``scale[c] = k / top`` and, for
    each of its ``k`` equal slices of [0, top), ``guide[a + i]`` = the first position whose
    running sum exceeds ``i / scale[c]`` (a starting point: :func:`draw_stacked` walks
    from it to the exact answer whatever it is). ``scale`` is 0 for a circle without
    weight."""
    guide = np.empty(len(cum), dtype=np.int64)
    scale = np.zeros(len(starts) - 1, dtype=np.float64)
    for c in range(len(starts) - 1):
        a, b = starts[c], starts[c + 1]
        if b == a or not cum[b - 1] > 0:
            guide[a:b] = a
            continue
        k = b - a
        scale[c] = k / cum[b - 1]
        j = a
        for i in range(k):
            x = i / scale[c]
            while j < b and cum[j] <= x:
                j += 1
            guide[a + i] = j
    return guide, scale


@njit(cache=True)
def draw_stacked(order, cum, guide, scale, starts, circle, platform, first, count, u, out):
    """For each entry ``k``: ``count[k]`` draws from the pool of circle ``c = circle[k]`` on
    platform ``p = platform[k]``, ``order[a:b]`` with ``a, b = starts[c], starts[c + 1]``,
    with cumulative weights ``cum[p, a:b]`` (last one > 0; ``cum``, ``guide`` and ``scale``
    the stacked tables of :meth:`AttentionSampler.circle_stack`), from the uniforms
    ``u[first[k]:first[k] + count[k]]``, written to the same positions of ``out``. The pick
    of a uniform ``x`` is the first position whose running sum exceeds ``x × top``
    (``np.searchsorted(..., side="right")``: found from the guide table's starting point by
    walking down while the running sum before is above the target and up while it is not
    above, so exact whatever the starting point), capped at the last — exactly as
    :func:`draw_weighted`."""
    for k in range(len(circle)):
        if count[k] == 0:
            continue
        c = circle[k]
        p = platform[k]
        cp, gp = cum[p], guide[p]
        a, b = starts[c], starts[c + 1]
        top, sc = cp[b - 1], scale[p, c]
        slots = b - a
        for i in range(first[k], first[k] + count[k]):
            t = u[i] * top
            s = int(t * sc)
            s = 0 if s < 0 else (slots - 1 if s >= slots else s)
            j = gp[a + s]
            while j > a and cp[j - 1] > t:
                j -= 1
            while j < b and cp[j] <= t:
                j += 1
            out[i] = order[min(j, b - 1)]


def pool_guide(cum: np.ndarray) -> tuple[np.ndarray, float]:
    """:func:`sim.kernels.csr.guide_table` of ``cum`` (non-decreasing, last one > 0): one
    int64 answer per item, found by one linear walk."""
    return guide_table(cum)


@njit(cache=True)
def _draw_guided(pool, cum, guide, scale, u):
    """``pool[min(searchsorted_right(cum, u × cum[-1]), len(pool) - 1)]`` as int64 for the
    uniforms ``u``, searched with the guide table ``(guide, scale)`` of ``cum`` (last one > 0):
    exactly :func:`draw_weighted` with a table on the same uniforms."""
    top = cum[-1]
    last = len(pool) - 1
    out = np.empty(len(u), dtype=np.int64)
    for i in range(len(u)):
        out[i] = pool[min(_guided_one(cum, u[i] * top, guide, scale), last)]
    return out


def draw_weighted(pool: np.ndarray, cum: np.ndarray, count: int, rng: np.random.Generator,
                  table: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """``count`` draws (int64) with replacement from ``pool`` with probability ∝ weights, given
    their cumulative sums ``cum`` (float64); uniformly if the weights are all 0.

    One uniform per draw, searched in ``cum`` (``np.searchsorted(..., side="right")``); with
    a guide table when ``table`` is given or from 1,000 draws on (one built here), which gives
    the same picks in O(1) per draw.
    """
    if count <= 0 or len(pool) == 0:
        return np.empty(0, dtype=np.int64)
    if cum[-1] <= 0:
        return pool[rng.integers(0, len(pool), size=count)].astype(np.int64)
    targets = rng.random(count) * cum[-1]
    if table is not None or count >= 1000:
        picks = searchsorted_right(cum, targets, table if table is not None else pool_guide(cum))
    else:
        picks = cum.searchsorted(targets, side="right")  # the method: no dispatch wrapper
    return pool[np.minimum(picks, len(pool) - 1)].astype(np.int64)


__all__ = ["AttentionSampler", "CircleShare", "NeighbourShare", "draw_weighted"]
