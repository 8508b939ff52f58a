"""The vectorised exposure → response → share kernel (DESIGN.md §5, step 4).

Every exposure is an independent Bernoulli trial; every share is an independent trial per tie.
Nothing here loops over consumers in Python: work is proportional to exposures and to the ties
of today's sharers, done with numpy gathers on the CSR arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrayops import first_occurrence
from .content import KIND_APPEAL, SOCIAL_CURRENCY, Exposures, PostLog
from .graph import SocialGraph
from .scenario import BehaviourSection


def expand_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR positions of all entries of ``rows``: returns (owner index into rows, entry position)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(rows)), counts)
    # position = start of the owner's row + rank within the row
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, starts[owner] + offsets


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
    probability over strong ties (relationship framing). With ``use_trust=False`` the tie trust is taken as 1 (the
    independent-cascade reference mode, where ``prob`` is the transmissibility T).
    Returns the resulting exposures (delivered the next day by the caller).
    """
    if len(sharers) == 0:
        return Exposures.empty()
    owner, pos = expand_rows(graph.indptr, sharers)
    p = prob[owner]
    if use_trust:
        tie_trust = graph.trust[pos]
        p = p * tie_trust
        g = np.asarray(guanxi, dtype=np.float64)
        if g.ndim or g != 1.0:
            p = np.where(graph.strong[pos], p * (g[owner] if g.ndim else g), p)
    else:
        tie_trust = np.ones(len(pos), dtype=np.float32)
    hit = rng.random(len(pos)) < p
    return Exposures(
        consumer=graph.indices[pos[hit]].astype(np.int64),
        post=posts[owner[hit]],
        trust=tie_trust[hit].astype(np.float32),
        channel=np.full(int(hit.sum()), channel, dtype=np.int8),
    )


@dataclass
class ResponseContext:
    """What the response rule needs besides the exposures themselves."""

    need: np.ndarray  # N, 0–1
    susceptibility: np.ndarray  # N, 0–1
    circle: np.ndarray  # N
    fatigue: np.ndarray  # N, recent similar exposures
    atmosphere: np.ndarray  # N×R engaged share of ties (0–1)
    festival: np.ndarray  # R bool, festival/ritual day for the retailer
    negative_damping: np.ndarray  # R, 0–1 multiplier on engagement with negative posts
    seen_before: np.ndarray | None = None  # per exposure: consumer saw the retailer before


def engagement_probability(
    exp: Exposures, posts: PostLog, ctx: ResponseContext, beh: BehaviourSection
) -> np.ndarray:
    """P(engage) = σ(b0 + appeal + b_cred·cred·trust + b_atm·atm·susc + b_need·need
    + b_circle·[circle match] + b_ritual·festival − b_fatigue·fatigue [+ negativity]
    − b_duplicate·[reused copy seen by a consumer who saw the retailer's content before])."""
    i, p = exp.consumer, exp.post
    r = posts["retailer"][p].astype(np.int64)
    kind = posts["kind"][p]
    negative = posts["negative"][p]
    logit = (
        posts["b0"][p]
        + KIND_APPEAL[kind]
        + beh.b_cred * posts["credibility"][p] * exp.trust
        + beh.b_atm * ctx.atmosphere[i, r] * ctx.susceptibility[i]
        + beh.b_need * ctx.need[i]
        + beh.b_circle * (posts["circle"][p] == ctx.circle[i])
        + beh.b_ritual * ctx.festival[r]
        - beh.b_fatigue * ctx.fatigue[i]
        + beh.negativity_weight * negative
    )
    if ctx.seen_before is not None and beh.b_duplicate:
        logit = logit - beh.b_duplicate * (posts["reused"][p] & ctx.seen_before)
    prob = 1.0 / (1.0 + np.exp(-logit))
    return np.where(negative, prob * ctx.negative_damping[r], prob)


def add_fatigue(fatigue: np.ndarray, exp: Exposures, posts: PostLog) -> None:
    """Each exposure adds its post's homogeneity to the consumer's fatigue: the kind's
    :data:`~sim.content.HOMOGENEITY`, plus ``reuse_fatigue`` for near-duplicate copy."""
    # O(exposures), not O(N); add.at's fast path needs values of the target's dtype
    np.add.at(fatigue, exp.consumer, posts["homogeneity"][exp.post].astype(fatigue.dtype))


def sharing_probability(
    sharers: np.ndarray, posts_shared: np.ndarray, posts: PostLog, circle: np.ndarray,
    saturation: np.ndarray, beh: BehaviourSection, damping: np.ndarray,
    negative_saturation: np.ndarray | None = None,
) -> np.ndarray:
    """Per sharer: s0 · social_currency · kind currency · (1 − circle saturation)^γ [· negativity].

    ``saturation[c, r]`` is the share of circle c already aware of retailer r (0–1): content
    that is still scarce in the sharer's circle is worth more to share (social currency). For
    negative posts the news is the bad experience, not the brand: their saturation is
    ``negative_saturation[c, r]``, the share of circle c already holding a negative opinion of
    r (0 when not given).
    """
    kind = posts["kind"][posts_shared]
    r = posts["retailer"][posts_shared].astype(np.int64)
    negative = posts["negative"][posts_shared]
    sat = saturation[circle[sharers], r]
    if negative.any():
        neg_sat = (0.0 if negative_saturation is None
                   else negative_saturation[circle[sharers], r])
        sat = np.where(negative, neg_sat, sat)
    scarcity = (1.0 - sat) ** beh.gamma
    prob = beh.s0 * beh.social_currency * SOCIAL_CURRENCY[kind] * scarcity
    prob = np.where(negative, prob * beh.negativity_weight * damping[r], prob)
    return np.clip(prob, 0.0, 1.0)


def first_per_pair(consumer: np.ndarray, retailer: np.ndarray, n_retailers: int) -> np.ndarray:
    """Indices of the first occurrence of each (consumer, retailer) pair, in input order."""
    return first_occurrence(consumer * n_retailers + retailer)


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
