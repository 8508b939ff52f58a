"""The vectorised exposure → response → share kernel (docs/model.md, step 4).

Every exposure is an independent Bernoulli trial; every share is an independent trial per tie.
Nothing here loops over consumers in Python: work is proportional to exposures and to the ties
of today's sharers, done with numpy gathers on the CSR arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.world.content import Exposures, PostLog
from sim.kernels.csr import row_total
from sim.world.graph import SocialGraph
from sim.config.scenario import BehaviourSection


@njit(cache=True)
def _expand_rows(indptr, rows):
    """Compiled :func:`expand_rows`: (owner, position) int64 arrays, row by row in order."""
    total = row_total(indptr, rows)
    owner = np.empty(total, dtype=np.int64)
    pos = np.empty(total, dtype=np.int64)
    j = 0
    for i in range(len(rows)):
        for q in range(indptr[rows[i]], indptr[rows[i] + 1]):
            owner[j] = i
            pos[j] = q
            j += 1
    return owner, pos


def expand_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR positions of all entries of ``rows``: returns (owner index into rows, entry position),
    both int64, the entries of ``rows[0]`` first, each row's in CSR order."""
    return _expand_rows(indptr, np.asarray(rows))


@njit(cache=True)
def _tie_total(indptr, indices, trust, strong, rows):
    """Number of ties of ``rows`` (repeats counted again), touching the first and last entry of
    each row in ``indices``, ``trust`` and ``strong`` on the way: the rows of random sharers
    are far apart in memory, and these independent loads fetch them in parallel before the
    draw loop reads them."""
    total = 0
    touched = 0.0
    for r in rows:
        lo, hi = indptr[r], indptr[r + 1]
        total += hi - lo
        if hi > lo:
            touched += indices[lo] + indices[hi - 1] + trust[lo] + trust[hi - 1]
            touched += strong[lo] + strong[hi - 1]
    return total, touched


@njit(cache=True)
def _share_draws(indptr, indices, trust, strong, sharers, posts, prob, guanxi, use_trust, u):
    """Decide every (sharer, tie) pass of a post in one loop over the sharers' CSR rows.

    ``u`` holds one uniform draw per tie in :func:`expand_rows` order. With ``use_trust`` a
    tie is passed when ``u < prob · trust [· guanxi over strong ties]`` (evaluated left to
    right in the inputs' dtypes, as numpy does; ``guanxi`` has one entry per sharer or a
    single shared one); without it when ``u < prob`` and the tie trust is 1. Returns the
    reached consumers, their posts and tie trusts, in draw order.
    """
    n = len(u)
    consumer = np.empty(n, dtype=np.int64)
    post = np.empty(n, dtype=posts.dtype)
    tie_trust = np.empty(n, dtype=np.float32)
    g_step = 1 if len(guanxi) > 1 else 0
    j = 0  # next draw
    m = 0  # passes so far
    for s in range(len(sharers)):
        row = sharers[s]
        ps = prob[s]
        g = guanxi[s * g_step]
        for q in range(indptr[row], indptr[row + 1]):
            if use_trust:
                t = trust[q]
                p = ps * t
                if strong[q]:
                    p = p * g
            else:
                t = 1.0
                p = ps
            if u[j] < p:
                consumer[m] = indices[q]
                post[m] = posts[s]
                tie_trust[m] = t
                m += 1
            j += 1
    return consumer[:m], post[:m], tie_trust[:m]


def share_to_ties(
    graph: SocialGraph,
    sharers: np.ndarray,
    posts: np.ndarray,
    prob: np.ndarray,
    channel: int,
    rng: np.random.Generator,
    use_trust: bool = True,
    guanxi: float | np.ndarray = 1.0,
) -> Exposures:
    """Each sharer passes its post to each tie with probability ``prob × trust × guanxi``.

    ``prob`` is per sharer (0–1). ``guanxi`` (a number, or one per sharer) multiplies the
    probability over strong ties (relationship framing). With ``use_trust=False`` the tie trust
    is taken as 1 (the independent-cascade reference mode, where ``prob`` is the
    transmissibility T). One uniform draw per tie, sharer by sharer, decides it
    (:func:`_share_draws`). Returns the resulting exposures (delivered the next day by the
    caller).
    """
    if len(sharers) == 0:
        return Exposures.empty()
    total, _ = _tie_total(graph.indptr, graph.indices, graph.trust, graph.strong, sharers)
    u = rng.random(total)  # one draw per tie, sharer by sharer
    # guanxi 1 over strong ties multiplies by 1 (exact), so it needs no special case
    g = (np.array([guanxi], dtype=np.float64) if isinstance(guanxi, float)
         else np.asarray(guanxi, dtype=np.float64).reshape(-1))
    return Exposures(*_share_columns(graph.indptr, graph.indices, graph.trust, graph.strong,
                                     sharers, posts, np.asarray(prob), g, use_trust, u,
                                     channel))


def share_exposures(
    graph: SocialGraph, sharers: np.ndarray, posts_shared: np.ndarray, posts: PostLog,
    circle: np.ndarray, saturation: np.ndarray, beh: BehaviourSection, damping: np.ndarray,
    negative_saturation: np.ndarray | None, channel: int, rng: np.random.Generator,
) -> Exposures:
    """:func:`share_to_ties` with trust of each sharer's post at its
    :func:`sharing_probability` and guanxi ``beh.guanxi × beh.guanxi_boost`` for posts with
    guanxi framing (``posts["framed"]``), ``beh.guanxi`` for the others: the probabilities,
    the guanxi and the number of ties come from one compiled call (:func:`_share_plan`), the
    draws (one ``rng.random`` call, as :func:`share_to_ties`) and the exposure columns from
    another (:func:`_share_columns`). Same exposures and draws as the three steps."""
    if len(sharers) == 0:
        return Exposures.empty()
    has_negative = negative_saturation is not None
    indptr, indices, trust, strong = graph.indptr, graph.indices, graph.trust, graph.strong
    prob, guanxi, total, _ = _share_plan(
        indptr, indices, trust, strong, sharers, posts_shared, posts["kind"],
        posts["retailer"], posts["negative"], posts["framed"], circle,
        np.asarray(saturation, dtype=np.float64),
        np.asarray(negative_saturation if has_negative else saturation, dtype=np.float64),
        has_negative, _kind_currency(beh), np.asarray(damping, dtype=np.float64),
        np.float32(beh.s0 * beh.social_currency), float(beh.gamma),
        float(beh.negativity_weight), beh.guanxi * beh.guanxi_boost, float(beh.guanxi))
    return Exposures(*_share_columns(indptr, indices, trust, strong, sharers, posts_shared,
                                     prob, guanxi, True, rng.random(total), channel))


@njit(cache=True)
def _share_plan(indptr, indices, trust, strong, sharers, posts_shared, kind, retailer,
                negative, framed, circle, saturation, negative_saturation, has_negative,
                currency, damping, base, gamma, negativity, guanxi_framed, guanxi):
    """Per sharer the sharing probability (:func:`_sharing_kernel`) and guanxi
    (``guanxi_framed`` where its post is ``framed``, else ``guanxi``; float64), and the
    number of ties of the sharers with the prefetch of :func:`_tie_total`: ``(prob,
    guanxi per sharer, ties, touched)``."""
    prob = _sharing_kernel(sharers, posts_shared, kind, retailer, negative, circle,
                           saturation, negative_saturation, has_negative, currency, damping,
                           base, gamma, negativity)
    g = np.empty(len(sharers), dtype=np.float64)
    for i in range(len(sharers)):
        g[i] = guanxi_framed if framed[posts_shared[i]] else guanxi
    total, touched = _tie_total(indptr, indices, trust, strong, sharers)
    return prob, g, total, touched


@njit(cache=True)
def _share_columns(indptr, indices, trust, strong, sharers, posts, prob, guanxi, use_trust, u,
                   channel):
    """:func:`_share_draws` with the channel code ``channel`` of every exposure: ``(consumer,
    post, tie trust, channel)``."""
    consumer, post, tie_trust = _share_draws(indptr, indices, trust, strong, sharers, posts,
                                             prob, guanxi, use_trust, u)
    codes = np.empty(len(consumer), dtype=np.int8)
    codes[:] = channel
    return consumer, post, tie_trust, codes


def sharing_probability(
    sharers: np.ndarray, posts_shared: np.ndarray, posts: PostLog, circle: np.ndarray,
    saturation: np.ndarray, beh: BehaviourSection, damping: np.ndarray,
    negative_saturation: np.ndarray | None = None,
) -> np.ndarray:
    """Per sharer: s0 · social_currency · kind currency · (1 − circle saturation)^γ [· negativity].

    The kind currency is ``beh.kind_social_currency`` of the post's kind.

    ``saturation[c, r]`` is the share of circle c already aware of retailer r (0–1): content
    that is still scarce in the sharer's circle is worth more to share (social currency). For
    negative posts the news is the bad experience, not the brand: their saturation is
    ``negative_saturation[c, r]``, the share of circle c already holding a negative opinion of
    r (0 when not given). Saturations and ``damping`` (per retailer, 0–1) are float64; the
    result is float64 in 0–1, one per sharer.
    """
    has_negative = negative_saturation is not None
    return _sharing_kernel(
        np.asarray(sharers), np.asarray(posts_shared), posts["kind"], posts["retailer"],
        posts["negative"], circle, np.asarray(saturation, dtype=np.float64),
        np.asarray(negative_saturation if has_negative else saturation, dtype=np.float64),
        has_negative, _kind_currency(beh), np.asarray(damping, dtype=np.float64),
        np.float32(beh.s0 * beh.social_currency), float(beh.gamma),
        float(beh.negativity_weight))


def _kind_currency(beh: BehaviourSection) -> np.ndarray:
    """``beh.currency`` (float32 per kind code), kept while ``beh.kind_social_currency`` is
    the same mapping object (a revised scenario or an assignment gives a new one)."""
    table = beh.kind_social_currency
    if _CURRENCY[0] is not table:
        _CURRENCY[:] = [table, beh.currency]
    return _CURRENCY[1]


_CURRENCY: list = [None, None]


@njit(cache=True)
def _scalar_power(x, gamma):
    """``x ** gamma`` for float64 ``x`` exactly as numpy's ``array ** scalar``, which takes
    square, square root and reciprocal for the exponents 2, 0.5 and −1 and ``pow`` otherwise
    (``pow(x, 1)`` is ``x`` exactly, so the common γ = 1 skips the call)."""
    if gamma == 1.0:
        return x
    if gamma == 2.0:
        return x * x
    if gamma == 0.5:
        return np.sqrt(x)
    if gamma == -1.0:
        return 1.0 / x
    return x**gamma


@njit(cache=True)
def _sharing_kernel(sharers, posts_shared, kind, retailer, negative, circle, saturation,
                    negative_saturation, has_negative, currency, damping, base, gamma,
                    negativity):
    """Compiled :func:`sharing_probability`, one sharer at a time. ``base`` is
    s0 · social_currency as float32 and is multiplied by the float32 kind currency in float32,
    the rest in float64, in the order numpy evaluates the vectorised rule."""
    prob = np.empty(len(sharers), dtype=np.float64)
    for i in range(len(sharers)):
        p = posts_shared[i]
        r = np.int64(retailer[p])
        c = circle[sharers[i]]
        if not negative[p]:
            sat = saturation[c, r]
        elif has_negative:
            sat = negative_saturation[c, r]
        else:
            sat = 0.0
        q = np.float64(base * currency[kind[p]]) * _scalar_power(1.0 - sat, gamma)
        if negative[p]:
            q = q * negativity * damping[r]
        prob[i] = min(max(q, 0.0), 1.0)
    return prob


def atmosphere(adjacency, engaged: np.ndarray, degree: np.ndarray | None) -> np.ndarray:
    """Engaged share of each consumer's ties (N×R), one sparse product with the
    adjacency matrix (``None`` = well mixed).

    ``engaged`` is an N×R boolean matrix. Without a graph (well mixed) it is the population
    share, the same for everyone.
    """
    e = engaged.astype(np.float32)
    if adjacency is None:
        return np.broadcast_to(e.mean(axis=0, keepdims=True), e.shape)
    counts = adjacency @ e
    return counts / np.maximum(degree, 1)[:, None]
