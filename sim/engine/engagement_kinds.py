"""Engagement kinds: every engaged view is a like, a comment, a save or a share.

Rule of the day, in every response pass (:func:`sim.engine.response.respond`, where the
``engagements`` KPI is counted: creator posts, shares, ads, community, live sessions, group-buy
and assist asks alike): each engaged view of a post on platform ``p`` gets one kind, drawn with
the platform's shares ``platforms.<p>.engagement_mix`` (weights over ``like``, ``comment``,
``save``, ``share``, normalised to sum 1; default and what was searched for a public range in
docs/calibration_targets.md). The four counts therefore add up to the ``engagements`` KPI.
They are counted per run (KPIs ``likes``, ``comments``, ``saves``, ``shares``) and per creator
(``creators.csv``).

The draws come from a random stream of their own (seed sequence of the run's seed with spawn
key :data:`STREAM`), untouched by and not touching any other stream: every other KPI of a run
is the same whatever the mix.

What the label does not do: propagation. Word of mouth stays the sharing rule of
:mod:`sim.engine.sharing` (a consumer's first engagement with a retailer is passed to each tie
with the sharing probability), so ``shares`` is what a platform dashboard would show as shares,
not the number of consumers who passed a post on to their ties. Making the ``share`` label
decide who reshares would change who reshares, and with it every bundled result.

Reference modes (``bass``, ``independent_cascade``, ``threshold``) have no posts: no kinds are
drawn and the four counts stay 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.config.world_schema import ENGAGEMENT_KINDS

if TYPE_CHECKING:
    from sim.engine.state import Context
    from sim.world.content import Exposures

KINDS = ENGAGEMENT_KINDS
"""Engagement kinds, in column order (KPIs: ``likes``, ``comments``, ``saves``, ``shares``)."""

COLUMNS = ("likes", "comments", "saves", "shares")
"""KPI and ``creators.csv`` column of each kind."""

STREAM = 0x6B696E64
"""Spawn key of the kinds' random stream under the run's seed (disjoint from the model's
streams, which are spawn keys 0, 1, 2, ...)."""


def mix_cdf(mixes: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Cumulative kind shares per platform, P×4 float64 (each row normalised, last column 1)."""
    w = np.array([[float(m.get(k, 0.0)) for k in KINDS] for m in mixes], dtype=np.float64)
    w = w.reshape(len(mixes), len(KINDS))
    total = w.sum(axis=1, keepdims=True)
    return np.cumsum(w / np.where(total > 0, total, 1.0), axis=1)


class EngagementKinds:
    """Counts of engagement kinds, overall, per platform and per creator.

    Args:
        cdf: :func:`mix_cdf` of the run's platforms (P×4).
        seed: the run's seed (the stream is ``SeedSequence(seed, spawn_key=(STREAM,))``).

    Attributes: ``counts`` int64[4]; ``by_platform`` int64 P×4; ``by_creator`` int64 C×4
    (C set by :meth:`set_creators`).
    """

    def __init__(self, cdf: np.ndarray, seed: int) -> None:
        self.cdf = np.asarray(cdf, dtype=np.float64)
        self.rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(STREAM,)))
        self.counts = np.zeros(len(KINDS), np.int64)
        self.by_platform = np.zeros((len(self.cdf), len(KINDS)), np.int64)
        self.by_creator = np.zeros((0, len(KINDS)), np.int64)

    def set_creators(self, n: int) -> None:
        """Count per creator for ``n`` creators (indices of the funnel's creator list)."""
        self.by_creator = np.zeros((n, len(KINDS)), np.int64)

    def book(self, platform: np.ndarray, creator: np.ndarray) -> np.ndarray:
        """Draw one kind (index into :data:`KINDS`) per engaged view on ``platform`` (int,
        one per view) by ``creator`` (funnel creator index, −1 none); count and return them."""
        m, k = len(platform), len(KINDS)
        if m == 0:
            return np.empty(0, np.int64)
        u = self.rng.random(m)
        kind = np.minimum((u[:, None] >= self.cdf[platform]).sum(axis=1), k - 1)
        self.counts += np.bincount(kind, minlength=k)
        p = len(self.by_platform)
        self.by_platform += np.bincount(platform * k + kind, minlength=p * k).reshape(p, k)
        mine = creator >= 0
        if mine.any():
            c = len(self.by_creator)
            self.by_creator += np.bincount(creator[mine] * k + kind[mine],
                                           minlength=c * k).reshape(c, k)
        return kind


@njit(cache=True)
def _book_engaged(post, channel, engaged, u, post_platform, post_author, creator_of_author,
                  n_tiers, cdf, counts, by_platform, by_creator):
    """:meth:`EngagementKinds.book` for the engaged entries of a batch in one pass: the j-th
    engaged view (batch order) gets kind ``min(#{q: u[j] >= cdf[platform, q]}, K - 1)``,
    counted overall, per platform and per creator (creator as
    :meth:`sim.engine.platform_funnel.FunnelBook.creator_of`: a creator tier's post author)."""
    k_kinds = counts.shape[0]
    j = 0
    for k in range(len(post)):
        if not engaged[k]:
            continue
        p = post[k]
        pl = np.int64(post_platform[p])
        x = u[j]
        j += 1
        kind = 0
        for q in range(cdf.shape[1]):
            if x >= cdf[pl, q]:
                kind += 1
        kind = min(kind, k_kinds - 1)
        counts[kind] += 1
        by_platform[pl, kind] += 1
        a = post_author[p]
        if a >= 0 and a < len(creator_of_author) and channel[k] < n_tiers:
            c = creator_of_author[a]
            if c >= 0:
                by_creator[c, kind] += 1
    return j


def book_kinds(ctx: "Context", exp: "Exposures", engaged: np.ndarray,
               n_engaged: int | None = None) -> None:
    """Give each engaged view of ``exp`` (``engaged``: bool per exposure; ``n_engaged``: their
    number when the caller has counted them) its kind, counted per platform and per creator of
    the post (no-op without a kinds book). Same draws and counts as
    :meth:`EngagementKinds.book` on the engaged views, in one compiled pass."""
    f = ctx.funnel
    if f is None or f.kinds is None:
        return
    m = int(np.count_nonzero(engaged)) if n_engaged is None else n_engaged
    if m == 0:
        return
    kinds = f.kinds
    _book_engaged(exp.post, exp.channel, engaged, kinds.rng.random(m), ctx.posts["platform"],
                  ctx.posts["author"], f._creator_of_author, f.n_tiers, kinds.cdf,
                  kinds.counts, kinds.by_platform, kinds.by_creator)


__all__ = ["COLUMNS", "book_kinds", "KINDS", "STREAM", "EngagementKinds", "mix_cdf"]
