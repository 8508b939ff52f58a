"""Today's organic deliveries of every creator's live posts in one vectorised draw.

Each live post reaches each follower of its creator independently with the platform's delivery
probability (:meth:`sim.world.platforms.Platform.delivery_probability`). Drawing creator by creator
costs a dozen numpy calls per creator a day; here the followers of all creators are kept in one
concatenated array with their fixed delivery factors, today's live posts select their creators'
segments, one ``rng.random`` call draws a number for every (live post, follower) pair and one
compiled loop (:func:`_deliver_pairs`) decides every delivery. The random numbers are consumed
in the same order as creator-by-creator draws (creators in tier order, posts in publication
order, followers in order), so the results are identical to drawing creator by creator
(``tests/naive.py`` keeps that form as the reference).
"""

from __future__ import annotations

from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.agents.influencer import Influencer
    from sim.world.platforms import Platform
    from sim.world.population import Population


_LIVE_POSTS = attrgetter("live_posts")


@njit(cache=True)
def _deliver_pairs(offsets, seg, post_ids, creator_platform, creator_channel, base, act, share,
                   audience, u):
    """Decide every (live post, follower) delivery of the day in one pass.

    Live post ``k`` belongs to creator ``seg[k]``, whose followers are
    ``audience[offsets[seg[k]]:offsets[seg[k] + 1]]`` with delivery factors ``act`` and
    ``share`` (0–1) at the same positions; ``base`` is the per-platform factor
    organic_reach × reach factor / lifetime (float32). ``u`` holds one uniform draw per pair,
    post by post and follower by follower. A pair is delivered when
    ``u < base · act · share`` — the product evaluated left to right in the factors' dtype,
    exactly as numpy evaluates ``np.repeat(base, lens) * act[idx] * share[idx]`` (clipping the
    probability to [0, 1] never changes ``u < p`` for ``0 ≤ u < 1``).

    Returns ``(consumers, posts, channels, ends, per_platform)``: the reached consumers in
    draw order with their post id and channel, the end of each live post's deliveries in
    them (cumulative counts) and deliveries per platform index (``len(base)`` entries).
    """
    n = len(u)
    consumers = np.empty(n, dtype=np.int64)
    posts = np.empty(n, dtype=np.int64)
    channels = np.empty(n, dtype=np.int8)
    ends = np.empty(len(seg), dtype=np.int64)
    per_platform = np.zeros(len(base), dtype=np.int64)
    j = 0  # first draw of the post
    m = 0  # deliveries so far
    for k in range(len(seg)):
        c = seg[k]
        plat = creator_platform[c]
        b = base[plat]
        lo, size = offsets[c], offsets[c + 1] - offsets[c]
        # views starting at 0 let the compiler drop negative-index checks in the inner loop
        draws, a, s = u[j:j + size], act[lo:lo + size], share[lo:lo + size]
        who = audience[lo:lo + size]
        first = m
        for i in range(size):
            if draws[i] < b * a[i] * s[i]:
                consumers[m] = who[i]
                m += 1
        posts[first:m] = post_ids[k]
        channels[first:m] = creator_channel[c]
        ends[k] = m
        per_platform[plat] += m - first
        j += size
    # copies: the buffers were sized for every pair, a few percent of which are delivered
    return consumers[:m].copy(), posts[:m].copy(), channels[:m].copy(), ends, per_platform


def _assemble(n: int, masks: dict[int, np.ndarray], parts: list[tuple[int, np.ndarray]]):
    """An array of length ``n`` holding each part ``(key, values)`` at ``masks[key]``."""
    out = np.empty(n, dtype=parts[0][1].dtype if parts else np.float32)
    for key, values in parts:
        out[masks[key]] = values
    return out


class OrganicDelivery:
    """Followers and delivery factors of a fixed list of creators, concatenated once.

    The concatenation is rebuilt when a creator with live posts has a followers array or a
    platform other than the ones it was built from (checked by identity, creator by creator,
    only for creators delivering today). A creator's channel is fixed by its tier.
    """

    def __init__(self, creators: list[Influencer], pop: Population) -> None:
        self.creators = creators
        self.pop = pop
        self._followers: list[np.ndarray] | None = None  # per creator, as built
        self._platforms: list[Platform] = []  # per creator, as built
        self._index = {id(c): k for k, c in enumerate(creators)}  # creator -> position
        self._still_live: set[int] = set()  # creators with live posts after the last delivery

    def _build(self) -> None:
        """Concatenate every creator's followers and fixed delivery factors (once per run,
        again only if a creator's followers or platform change)."""
        cs, pop = self.creators, self.pop
        self._followers = [c.followers for c in cs]
        self._platforms = [c.platform for c in cs]
        self._sizes = [len(f) for f in self._followers]  # followers per creator
        self.offsets = np.zeros(len(cs) + 1, dtype=np.int64)
        np.cumsum(np.array(self._sizes, dtype=np.int64), out=self.offsets[1:])
        self.audience = (np.concatenate(self._followers).astype(np.int64)
                         if cs else np.empty(0, np.int64))
        self._creator_platform = np.array([p.index for p in self._platforms], dtype=np.int64)
        self._creator_channel = np.array([c.channel for c in cs], dtype=np.int8)
        # distinct platforms, by index (the delivery factor reads their reach factor daily)
        self._by_index = {p.index: p for p in self._platforms}
        self._n_platforms = max(self._by_index, default=-1) + 1
        # the fixed delivery factors are elementwise: one call per platform covers all its
        # creators' followers at once
        pair_platform = np.repeat(self._creator_platform, self._sizes)
        on = {i: pair_platform == i for i in self._by_index}
        terms = {i: pl.delivery_terms(self.audience[on[i]], pop.activity, pop.attention)
                 for i, pl in self._by_index.items()}
        self.act = _assemble(len(self.audience), on, [(i, t[0]) for i, t in terms.items()])
        self.share = _assemble(len(self.audience), on, [(i, t[1]) for i, t in terms.items()])

    def _base(self) -> np.ndarray:
        """Per platform index: organic_reach × reach factor / lifetime as float32, like the
        per-creator rule (a Python float times float32 arrays computes in float32)."""
        base = [0.0] * self._n_platforms
        for i, pl in self._by_index.items():
            base[i] = pl.cfg.organic_reach * pl.reach_factor / pl.cfg.content_lifetime
        return np.array(base, dtype=np.float32)

    def deliver(self, rng: np.random.Generator, trust: float, published: list | None = None):
        """Deliver every live post once and age the posts by a day.

        ``published``: the creators who published since the last delivery, when the caller
        knows them (the model does: posts become live only by ``Influencer.publish``); then
        only they and the creators whose posts were still live after the last delivery are
        looked at, in creator order, instead of every creator (same deliveries and draws).
        None looks at every creator.

        Returns ``(exposures, organic)``: the day's organic exposures (trust ``trust``, channel
        of the creator's tier) and, per live post in order, ``(creator, post id, consumers
        reached)``.
        """
        cs = self.creators
        if self._followers is None:
            self._build()
        followers, platforms = self._followers, self._platforms
        seg: list[int] = []  # creator of each live post, in delivery order
        post_ids: list[int] = []
        stale = False
        if published is None:  # creators with live posts, by a C-level scan of all of them
            looked = list(compress(range(len(cs)), map(_LIVE_POSTS, cs)))
        else:
            index = self._index
            looked = sorted(self._still_live.union(
                index[id(c)] for c in published if id(c) in index))
        for k in looked:
            c = cs[k]
            live = c.live_posts
            if not live:
                continue
            stale = stale or c.followers is not followers[k] or c.platform is not platforms[k]
            for post, _ in live:
                seg.append(k)
                post_ids.append(post)
            c.live_posts = [(post, days - 1) for post, days in live if days > 1]  # a day older
        self._still_live = {k for k in looked if cs[k].live_posts}
        if not seg:
            return Exposures.empty(), []
        if stale:
            self._build()  # a delivering creator's followers or platform changed
        u = rng.random(sum(map(self._sizes.__getitem__, seg)))  # one draw per pair
        consumers, posts, channels, ends, per_platform = _deliver_pairs(
            self.offsets, np.array(seg, dtype=np.int64), np.array(post_ids, dtype=np.int64),
            self._creator_platform, self._creator_channel, self._base(), self.act, self.share,
            self.audience, u)
        for i, n in enumerate(per_platform.tolist()):
            if n:
                self._by_index[i].delivered_organic += n
        organic = []
        start = 0
        for k, post, end in zip(seg, post_ids, ends.tolist()):
            organic.append((cs[k], post, consumers[start:end]))
            start = end
        exposures = Exposures(consumers, posts, np.full(len(consumers), trust, np.float32),
                              channels)
        return exposures, organic


__all__ = ["OrganicDelivery"]
