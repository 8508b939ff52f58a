"""Compiled passes over one retailer's column of the consumers' N×R arrays, for the retail
side's daily steps (communities, search, commissioning).

A retailer's column of a C-ordered N×R array is strided; numpy's column expressions
(``np.flatnonzero((stage[:, r] >= t) & ~member[:, r])``) build several temporary arrays of
N entries each, and a few hundred of them a run cost more than the work. Each function here
is one loop that reads the column once; its docstring states the plain numpy expression it
equals (``tests/kernels/test_rowscan.py`` checks them). No function draws random numbers:
callers draw with numpy and pass the uniforms, so every draw stays where it was.

With one retailer (N×1 columns of one-byte codes and flags) the stage scans test eight
consumers per uint64 word, as :mod:`sim.kernels.bytescan` does, and visit only the hits.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from functools import lru_cache

from sim.kernels.bytescan import HIGH
from sim.kernels.bytescan import threshold_add as _threshold_add

_U1 = np.uint64(1)
_B3 = np.uint64(3)
_B7 = np.uint64(7)


@njit(cache=True)
def _rows_equal_loop(codes, r, code):
    """``np.flatnonzero(codes[:, r] == code)`` (int64, ascending)."""
    n = codes.shape[0]
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        out[k] = i
        k += codes[i, r] == code  # branch-free
    return out[:k].copy()


@njit(cache=True)
def _leads_and_members_loop(stage, member, r, threshold):
    """(``np.flatnonzero((stage[:, r] >= threshold) & ~member[:, r])``,
    ``np.flatnonzero(member[:, r])``), both int64 ascending, in one pass."""
    n = stage.shape[0]
    leads = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    n_leads = n_members = 0
    for i in range(n):
        m = member[i, r]
        leads[n_leads] = i
        n_leads += (stage[i, r] >= threshold) & (not m)
        members[n_members] = i
        n_members += m
    return leads[:n_leads].copy(), members[:n_members].copy()


@njit(cache=True, inline="always")
def column_words(col):
    """The uint64 words of the first 8·⌊N/8⌋ bytes of one C-contiguous N×1 (or N) column of
    1-byte codes: eight consumers a word, in row order (the rest are read one by one)."""
    n = col.shape[0]
    return col.reshape(n).view(np.uint8)[:8 * (n // 8)].view(np.uint64)


@njit(cache=True, inline="always")
def bit_rows(bits, w, out, k):
    """Write the rows of word ``w`` whose bytes have their high bit set in ``bits`` (ascending)
    to ``out[k:]``; returns the new count."""
    while bits:
        out[k] = 8 * w + np.int64(trailing_zeros(bits) >> _B3)
        k += 1
        bits &= bits - _U1
    return k


@njit(cache=True)
def _byte_hits(words, add):
    """Per uint64 word of byte codes, the high bits of the bytes ≥ the threshold of ``add``
    (:func:`sim.kernels.bytescan.threshold_add`)."""
    return (words + add) & HIGH


@njit(cache=True)
def _rows_equal_words(codes, code, add_lo, add_hi):
    """:func:`_rows_equal_loop` for one C-contiguous column (N×1): eight codes a word, a
    byte equal to ``code`` being ≥ code and not ≥ code + 1."""
    n = codes.shape[0]
    nw = n // 8
    words = column_words(codes)
    out = np.empty(n, dtype=np.int64)
    k = 0
    for w in range(nw):
        hit = _byte_hits(words[w], add_lo) & ~_byte_hits(words[w], add_hi)
        while hit:
            out[k] = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            k += 1
            hit &= hit - _U1
    for i in range(8 * nw, n):
        if codes[i, 0] == code:
            out[k] = i
            k += 1
    return out[:k].copy()


@njit(cache=True)
def _leads_and_members_words(stage, member, threshold, add):
    """:func:`_leads_and_members_loop` for one C-contiguous column (N×1): eight consumers a
    word; a member's byte (0 or 1) shifted left by 7 is its high bit."""
    n = stage.shape[0]
    nw = n // 8
    stage_words = column_words(stage)
    member_words = column_words(member)
    leads = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    a = b = 0
    for w in range(nw):
        is_member = member_words[w] << _B7
        hit = _byte_hits(stage_words[w], add) & ~is_member
        while hit:
            leads[a] = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            a += 1
            hit &= hit - _U1
        b = bit_rows(is_member, w, members, b)
    for i in range(8 * nw, n):
        if member[i, 0]:
            members[b] = i
            b += 1
        elif stage[i, 0] >= threshold:
            leads[a] = i
            a += 1
    return leads[:a].copy(), members[:b].copy()


@lru_cache(maxsize=None)
def threshold_add(threshold: int) -> np.uint64:
    """:func:`sim.kernels.bytescan.threshold_add`, kept per threshold (a few a run)."""
    return _threshold_add(threshold)


def _one_column(*arrays: np.ndarray) -> bool:
    """Whether the arrays are C-contiguous N×1 arrays of one-byte items (the word scans)."""
    return all(a.ndim == 2 and a.shape[1] == 1 and a.itemsize == 1 and a.flags.c_contiguous
               for a in arrays)


def rows_equal(codes: np.ndarray, r: int, code: int) -> np.ndarray:
    """``np.flatnonzero(codes[:, r] == code)`` (int64, ascending) of byte codes 0–127;
    ``code`` 0–127."""
    if _one_column(codes) and 0 <= code < 128:
        return _rows_equal_words(codes, code, threshold_add(code), threshold_add(code + 1))
    return _rows_equal_loop(codes, r, code)


def leads_and_members(stage: np.ndarray, member: np.ndarray, r: int,
                      threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """(``np.flatnonzero((stage[:, r] >= threshold) & ~member[:, r])``,
    ``np.flatnonzero(member[:, r])``), both int64 ascending, in one pass (stage codes 0–127,
    ``member`` boolean, ``threshold`` 0–128)."""
    if _one_column(stage, member) and member.dtype == np.bool_ and 0 <= threshold <= 128:
        return _leads_and_members_words(stage, member, threshold, threshold_add(threshold))
    return _leads_and_members_loop(stage, member, r, threshold)


@njit(cache=True)
def count_true(flags, r):
    """``int(flags[:, r].sum())``: entries of column ``r`` of a boolean array that are set."""
    count = 0
    for i in range(flags.shape[0]):
        count += flags[i, r]
    return count


@njit(cache=True)
def keep_below_scaled(rows, u, scale, weight):
    """``rows[u < scale * weight[rows]]`` with ``scale`` of ``weight``'s type (so the product
    is computed in that type, as numpy does for a Python float times a float32 array)."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        out[k] = i
        k += u[j] < scale * weight[i]
    return out[:k].copy()


@njit(cache=True)
def keep_unflagged(rows, flags, r, u):
    """(``rows[~flags[rows, r]]``, ``u[~flags[rows, r]]``): the rows whose flag is not set,
    and their draws."""
    out = np.empty(len(rows), dtype=np.int64)
    out_u = np.empty(len(rows), dtype=np.float64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        out[k] = i
        out_u[k] = u[j]
        k += not flags[i, r]
    return out[:k].copy(), out_u[:k].copy()


@njit(cache=True)
def merge_disjoint(a, b):
    """Ascending ``a`` and ``b`` with no value in common, merged: ``np.union1d(a, b)``."""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i = j = 0
    for k in range(len(out)):
        if j >= len(b) or (i < len(a) and a[i] < b[j]):
            out[k] = a[i]
            i += 1
        else:
            out[k] = b[j]
            j += 1
    return out


@njit(cache=True)
def memory_searchers(rows, u, memory, r, rate, half):
    """``rows[u < rate · m / (m + half)]`` with ``m = memory[rows, r]`` as float64: the
    consumers whose brand memory prompts a search (:func:`sim.engine.search.searchers`)."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        m = np.float64(memory[i, r])
        out[k] = i
        k += u[j] < rate * m / (m + half)
    return out[:k].copy()


@njit(cache=True)
def _count_equal_loop(codes, r, code):
    """``int((codes[:, r] == code).sum())``."""
    count = 0
    for i in range(codes.shape[0]):
        count += codes[i, r] == code
    return count


@njit(cache=True)
def _count_equal_words(codes, code, add_lo, add_hi):
    """:func:`_count_equal_loop` for one C-contiguous column (N×1), eight codes a word."""
    n = codes.shape[0]
    nw = n // 8
    words = column_words(codes)
    count = 0
    for w in range(nw):
        hit = _byte_hits(words[w], add_lo) & ~_byte_hits(words[w], add_hi)
        while hit:
            count += 1
            hit &= hit - _U1
    for i in range(8 * nw, n):
        count += codes[i, 0] == code
    return count


def count_equal(codes: np.ndarray, r: int, code: int) -> int:
    """``len(rows_equal(codes, r, code))`` without building the rows (byte codes 0–127,
    ``code`` 0–127)."""
    if _one_column(codes) and 0 <= code < 128:
        return _count_equal_words(codes, code, threshold_add(code), threshold_add(code + 1))
    return _count_equal_loop(codes, r, code)


@njit(cache=True)
def _memory_searchers_loop(codes, r, code, u, memory, rate, half):
    """:func:`memory_searchers_of` by a loop over the column."""
    out = np.empty(len(u), dtype=np.int64)
    k = j = 0
    for i in range(codes.shape[0]):
        if codes[i, r] == code:
            m = np.float64(memory[i, r])
            out[k] = i
            k += u[j] < rate * m / (m + half)
            j += 1
    return out[:k].copy()


@njit(cache=True)
def _memory_searchers_words(codes, code, add_lo, add_hi, u, memory, rate, half):
    """:func:`memory_searchers_of` for one C-contiguous column (N×1), eight codes a word."""
    n = codes.shape[0]
    nw = n // 8
    words = column_words(codes)
    out = np.empty(len(u), dtype=np.int64)
    k = j = 0
    for w in range(nw):
        hit = _byte_hits(words[w], add_lo) & ~_byte_hits(words[w], add_hi)
        while hit:
            i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            m = np.float64(memory[i, 0])
            out[k] = i
            k += u[j] < rate * m / (m + half)
            j += 1
            hit &= hit - _U1
    for i in range(8 * nw, n):
        if codes[i, 0] == code:
            m = np.float64(memory[i, 0])
            out[k] = i
            k += u[j] < rate * m / (m + half)
            j += 1
    return out[:k].copy()


def memory_searchers_of(codes: np.ndarray, r: int, code: int, u: np.ndarray,
                        memory: np.ndarray, rate: float, half: float) -> np.ndarray:
    """``memory_searchers(rows_equal(codes, r, code), u, memory, r, rate, half)`` in one pass
    over the column, without building the rows: the consumers with ``codes[:, r] == code``
    (the j-th of them, ascending, drawing ``u[j]``) whose brand memory prompts a search.
    ``len(u)`` must be their number (:func:`count_equal`)."""
    if _one_column(codes) and 0 <= code < 128:
        return _memory_searchers_words(codes, code, threshold_add(code),
                                       threshold_add(code + 1), u, memory, rate, half)
    return _memory_searchers_loop(codes, r, code, u, memory, rate, half)


@njit(cache=True)
def sponsored_clicks(rows, u, p, affordable):
    """(clicking rows, ads shown) of searchers ``rows`` with draws ``u``: with ``clicks =
    np.flatnonzero(u < p)``, the first ``affordable`` (≥ 0) of ``rows[clicks]``, and the
    position of the first click beyond them (``len(rows)`` if every click is paid): the ad is
    shown until the day's allowance is used up (:func:`sim.engine.search._sponsored`)."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        if u[j] < p:
            if k == affordable:
                return out[:k].copy(), j
            out[k] = rows[j]
            k += 1
    return out[:k].copy(), len(rows)


@njit(cache=True)
def organic_visitors(rows, clicked, u, p):
    """``rest[u < p]`` with ``rest`` the ascending ``rows`` without ``clicked`` (an ascending
    subset of them), one draw of ``u`` per row of ``rest``: the searchers who did not click
    the ad and open the organic result."""
    out = np.empty(len(u), dtype=np.int64)
    k = j = c = 0
    for i in rows:
        if c < len(clicked) and clicked[c] == i:
            c += 1
            continue
        out[k] = i
        k += u[j] < p
        j += 1
    return out[:k].copy()


@njit(cache=True)
def pick_inviters(members, u, p, degree):
    """``members[u < p]`` with a contact (``degree > 0``): the members who invite one today
    (one draw of ``u`` per member)."""
    out = np.empty(len(members), dtype=np.int64)
    k = 0
    for j in range(len(members)):
        if u[j] < p and degree[members[j]] > 0:
            out[k] = members[j]
            k += 1
    return out[:k].copy()


@njit(cache=True)
def invitation_targets(inviters, u, indptr, degree, indices, trust, member, r):
    """The contacts ``inviters`` (distinct consumers with a contact) invite, on draws ``u``
    (one per inviter): (contacts, their tie trust as float32, positions of each contact's
    first invitation ordered by contact) among the contacts not yet members of retailer
    ``r``'s community. Equal to::

        pick = indptr[inviters] + (u * degree[inviters]).astype(np.int64)
        friends, trust = indices[pick].astype(np.int64), trust[pick].astype(np.float32)
        keep = ~member[friends, r]
        friends, trust = friends[keep], trust[keep]
        _, first = np.unique(friends, return_index=True)
    """
    friends = np.empty(len(inviters), dtype=np.int64)
    tie_trust = np.empty(len(inviters), dtype=np.float32)
    k = 0
    for j in range(len(inviters)):
        i = inviters[j]
        at = indptr[i] + np.int64(u[j] * degree[i])
        friend = np.int64(indices[at])
        if not member[friend, r]:
            friends[k] = friend
            tie_trust[k] = np.float32(trust[at])
            k += 1
    friends, tie_trust = friends[:k].copy(), tie_trust[:k].copy()
    order = np.argsort(friends, kind="mergesort")  # stable: first occurrences first
    first = np.empty(k, dtype=np.int64)
    n_first = 0
    for t in range(k):
        if t == 0 or friends[order[t]] != friends[order[t - 1]]:
            first[n_first] = order[t]
            n_first += 1
    return friends, tie_trust, first[:n_first].copy()


@njit(cache=True)
def credit_clicks(rows, r, code, platform, day, first_touch, last_touch, last_click,
                  last_platform, last_click_day, reached_by):
    """Book clicks of distinct consumers ``rows`` on retailer ``r`` credited to channel
    ``code`` on ``platform``: first touch where there was none (``< 0``), last touch, last
    engagement, last platform and the day of the last click; returns how many of them channel
    ``code`` reaches for the first time (``reached_by[rows, code]`` set). Equal to::

        untouched = first_touch[rows, r] < 0
        first_touch[rows[untouched], r] = code
        last_touch[rows, r] = last_click[rows, r] = code
        last_platform[rows, r] = platform
        last_click_day[rows, r] = day
        new = ~reached_by[rows, code]
        reached_by[rows[new], code] = True
        return int(new.sum())
    """
    new = 0
    for i in rows:
        if first_touch[i, r] < 0:
            first_touch[i, r] = code
        last_touch[i, r] = code
        last_click[i, r] = code
        last_platform[i, r] = platform
        last_click_day[i, r] = day
        if not reached_by[i, code]:
            reached_by[i, code] = True
            new += 1
    return new


@njit(cache=True, error_model="numpy")
def join_draws(rows, u, scale_rows, scale, brand_exposures, r, awareness_exposures,
               w_awareness, content_term, authenticity_term, lift):
    """The rows that join a community: ``rows[u < s · J · lift]`` with the F16 join score
    ``J = w_awareness · min(1, brand_exposures[rows, r] / awareness_exposures) + content_term
    + authenticity_term`` (:func:`sim.engine.community.join_score`, summed in that order, in
    float64) and ``s`` per row ``float64(scale_rows[k])`` (tie trust of an invitation), or the
    scalar ``scale`` (a join probability) when ``scale_rows`` is empty. Equal to
    ``rows[u < scale * join_score(...) * lift]``; the draws ``u`` are the caller's."""
    out = np.empty(len(rows), dtype=np.int64)
    per_row = len(scale_rows) > 0
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        x = brand_exposures[i, r] / awareness_exposures
        a = 1.0 if x > 1.0 else x  # np.minimum(1.0, x); NaN passes through
        score = w_awareness * a + content_term + authenticity_term
        s = np.float64(scale_rows[j]) if per_row else scale
        out[k] = i
        k += u[j] < s * score * lift
    return out[:k].copy()


@njit(cache=True)
def _count_leads_loop(stage, member, r, threshold):
    """``int(((stage[:, r] >= threshold) & ~member[:, r]).sum())``."""
    count = 0
    for i in range(stage.shape[0]):
        count += (stage[i, r] >= threshold) & (not member[i, r])
    return count


@njit(cache=True)
def _count_leads_words(stage, member, threshold, add):
    """:func:`_count_leads_loop` for one C-contiguous column (N×1), eight consumers a word."""
    n = stage.shape[0]
    nw = n // 8
    stage_words = column_words(stage)
    member_words = column_words(member)
    count = 0
    for w in range(nw):
        hit = _byte_hits(stage_words[w], add) & ~(member_words[w] << _B7)
        while hit:
            count += 1
            hit &= hit - _U1
    for i in range(8 * nw, n):
        count += (stage[i, 0] >= threshold) & (not member[i, 0])
    return count


def count_leads(stage: np.ndarray, member: np.ndarray, r: int, threshold: int) -> int:
    """``len(leads_and_members(stage, member, r, threshold)[0])`` without building the rows."""
    if _one_column(stage, member) and member.dtype == np.bool_ and 0 <= threshold <= 128:
        return _count_leads_words(stage, member, threshold, threshold_add(threshold))
    return _count_leads_loop(stage, member, r, threshold)


@njit(inline="always", error_model="numpy")
def _lead_joins(i, u, brand_exposures, r, awareness_exposures, w_awareness, content_term,
                authenticity_term, scale, lift):
    """Whether lead ``i`` (draw ``u``) joins: :func:`join_draws`' test with a scalar scale."""
    x = brand_exposures[i, r] / awareness_exposures
    a = 1.0 if x > 1.0 else x  # np.minimum(1.0, x); NaN passes through
    score = w_awareness * a + content_term + authenticity_term
    return u < scale * score * lift


@njit(cache=True, error_model="numpy")
def _lead_joins_loop(stage, member, r, threshold, u, brand_exposures, awareness_exposures,
                     w_awareness, content_term, authenticity_term, scale, lift):
    """:func:`lead_joins_and_members` by a loop over the column."""
    n = stage.shape[0]
    joined = np.empty(len(u), dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    a = b = j = 0
    for i in range(n):
        if member[i, r]:
            members[b] = i
            b += 1
        elif stage[i, r] >= threshold:
            if _lead_joins(i, u[j], brand_exposures, r, awareness_exposures, w_awareness,
                           content_term, authenticity_term, scale, lift):
                joined[a] = i
                a += 1
            j += 1
    return joined[:a].copy(), members[:b].copy()


@njit(cache=True, error_model="numpy")
def _lead_joins_words(stage, member, threshold, add, u, brand_exposures, awareness_exposures,
                      w_awareness, content_term, authenticity_term, scale, lift):
    """:func:`lead_joins_and_members` for one C-contiguous column (N×1), eight consumers a
    word (as :func:`_leads_and_members_words`)."""
    n = stage.shape[0]
    nw = n // 8
    stage_words = column_words(stage)
    member_words = column_words(member)
    joined = np.empty(len(u), dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    a = b = j = 0
    for w in range(nw):
        is_member = member_words[w] << _B7
        hit = _byte_hits(stage_words[w], add) & ~is_member
        while hit:
            i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            if _lead_joins(i, u[j], brand_exposures, 0, awareness_exposures, w_awareness,
                           content_term, authenticity_term, scale, lift):
                joined[a] = i
                a += 1
            j += 1
            hit &= hit - _U1
        b = bit_rows(is_member, w, members, b)
    for i in range(8 * nw, n):
        if member[i, 0]:
            members[b] = i
            b += 1
        elif stage[i, 0] >= threshold:
            if _lead_joins(i, u[j], brand_exposures, 0, awareness_exposures, w_awareness,
                           content_term, authenticity_term, scale, lift):
                joined[a] = i
                a += 1
            j += 1
    return joined[:a].copy(), members[:b].copy()


def lead_joins_and_members(stage: np.ndarray, member: np.ndarray, r: int, threshold: int,
                           u: np.ndarray, brand_exposures: np.ndarray,
                           awareness_exposures: float, w_awareness: float, content_term: float,
                           authenticity_term: float, scale: float,
                           lift: float) -> tuple[np.ndarray, np.ndarray]:
    """(the leads who join, members), both int64 ascending, in one pass over the column:
    with ``leads, members = leads_and_members(stage, member, r, threshold)``, equal to
    ``(join_draws(leads, u, <no per-row scales>, scale, brand_exposures, r, ...), members)``;
    ``len(u)`` must be the number of leads (:func:`count_leads`)."""
    if _one_column(stage, member) and member.dtype == np.bool_ and 0 <= threshold <= 128:
        return _lead_joins_words(stage, member, threshold, threshold_add(threshold), u,
                                 brand_exposures, awareness_exposures, w_awareness,
                                 content_term, authenticity_term, scale, lift)
    return _lead_joins_loop(stage, member, r, threshold, u, brand_exposures,
                            awareness_exposures, w_awareness, content_term, authenticity_term,
                            scale, lift)


@njit(cache=True, error_model="numpy")
def unflagged_joins(rows, u, flags, brand_exposures, r, awareness_exposures, w_awareness,
                    content_term, authenticity_term, scale, lift):
    """The rows whose flag is not set that join a community, one draw of ``u`` per row of
    ``rows`` (flagged rows' draws unused): ``join_draws(*keep_unflagged(rows, flags, r, u),
    <no per-row scales>, scale, brand_exposures, r, ...)`` in one pass."""
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        if not flags[i, r] and _lead_joins(i, u[j], brand_exposures, r, awareness_exposures,
                                           w_awareness, content_term, authenticity_term, scale,
                                           lift):
            out[k] = i
            k += 1
    return out[:k].copy()


@njit(cache=True)
def community_posts(u, share, member_post, brand_post, trust, channel):
    """The community content exposures' (post, trust, channel) columns: per draw ``u``, the
    member-written post if ``u < share`` else the brand-written one (int64), ``trust``
    (float32) and ``channel`` (int8) throughout: ``np.where(u < share, member_post,
    brand_post)``, ``np.full(len(u), trust, np.float32)``, ``np.full(len(u), channel,
    np.int8)``."""
    n = len(u)
    post = np.empty(n, dtype=np.int64)
    trusts = np.empty(n, dtype=np.float32)
    channels = np.empty(n, dtype=np.int8)
    for k in range(n):
        post[k] = member_post if u[k] < share else brand_post
        trusts[k] = trust
        channels[k] = channel
    return post, trusts, channels


@njit(cache=True)
def admit_rows(rows, r, referred, aware, member, referred_flags, stage):
    """Make distinct consumers ``rows`` members of retailer ``r``'s community: ``member[rows,
    r] = True``, ``referred_flags[rows, r] |= referred``, ``stage[rows, r] =
    max(stage[rows, r], aware)``."""
    for i in rows:
        member[i, r] = True
        referred_flags[i, r] |= referred
        if stage[i, r] < aware:
            stage[i, r] = aware


@njit(cache=True)
def split_buyers(rows, u, quality, negative_prob, negative, r):
    """Today's buyers ``rows`` of retailer ``r`` split by their satisfaction, from ``2 ·
    len(rows)`` uniforms ``u`` laid out as three consecutive numpy calls would draw them:
    ``u[:n]`` satisfied if ``< quality``; the next one per unsatisfied buyer (in order) posts
    a negative post if ``< negative_prob``; the rest, one per satisfied buyer, are returned
    for the UGC draw. Unsatisfied buyers get ``negative[i, r] = True``.

    Returns (satisfied rows, their UGC uniforms, unsatisfied rows, negative posters).
    """
    n = len(rows)
    n_happy = 0
    for j in range(n):
        n_happy += u[j] < quality
    happy = np.empty(n_happy, dtype=np.int64)
    u_happy = np.empty(n_happy, dtype=np.float64)
    unhappy = np.empty(n - n_happy, dtype=np.int64)
    posters = np.empty(n - n_happy, dtype=np.int64)
    h = s = k = 0
    for j in range(n):
        i = rows[j]
        if u[j] < quality:
            happy[h] = i
            u_happy[h] = u[2 * n - n_happy + h]
            h += 1
        else:
            unhappy[s] = i
            negative[i, r] = True
            if u[n + s] < negative_prob:
                posters[k] = i
                k += 1
            s += 1
    return happy, u_happy, unhappy, posters[:k].copy()


__all__ = ["admit_rows", "community_posts", "count_equal", "count_leads", "count_true",
           "credit_clicks", "invitation_targets", "join_draws", "keep_below_scaled",
           "keep_unflagged", "lead_joins_and_members", "leads_and_members", "memory_searchers",
           "memory_searchers_of", "merge_disjoint", "organic_visitors", "pick_inviters",
           "rows_equal", "split_buyers", "sponsored_clicks", "unflagged_joins"]
