"""Sorting and searching kernels for building large graphs (used by :mod:`sim.world.graph`), and
counting CSR rows (used by the share and cascade kernels).

Node ids are integers below n, so pairs of them sort in linear time by a compiled radix sort
instead of an O(pairs · log pairs) comparison sort, and the symmetric CSR of ties already
sorted by (lo, hi) is filled in two passes. Every function returns exactly what the
numpy expression named in its docstring returns.

The passes over tens of millions of pairs (:func:`pick_pairs`, :func:`unique_ties`,
:func:`symmetric_csr`, :func:`symmetric_csr_with`, :func:`tie_trust`, :func:`flags_below`,
:func:`take`) run on a few threads from a million items on (:mod:`sim.kernels.threads`).
Pairs and ties are counted and placed in index chunks, one per thread, with a slot counter per
chunk and row so that each chunk's entries of a row follow the earlier chunks' (rows list them
in index order, as one pass would); rows are then sorted and written in row ranges that each
thread alone touches. The output is the same array, bit for bit, for any thread count. The
``threads`` argument forces a split (1 = serial); by default
:func:`sim.kernels.threads.chunks_for` decides.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.threads import bounds, chunks_for, quantile_cuts, run_calls, run_ranges

_DIGIT = 11  # radix digit width: 2048 buckets per pass stay in cache


@njit(cache=True)
def row_total(indptr, rows):
    """Number of CSR entries in ``rows`` (repeated rows counted again):
    ``int((indptr[rows + 1] - indptr[rows]).sum())``."""
    total = 0
    for r in rows:
        total += indptr[r + 1] - indptr[r]
    return total


@njit(cache=True)
def _radix_sort_pairs(keys, key_bits):
    """Stable LSD radix sort of non-negative int64 ``keys``: (sorted keys, original index).

    Keys and indices travel together, so every pass reads sequentially and scatters into
    2048 buckets (cache-friendly even for tens of millions of keys)."""
    m = len(keys)
    k_cur, k_tmp = keys.copy(), np.empty(m, dtype=np.int64)
    i_cur, i_tmp = np.arange(m), np.empty(m, dtype=np.int64)
    mask = (1 << _DIGIT) - 1
    shift = 0
    while shift < key_bits:
        counts = np.zeros(mask + 2, dtype=np.int64)
        for j in range(m):
            counts[((k_cur[j] >> shift) & mask) + 1] += 1
        for d in range(mask + 1):
            counts[d + 1] += counts[d]
        for j in range(m):
            d = (k_cur[j] >> shift) & mask
            k_tmp[counts[d]] = k_cur[j]
            i_tmp[counts[d]] = i_cur[j]
            counts[d] += 1
        k_cur, k_tmp = k_tmp, k_cur
        i_cur, i_tmp = i_tmp, i_cur
        shift += _DIGIT
    return k_cur, i_cur


def unique_pairs(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pairs (lo, hi) of node ids < n sorted by (lo, hi), and the index of each pair's
    first occurrence: with ``key, first = np.unique(lo * n + hi, return_index=True)`` the
    result is ``(key // n, key % n, first)``, by a stable radix sort of the keys (a few
    sequential passes instead of a comparison sort)."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if len(lo) != len(hi):
        raise ValueError("lo and hi must have the same length")
    if len(lo) == 0:
        return lo, hi, np.empty(0, np.int64)
    key, order = _radix_sort_pairs(lo * n + hi, max(1, (n * n - 1).bit_length()))
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    key = key[first]
    return key // n, key % n, order[first]


_SAMPLE = 1 << 16  # pairs sampled to balance row ranges between threads


def _row_cuts(n: int, parts: int, *rows: np.ndarray) -> np.ndarray:
    """Cut points of ``range(n)`` into ``parts`` row ranges holding similar numbers of the
    given row ids (a strided sample of each array decides)."""
    if parts == 1:
        return np.array([0, n], dtype=np.int64)
    sample = np.concatenate([r[::max(1, len(r) // _SAMPLE)] for r in rows])
    return quantile_cuts(sample, n, parts)


def _place_ranges(starts: np.ndarray, cuts: np.ndarray, totals: list[int]) -> int:
    """Turn per-range running counts (``starts[a + 1 : b + 1]`` counted from 0 in each range
    ``a:b``) into global running counts by adding each range's exclusive prefix; returns the
    grand total."""
    offset = 0
    for i, total in enumerate(totals):
        a, b = int(cuts[i]), int(cuts[i + 1])
        if offset and b > a:
            starts[a + 1:b + 1] += offset
        offset += int(total)
    return offset


@njit(cache=True, nogil=True)
def _csr_count(lo, hi, cnt, k, e0, e1):
    """Ties e0..e1-1 (chunk ``k``): entries per row into ``cnt[0, k]`` (row hi, column lo)
    and ``cnt[1, k]`` (row lo, column hi)."""
    below, above = cnt[0, k], cnt[1, k]
    for e in range(e0, e1):
        below[hi[e]] += 1
        above[lo[e]] += 1
    return 0


@njit(cache=True, nogil=True)
def _csr_rows(cnt, indptr, r0, r1):
    """Rows r0..r1-1: entry totals as running counts from 0 into ``indptr[r0 + 1 : r1 + 1]``;
    returns the range's total."""
    total = 0
    for r in range(r0, r1):
        for side in range(2):
            for k in range(cnt.shape[1]):
                total += cnt[side, k, r]
        indptr[r + 1] = total
    return total


@njit(cache=True, nogil=True)
def _csr_slots(cnt, indptr, r0, r1):
    """Rows r0..r1-1: ``cnt[side, k, r]`` becomes the first slot of chunk k's entries of that
    side in row r: first the ties to lower ids chunk by chunk, then those to higher ids."""
    for r in range(r0, r1):
        p = indptr[r]
        for side in range(2):
            for k in range(cnt.shape[1]):
                c = cnt[side, k, r]
                cnt[side, k, r] = p
                p += c
    return 0


@njit(cache=True, nogil=True)
def _csr_fill(lo, hi, cnt, cols, edge, trust, strong, trust_out, strong_out, k, e0, e1):
    """Place the two entries of ties e0..e1-1 (chunk ``k``): columns, and the tie (``edge``)
    or the tie's ``trust``/``strong`` when those outputs are not empty."""
    below, above = cnt[0, k], cnt[1, k]
    with_edge = len(edge) > 0
    with_attrs = len(trust_out) > 0
    touched = 0.0
    for s0 in range(e0, e1, _BLOCK):
        s1 = min(s0 + _BLOCK, e1)
        for e in range(s0, s1):  # read ahead: the block's slot counters and slots in flight
            p = below[hi[e]]     # together (values summed only to keep the reads)
            touched += cols[p]
            if with_attrs:
                touched += trust_out[p]
        for e in range(s0, s1):
            _place_tie(e, lo[e], hi[e], below, above, cols, edge, trust, strong, trust_out,
                       strong_out, with_edge, with_attrs)
    return touched


@njit(cache=True)
def _symmetric_small(lo, hi, n, edge, trust, strong, trust_out, strong_out):
    """(indptr, cols) of the symmetric CSR in one call, for ties that fit in cache: entries
    per row counted, then each tie's two entries placed (row hi: ties to lower ids first;
    row lo: ties to higher ids after them), in tie order, as :func:`_csr_fill` places them."""
    m = len(lo)
    below = np.zeros(n, dtype=np.int64)  # per row: entries to lower ids, then their next slot
    above = np.zeros(n, dtype=np.int64)  # per row: entries to higher ids, then their next slot
    for e in range(m):
        below[hi[e]] += 1
        above[lo[e]] += 1
    indptr = np.empty(n + 1, dtype=np.int64)
    indptr[0] = 0
    for r in range(n):
        p = indptr[r]
        indptr[r + 1] = p + below[r] + above[r]
        above[r] = p + below[r]
        below[r] = p
    cols = np.empty(2 * m, dtype=np.int32)
    with_edge = len(edge) > 0
    with_attrs = len(trust_out) > 0
    for e in range(m):
        _place_tie(e, lo[e], hi[e], below, above, cols, edge, trust, strong, trust_out,
                   strong_out, with_edge, with_attrs)
    return indptr, cols


@njit(cache=True, inline="always")
def _place_tie(e, a, b, below, above, cols, edge, trust, strong, trust_out, strong_out,
               with_edge, with_attrs):
    """Place tie ``e`` (``a`` < ``b``) at its two next slots: row ``b``'s entry to the lower
    id ``a`` (slot ``below[b]``) and row ``a``'s entry to the higher id ``b`` (slot
    ``above[a]``), with its edge index and attributes when asked; advances both slots."""
    p = below[b]
    q = above[a]
    below[b] = p + 1
    above[a] = q + 1
    cols[p] = a
    cols[q] = b
    if with_edge:
        edge[p] = e
        edge[q] = e
    if with_attrs:
        trust_out[p] = trust_out[q] = trust[e]
        strong_out[p] = strong_out[q] = strong[e]


def _symmetric(lo, hi, n, edge, trust, strong, trust_out, strong_out, threads):
    """(indptr, cols) of the symmetric CSR, filling the given per-entry outputs: ties are
    counted and placed in index chunks, one per thread, each chunk's entries of a row in the
    slots after the earlier chunks' (so rows list them in tie order, as one pass would).
    Below :data:`SMALL_TIES` entries with the default ``threads``: one call
    (:func:`_symmetric_small`)."""
    if threads is None and 2 * len(lo) < SMALL_TIES:
        return _symmetric_small(lo, hi, n, edge, trust, strong, trust_out, strong_out)
    parts = chunks_for(2 * len(lo), threads)
    edges = bounds(len(lo), parts)
    chunks = [(k, int(edges[k]), int(edges[k + 1])) for k in range(parts)]
    rows = bounds(n, parts)
    # per side, chunk and row: entries, then first slot (int32 while slots fit)
    cnt = np.zeros((2, parts, n), dtype=np.int32 if 2 * len(lo) < 2**31 else np.int64)
    run_calls(_csr_count, [(lo, hi, cnt, *c) for c in chunks])
    indptr = np.zeros(n + 1, dtype=np.int64)
    _place_ranges(indptr, rows, run_ranges(_csr_rows, rows, cnt, indptr))
    run_ranges(_csr_slots, rows, cnt, indptr)
    cols = np.empty(2 * len(lo), dtype=np.int32)
    run_calls(_csr_fill, [(lo, hi, cnt, cols, edge, trust, strong, trust_out, strong_out, *c)
                          for c in chunks])
    return indptr, cols


def symmetric_csr(lo: np.ndarray, hi: np.ndarray, n: int,
                  threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR of distinct ties sorted by (lo, hi) with lo < hi: ``(indptr, indices,
    edge)``, where ``edge[j]`` is the tie of entry j (to carry per-tie attributes). Entries are
    in (row, column) order, as ``np.lexsort((cols, rows))`` orders ``rows = [lo, hi]``,
    ``cols = [hi, lo]``: in row r the ties to lower ids (ascending) precede those to higher.
    ``lo``/``hi`` may be int32 or int64 (not copied); ``edge`` is int32 below 2³¹ ties.
    Row ranges are filled on ``threads`` threads (default: see the module docstring)."""
    lo, hi = _ids(lo), _ids(hi)
    edge = np.empty(2 * len(lo), dtype=np.int32 if len(lo) < 2**31 else np.int64)
    indptr, cols = _symmetric(lo, hi, n, edge, np.empty(0, np.float32), np.empty(0, bool),
                              np.empty(0, np.float32), np.empty(0, bool), threads)
    return indptr, cols, edge


def symmetric_csr_with(lo: np.ndarray, hi: np.ndarray, n: int, trust: np.ndarray,
                       strong: np.ndarray, threads: int | None = None,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`symmetric_csr` carrying one float32 ``trust`` and one bool ``strong`` per tie:
    ``(indptr, indices, trust[edge], strong[edge])``, written while the entries are placed
    (no ``edge`` array, no gathers over the entries)."""
    lo, hi = _ids(lo), _ids(hi)
    trust = np.ascontiguousarray(trust, dtype=np.float32)
    strong = np.ascontiguousarray(strong, dtype=bool)
    if len(trust) != len(lo) or len(strong) != len(lo):
        raise ValueError("trust and strong need one value per tie")
    trust_out = np.empty(2 * len(lo), dtype=np.float32)
    strong_out = np.empty(2 * len(lo), dtype=bool)
    indptr, cols = _symmetric(lo, hi, n, np.empty(0, np.int32), trust, strong, trust_out,
                              strong_out, threads)
    return indptr, cols, trust_out, strong_out


def _ids(x: np.ndarray) -> np.ndarray:
    """Node ids as int32 or int64 without a copy when they already are."""
    x = np.asarray(x)
    return x if x.dtype in (np.int32, np.int64) else x.astype(np.int64)


@njit(cache=True)
def _row_sort(a, s, t):
    """Sort ``a[s:t]`` in place (insertion sort for short rows)."""
    if t - s > 32:
        a[s:t].sort()
        return
    for j in range(s + 1, t):
        x = a[j]
        k = j - 1
        while k >= s and a[k] > x:
            a[k + 1] = a[k]
            k -= 1
        a[k + 1] = x


@njit(cache=True, nogil=True)
def _tie_count(u, v, cnt, k, e0, e1):
    """Pairs e0..e1-1 (chunk ``k``): non-self pairs per smaller id into ``cnt[k]``."""
    c = cnt[k]
    for e in range(e0, e1):
        a, b = u[e], v[e]
        if a != b:
            c[min(a, b)] += 1
    return 0


@njit(cache=True, nogil=True)
def _tie_rows(cnt, starts, r0, r1):
    """Rows r0..r1-1: their pair totals as running counts from 0 into
    ``starts[r0 + 1 : r1 + 1]``; returns the range's total."""
    total = 0
    for r in range(r0, r1):
        for k in range(cnt.shape[0]):
            total += cnt[k, r]
        starts[r + 1] = total
    return total


@njit(cache=True, nogil=True)
def _tie_slots(cnt, starts, r0, r1):
    """Rows r0..r1-1: ``cnt[k, r]`` becomes where chunk k's pairs of row r start (the chunks'
    pairs follow each other in pair order within the row)."""
    for r in range(r0, r1):
        p = starts[r]
        for k in range(cnt.shape[0]):
            c = cnt[k, r]
            cnt[k, r] = p
            p += c
    return 0


@njit(cache=True, nogil=True)
def _tie_scatter(u, v, cnt, packed, ibits, k, e0, e1):
    """Pairs e0..e1-1 (chunk ``k``) as ``hi · 2^ibits + index`` keys into their rows' slots."""
    pos = cnt[k]
    for e in range(e0, e1):
        a, b = u[e], v[e]
        if a != b:
            r = min(a, b)
            packed[pos[r]] = (np.int64(max(a, b)) << ibits) | e
            pos[r] += 1
    return 0


@njit(cache=True, nogil=True)
def _tie_sort(packed, starts, ibits, r0, r1):
    """Sort each row r0..r1-1 of ``packed``; returns the rows' number of distinct ties."""
    distinct = 0
    for r in range(r0, r1):
        _row_sort(packed, starts[r], starts[r + 1])
        prev = -1
        for j in range(starts[r], starts[r + 1]):
            h = packed[j] >> ibits
            if h != prev:
                distinct += 1
                prev = h
    return distinct


@njit(cache=True, nogil=True)
def _tie_emit(packed, starts, ibits, lo, hi, first, k, r0, r1):
    """Write the distinct ties of rows r0..r1-1 from output position ``k`` on."""
    mask = (np.int64(1) << ibits) - 1
    for r in range(r0, r1):
        prev = -1
        for j in range(starts[r], starts[r + 1]):
            h = packed[j] >> ibits
            if h != prev:
                lo[k], hi[k], first[k] = r, h, packed[j] & mask
                k += 1
                prev = h
    return k


def _unique_ties(u, v, n, ibits, threads=None):
    """The packed path of :func:`unique_ties`: pairs are counted and scattered in index
    chunks (each chunk's pairs of a row take the slots after the earlier chunks', so every
    row lists its pairs in index order, as one pass would), rows are sorted and emitted in row
    ranges balanced by a sample of the pairs' smaller ids."""
    parts = chunks_for(len(u), threads)
    edges = bounds(len(u), parts)
    chunks = [(k, int(edges[k]), int(edges[k + 1])) for k in range(parts)]
    if parts > 1:
        step = max(1, len(u) // _SAMPLE)
        cuts = _row_cuts(n, parts, np.minimum(u[::step], v[::step]))
    else:
        cuts = np.array([0, n], dtype=np.int64)
    # per chunk and row: pairs, then first slot (int32 while slots fit)
    cnt = np.zeros((parts, n), dtype=np.int32 if len(u) < 2**31 else np.int64)
    run_calls(_tie_count, [(u, v, cnt, *c) for c in chunks])
    starts = np.zeros(n + 1, dtype=np.int64)
    total = _place_ranges(starts, cuts, run_ranges(_tie_rows, cuts, cnt, starts))
    run_ranges(_tie_slots, cuts, cnt, starts)
    packed = np.empty(total, dtype=np.int64)  # per lo row: hi in the high bits, pair below
    run_calls(_tie_scatter, [(u, v, cnt, packed, ibits, *c) for c in chunks])
    del cnt
    distinct = run_ranges(_tie_sort, cuts, packed, starts, ibits)
    lo = np.empty(sum(distinct), dtype=np.int32)
    hi = np.empty(len(lo), dtype=np.int32)
    first = np.empty(len(lo), dtype=np.int64)
    out = np.concatenate([[0], np.cumsum(distinct)])
    run_calls(_tie_emit, [(packed, starts, ibits, lo, hi, first, int(out[i]), int(cuts[i]),
                           int(cuts[i + 1])) for i in range(len(cuts) - 1)])
    return lo, hi, first


SMALL_TIES = 1 << 20
"""Raw pairs below which :func:`unique_ties` (with the default ``threads``) takes the
counting-sort kernel :func:`_unique_small`: two stable counting sorts (by the larger id, then
by the smaller) in one compiled call, about 20 bytes of scratch per pair and two counters per
node, all in cache at this size (2.0 -> 0.6 ms for 75,000 pairs at 10,000 consumers), where
the packed path sorts every row and makes six calls."""


@njit(cache=True)
def _unique_small(u, v, n):
    """:func:`unique_ties` of pairs (u, v) of ids < n in one call: the non-self pairs are
    counting-sorted stably by their larger id, then stably by their smaller, so each (lo, hi)
    run lists its pairs in index order and its first entry is the first occurrence. Every
    pass reads its input in order (the pair's smaller id travels packed with its index)."""
    m = len(u)
    at_hi = np.zeros(n + 1, dtype=np.int64)
    at_lo = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        a, b = u[e], v[e]
        if a != b:
            at_hi[max(a, b) + 1] += 1
            at_lo[min(a, b) + 1] += 1
    for r in range(n):
        at_hi[r + 1] += at_hi[r]
        at_lo[r + 1] += at_lo[r]
    total = at_hi[n]
    by_hi = np.empty(total, dtype=np.int64)  # lo · 2^32 + index, sorted by hi (then index)
    for e in range(m):
        a, b = u[e], v[e]
        if a != b:
            h = max(a, b)
            by_hi[at_hi[h]] = (np.int64(min(a, b)) << 32) | e
            at_hi[h] += 1
    ranked = np.empty(total, dtype=np.int64)  # pair indices sorted by (lo, hi, index)
    hs = np.empty(total, dtype=np.int32)
    j = 0
    for h in range(n):  # at_hi[h] is now the end of row h
        while j < at_hi[h]:
            x = by_hi[j]
            lo = x >> 32
            q = at_lo[lo]
            ranked[q] = x & 0xFFFFFFFF
            hs[q] = h
            at_lo[lo] = q + 1
            j += 1
    lo_out = np.empty(total, dtype=np.int32)
    hi_out = np.empty(total, dtype=np.int32)
    first = np.empty(total, dtype=np.int64)
    k = 0
    j = 0
    for r in range(n):  # at_lo[r] is now the end of row r
        prev = -1
        while j < at_lo[r]:
            h = hs[j]
            if h != prev:
                lo_out[k], hi_out[k], first[k] = r, h, ranked[j]
                k += 1
                prev = h
            j += 1
    return lo_out[:k].copy(), hi_out[:k].copy(), first[:k].copy()


def unique_ties(u: np.ndarray, v: np.ndarray, n: int,
                threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct undirected ties among raw pairs (u, v) of node ids < n (< 2³¹), self-pairs
    dropped: ``(lo, hi, first)`` sorted by (lo, hi), int32 ids, ``first`` the index into the
    raw pairs of each tie's first occurrence. Equals ``unique_pairs`` of the non-self pairs
    with ``first`` mapped back to raw indices (``np.flatnonzero(u != v)[first]``).

    One counting pass by the smaller id and a sort of each (short) row of packed
    ``hi · 2^b + index`` keys: about 8 bytes of scratch per pair, against 40 for the radix sort,
    which matters at 10⁷ consumers (≈ 75 million pairs). Rows are split into ranges of similar
    pair counts, one per thread (``threads``; default: see the module docstring). Below
    :data:`SMALL_TIES` pairs with the default ``threads``, one counting-sort call
    (:func:`_unique_small`) gives the same arrays."""
    u, v = _ids(u), _ids(v)
    if len(u) != len(v):
        raise ValueError("u and v must have the same length")
    ibits = max(1, (len(u) - 1).bit_length())
    if n >= 2**31 or ibits + max(1, (n - 1).bit_length()) > 63:
        keep = np.flatnonzero(u != v)
        a, b = u[keep].astype(np.int64), v[keep].astype(np.int64)
        lo, hi, first = unique_pairs(np.minimum(a, b), np.maximum(a, b), n)
        return lo, hi, keep[first]
    if threads is None and len(u) < SMALL_TIES:
        return _unique_small(u, v, n)
    return _unique_ties(u, v, n, ibits, threads)


@njit(cache=True)
def _circle_sums(cum, starts):
    """Per circle: the running sum before its block and at its end (read for every inside
    pick)."""
    k = len(starts) - 1
    base_of = np.empty(k, dtype=np.float64)
    top_of = np.empty(k, dtype=np.float64)
    for c in range(k):
        base_of[c] = cum[starts[c] - 1] if starts[c] > 0 else 0.0
        top_of[c] = cum[starts[c + 1] - 1] if starts[c + 1] > 0 else 0.0
    return base_of, top_of


@njit(cache=True, nogil=True)
def _merge_ties(lo, hi, first, lo2, hi2, first2, offset, out_lo, out_hi, out_first):
    """Merge two (lo, hi)-sorted tie lists, the old one winning ties present in both; with
    empty outputs only count the merged ties."""
    write = len(out_lo) > 0
    i = j = k = 0
    m, m2 = len(lo), len(lo2)
    while i < m or j < m2:
        if j >= m2:
            take_old, skip_new = True, False
        elif i >= m:
            take_old, skip_new = False, False
        else:
            a, b = lo[i], lo2[j]
            if a == b:
                a, b = hi[i], hi2[j]
            take_old, skip_new = a <= b, a == b
        if take_old:
            if write:
                out_lo[k], out_hi[k], out_first[k] = lo[i], hi[i], first[i]
            i += 1
            if skip_new:
                j += 1
        else:
            if write:
                out_lo[k], out_hi[k], out_first[k] = lo2[j], hi2[j], first2[j] + offset
            j += 1
        k += 1
    return k


def add_ties(lo: np.ndarray, hi: np.ndarray, first: np.ndarray, u2: np.ndarray,
             v2: np.ndarray, n: int, offset: int,
             threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ties after appending raw pairs (u2, v2) to raw pairs whose distinct ties are
    ``(lo, hi, first)`` (from :func:`unique_ties`, ``offset`` of them): equals
    ``unique_ties(concatenate([u, u2]), concatenate([v, v2]), n)`` without sorting the old
    pairs again. A tie already present keeps its old first occurrence (old indices are
    smaller); a new one gets ``offset +`` its first index in (u2, v2). O(old ties + new
    pairs), two sequential merges."""
    if len(lo) != len(hi) or len(lo) != len(first):
        raise ValueError("lo, hi and first must have the same length")
    if n >= 2**31:
        raise ValueError(f"add_ties needs node ids below 2**31, got n = {n}")
    lo2, hi2, first2 = unique_ties(u2, v2, n, threads)
    if len(lo) < SMALL_TIES:  # one merge into room for every tie, cut to the merged length
        room = len(lo) + len(lo2)
        out_lo = np.empty(room, dtype=np.int32)
        out_hi = np.empty(room, dtype=np.int32)
        out_first = np.empty(room, dtype=np.int64)
        total = _merge_ties(lo, hi, first, lo2, hi2, first2, offset, out_lo, out_hi, out_first)
        return out_lo[:total], out_hi[:total], out_first[:total]
    total = _merge_ties(lo, hi, first, lo2, hi2, first2, offset, np.empty(0, np.int32),
                        np.empty(0, np.int32), np.empty(0, np.int64))
    out_lo = np.empty(total, dtype=np.int32)
    out_hi = np.empty(total, dtype=np.int32)
    out_first = np.empty(total, dtype=np.int64)
    _merge_ties(lo, hi, first, lo2, hi2, first2, offset, out_lo, out_hi, out_first)
    return out_lo, out_hi, out_first


_BLOCK = 64  # pairs per stage of the blocked pick (independent memory reads in flight)


@njit(cache=True, nogil=True)
def _pick_range(cum, guide, scale, starts, order, inside, r1, r2, base_of, top_of, u, v, i0,
                i1):
    """Pairs i0..i1-1 of :func:`pick_pairs` into ``u``, ``v``.

    Blocks of ``_BLOCK`` pairs go through the search stage by stage (guide entries of all
    first endpoints, then their scans, then the partners' guide entries and scans, then the
    ``order`` reads), so each stage's cache misses are independent and overlap; every pair
    gets exactly the arithmetic of :func:`_guided_one`."""
    n, k = len(cum), len(guide)
    top_all = cum[n - 1]
    ja = np.empty(_BLOCK, dtype=np.int64)
    tb = np.empty(_BLOCK, dtype=np.float64)
    jb = np.empty(_BLOCK, dtype=np.int64)
    hb = np.empty(_BLOCK, dtype=np.int64)
    for s0 in range(i0, i1, _BLOCK):
        s1 = min(s0 + _BLOCK, i1)
        w = s1 - s0
        for q in range(w):  # first endpoints: guide entries
            t = r1[s0 + q] * top_all
            g = int(t * scale)
            g = 0 if g < 0 else (k - 1 if g >= k else g)
            ja[q] = guide[g]
        for q in range(w):  # first endpoints: scans; partners' targets and guide entries
            t = r1[s0 + q] * top_all
            j = _scan(cum, t, ja[q])
            a = min(j, n - 1)
            ja[q] = a
            hi, base, top = n, 0.0, top_all
            if inside[s0 + q]:
                c = np.searchsorted(starts, a, side="right") - 1  # a's circle (in cache)
                hi, base, top = starts[c + 1], base_of[c], top_of[c]
            t = base + r2[s0 + q] * (top - base)
            tb[q] = t
            hb[q] = hi
            g = int(t * scale)
            g = 0 if g < 0 else (k - 1 if g >= k else g)
            jb[q] = guide[g]
        for q in range(w):  # partners: scans
            jb[q] = min(_scan(cum, tb[q], jb[q]), hb[q] - 1)
        for q in range(w):
            u[s0 + q] = order[ja[q]]
            v[s0 + q] = order[jb[q]]
    return 0


@njit(cache=True, nogil=True)
def _pick_small(cum, guide, scale, starts, position_circle, order, inside, r1, r2, base_of,
                top_of, u, v):
    """All pairs of :func:`pick_pairs` into ``u``, ``v`` for a ``cum`` that stays in cache
    (see :data:`SMALL_PICK`), in three passes over the pairs: every first endpoint, then every
    partner's target and range end, then every partner. Within a pass the pairs do not wait on
    each other, so their reads overlap (one pair at a time, each partner waited on its first
    endpoint's scan). The first endpoint's circle is read from ``position_circle`` (circle of
    each laid-out position) instead of a binary search of ``starts``, and the scans are
    :func:`_scan_step`; the arithmetic of :func:`_guided_one`, so the same pairs as
    :func:`_pick_range`."""
    n, k = len(cum), len(guide)
    m = len(r1)
    top_all = cum[n - 1]
    first = np.empty(m, dtype=np.int32)
    end = np.empty(m, dtype=np.int32)
    target = np.empty(m, dtype=np.float64)
    for i in range(m):
        t = r1[i] * top_all
        g = int(t * scale)
        g = 0 if g < 0 else (k - 1 if g >= k else g)
        first[i] = min(_scan_step(cum, t, guide[g]), n - 1)
    for i in range(m):
        c = position_circle[first[i]]
        ins = inside[i]
        end[i] = starts[c + 1] if ins else n
        base = base_of[c] if ins else 0.0
        top = top_of[c] if ins else top_all
        target[i] = base + r2[i] * (top - base)
    for i in range(m):
        t = target[i]
        g = int(t * scale)
        g = 0 if g < 0 else (k - 1 if g >= k else g)
        b = min(_scan_step(cum, t, guide[g]), end[i] - 1)
        u[i] = order[first[i]]
        v[i] = order[b]
    return 0


@njit(cache=True, nogil=True, inline="always")
def _scan_step(cum, t, j):
    """:func:`_scan` with its first forward step taken without a branch."""
    n = len(cum)
    while j > 0 and cum[j - 1] > t:
        j -= 1
    if j < n:
        j += cum[j] <= t
        while j < n and cum[j] <= t:
            j += 1
    return j


SMALL_PICK = 1 << 18
"""Consumers up to which :func:`pick_pairs` takes the three-pass kernel (:func:`_pick_small`):
its running sums, guide table and layout (about 6 MB at most) stay in cache, where the blocked
kernel's stages only add work (2.6 -> 1.7 ms for 75,000 pairs at 10,000 consumers; three
passes instead of one pair at a time and a guide table of two slices per consumer,
:func:`guide_table`, 1.6 -> 0.9 ms)."""


@njit(cache=True, nogil=True)
def _scan(cum, t, j):
    """From a guide entry ``j``: ``np.searchsorted(cum, t, side="right")``."""
    n = len(cum)
    while j > 0 and cum[j - 1] > t:
        j -= 1
    while j < n and cum[j] <= t:
        j += 1
    return j


@njit(cache=True, nogil=True)
def _guided_one(cum, t, guide, scale):
    """``np.searchsorted(cum, t, side="right")`` from the guide table's starting point."""
    n, k = len(cum), len(guide)
    b = int(t * scale)
    b = 0 if b < 0 else (k - 1 if b >= k else b)
    j = guide[b]
    while j > 0 and cum[j - 1] > t:
        j -= 1
    while j < n and cum[j] <= t:
        j += 1
    return j


def pick_pairs(cum: np.ndarray, starts: np.ndarray, order: np.ndarray, inside: np.ndarray,
               r1: np.ndarray, r2: np.ndarray,
               table: tuple[np.ndarray, float] | None = None,
               threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Tie endpoints of a degree-corrected planted partition, given the uniforms.

    Consumers are laid out by circle (``order``: rows by circle; ``cum``: running sums of their
    weights in that layout, last > 0; circle c holds positions ``starts[c]:starts[c + 1]``).
    Pair i's first endpoint is the position ``a = searchsorted(cum, r1[i] · cum[-1], "right")``
    (clamped to n − 1); its partner is drawn the same way with ``r2[i]`` inside a's circle
    when ``inside[i]``, else among everyone: target ``base + r2 · (top − base)`` with ``base``
    and ``top`` the running sums before and at the end of the range. Returns consumer rows
    ``(order[a], order[b])`` as int32 — exactly the vectorised numpy expressions (same float
    operations in the same order), in one pass without temporaries, split into index ranges
    over ``threads`` threads (default: see the module docstring).
    """
    guide, scale = table if table is not None else guide_table(cum)
    starts = np.asarray(starts, dtype=np.int64)
    if not (len(inside) == len(r1) == len(r2)):
        raise ValueError("inside, r1 and r2 must have the same length")
    base_of, top_of = _circle_sums(cum, starts)
    u = np.empty(len(r1), dtype=np.int32)
    v = np.empty(len(r1), dtype=np.int32)
    if len(cum) <= SMALL_PICK and threads is None:
        position_circle = np.repeat(np.arange(len(starts) - 1, dtype=np.int32),
                                    np.diff(starts))
        if len(position_circle) == len(cum):  # circles cover every position
            _pick_small(cum, guide, scale, starts, position_circle, order, inside, r1, r2,
                        base_of, top_of, u, v)
            return u, v
    run_ranges(_pick_range, bounds(len(r1), chunks_for(len(r1), threads)), cum, guide, scale,
               starts, order, inside, r1, r2, base_of, top_of, u, v)
    return u, v


@njit(cache=True, nogil=True)
def _trust_range(strong, z, t_strong, t_weak, spread, out, i0, i1):
    for i in range(i0, i1):
        x = (t_strong if strong[i] else t_weak) + spread * z[i]
        if x < 0.0:
            x = 0.0
        elif x > 1.0:
            x = 1.0
        out[i] = np.float32(x)
    return 0


def tie_trust(strong: np.ndarray, z: np.ndarray, t_strong: float, t_weak: float,
              spread: float, threads: int | None = None) -> np.ndarray:
    """Trust per tie from standard normal draws ``z`` (float32, 0–1):
    ``np.clip(np.where(strong, t_strong, t_weak) + spread * z, 0, 1).astype(np.float32)``, in
    one pass (same float64 operations, then rounding to float32) split over ``threads``."""
    strong = np.asarray(strong, dtype=bool)
    z = np.asarray(z, dtype=np.float64)
    if len(strong) != len(z):
        raise ValueError("strong and z must have the same length")
    out = np.empty(len(z), dtype=np.float32)
    run_ranges(_trust_range, bounds(len(z), chunks_for(len(z), threads)), strong, z,
               float(t_strong), float(t_weak), float(spread), out)
    return out


@njit(cache=True, nogil=True)
def _below_range(r, choose, p_true, p_false, out, i0, i1):
    for i in range(i0, i1):
        out[i] = r[i] < (p_true if choose[i] else p_false)
    return 0


def flags_below(r: np.ndarray, choose: np.ndarray, p_true: float, p_false: float,
                threads: int | None = None) -> np.ndarray:
    """``r < np.where(choose, p_true, p_false)`` (bool) in one pass, without the float64
    temporary, split over ``threads``."""
    r = np.asarray(r, dtype=np.float64)
    choose = np.asarray(choose, dtype=bool)
    if len(r) != len(choose):
        raise ValueError("r and choose must have the same length")
    out = np.empty(len(r), dtype=bool)
    run_ranges(_below_range, bounds(len(r), chunks_for(len(r), threads)), r, choose,
               float(p_true), float(p_false), out)
    return out


@njit(cache=True, nogil=True)
def _take_range(a, idx, out, i0, i1):
    for i in range(i0, i1):
        out[i] = a[idx[i]]
    return 0


def take(a: np.ndarray, idx: np.ndarray, threads: int | None = None) -> np.ndarray:
    """``a[idx]`` for a 1-D array and in-range non-negative integer indices, the gather split
    over ``threads`` (random reads into a large ``a`` are latency bound)."""
    a = np.asarray(a)
    idx = np.asarray(idx)
    if a.ndim != 1 or idx.ndim != 1:
        raise ValueError("take needs 1-D arrays")
    if len(idx) and (idx.min() < 0 or idx.max() >= len(a)):
        raise IndexError("take: index out of range")
    out = np.empty(len(idx), dtype=a.dtype)
    run_ranges(_take_range, bounds(len(idx), chunks_for(len(idx), threads)), a, idx, out)
    return out


@njit(cache=True)
def _guided_search(cum, targets, guide, scale):
    out = np.empty(len(targets), dtype=np.int64)
    for i in range(len(targets)):
        out[i] = _guided_one(cum, targets[i], guide, scale)
    return out


@njit(cache=True)
def _walk_guide(cum, scale, guide):
    """``guide[:] = np.searchsorted(cum, np.arange(len(guide)) / scale, side="right")`` (the
    same float64 quotients) by one forward walk: the targets and ``cum`` are both
    non-decreasing."""
    n, k = len(cum), len(guide)
    j = 0
    for i in range(k):
        x = i / scale
        while j < n and cum[j] <= x:
            j += 1
        guide[i] = j
    return guide


@njit(cache=True)
def _count_order(keys, groups):
    """Stable counting sort of ``keys`` (each in ``0..groups-1``): (order, starts)."""
    starts = np.zeros(groups + 1, dtype=np.int64)
    for x in keys:
        starts[x + 1] += 1
    for c in range(groups):
        starts[c + 1] += starts[c]
    slot = starts[:-1].copy()
    order = np.empty(len(keys), dtype=np.int64)
    for i in range(len(keys)):
        x = keys[i]
        order[slot[x]] = i
        slot[x] += 1
    return order, starts


def group_order(keys: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by a small non-negative integer key (a consumer's circle):
    ``(np.argsort(keys, kind="stable"), np.searchsorted(keys[order], np.arange(groups + 1)))``
    — the rows in key order (ties in row order, int64) and where each of the keys
    ``0..groups`` starts — by one counting sort (O(rows + groups) instead of a sort). Keys at
    or above ``groups`` are sorted after the others, as the stable sort places them; a
    negative key falls back to the sort."""
    keys = np.asarray(keys)
    if len(keys) == 0 or keys.dtype.kind not in "iu":
        order = np.argsort(keys, kind="stable")
        return order, np.searchsorted(keys[order], np.arange(groups + 1))
    low, high = int(keys.min()), int(keys.max())
    if low < 0:
        order = np.argsort(keys, kind="stable")
        return order, np.searchsorted(keys[order], np.arange(groups + 1))
    order, starts = _count_order(keys, max(groups, high + 1))
    return order, starts[:groups + 1]


def guide_table(cum: np.ndarray, per_item: int = 1,
                dtype: type = np.int64) -> tuple[np.ndarray, float]:
    """Guide table of a non-decreasing ``cum`` (running sums of non-negative weights, last
    one > 0): for each of ``k = per_item · len(cum)`` equal slices of [0, cum[-1]), the answer
    for its left end (``np.searchsorted(cum, np.arange(k) / scale, side="right")`` with
    ``scale = k / cum[-1]``, found by one linear walk, :func:`_walk_guide`). Any ``per_item``
    ≥ 1 gives exact searches; more slices per item leave shorter scans for more memory.
    ``dtype``: of the answers (int64; int32 below 2³¹ items takes half the cache)."""
    k = int(per_item) * len(cum)
    scale = k / float(cum[-1])
    guide = np.empty(k, dtype=np.int64 if len(cum) >= 2**31 else dtype)
    _walk_guide(np.asarray(cum, dtype=np.float64), scale, guide)
    return guide, scale


def searchsorted_right(
    cum: np.ndarray, targets: np.ndarray, table: tuple[np.ndarray, float] | None = None,
) -> np.ndarray:
    """``np.searchsorted(cum, targets, side="right")`` for a non-decreasing ``cum`` of
    running sums of non-negative weights, by a guide table (the cutpoint method): the table
    points close to each answer, so a search costs O(1) expected memory accesses instead of a
    binary search's O(log n) cache misses. Exact: the final scan always lands on the first
    element greater than the target. Pass ``table`` (from :func:`guide_table`) when searching
    the same ``cum`` repeatedly."""
    targets = np.asarray(targets, dtype=np.float64)
    if len(cum) == 0 or not cum[-1] > 0 or (table is None and len(targets) < len(cum) // 8):
        return np.searchsorted(cum, targets, side="right")
    guide, scale = table if table is not None else guide_table(cum)
    return _guided_search(cum, targets, guide, scale)


__all__ = ["add_ties", "flags_below", "group_order", "guide_table", "pick_pairs", "searchsorted_right", "symmetric_csr",
           "symmetric_csr_with", "take", "tie_trust", "unique_pairs", "unique_ties"]
