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
_FOLLOWERS, _PLATFORM, _CHANNEL = (attrgetter("followers"), attrgetter("platform"),
                                   attrgetter("channel"))
_INDEX = attrgetter("index")


@njit(cache=True)
def _deliver_pairs(offsets, seg, post_ids, creator_platform, creator_channel, base, act, share,
                   audience, u, trust):
    """Decide every (live post, follower) delivery of the day in one pass.

    Live post ``k`` belongs to creator ``seg[k]``, whose followers are
    ``audience[offsets[seg[k]]:offsets[seg[k] + 1]]`` with delivery factors ``act`` and
    ``share`` (0–1) at the same positions; ``base`` is the per-platform factor
    organic_reach × reach factor / lifetime (float32). ``u`` holds one uniform draw per pair,
    post by post and follower by follower. A pair is delivered when
    ``u < base · act · share`` — the product evaluated left to right in the factors' dtype,
    exactly as numpy evaluates ``np.repeat(base, lens) * act[idx] * share[idx]`` (clipping the
    probability to [0, 1] never changes ``u < p`` for ``0 ≤ u < 1``).

    Returns ``(consumers, posts, trusts, channels, ends, counts, per_platform, post_platform,
    post_channel)``: the reached consumers in draw order with their post id, trust ``trust``
    (a float, as float32) and channel, the
    end of each live post's deliveries in them (cumulative counts), each live post's
    deliveries, deliveries per platform index (``len(base)`` entries) and each live post's
    platform index and channel.
    """
    n = len(u)
    consumers = np.empty(n, dtype=np.int64)
    posts = np.empty(n, dtype=np.int64)
    channels = np.empty(n, dtype=np.int8)
    ends = np.empty(len(seg), dtype=np.int64)
    counts = np.empty(len(seg), dtype=np.int64)
    per_platform = np.zeros(len(base), dtype=np.int64)
    post_platform = np.empty(len(seg), dtype=np.int64)
    post_channel = np.empty(len(seg), dtype=np.int8)
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
        # branch-free: every follower is written at the next free place, which moves on only
        # when delivered (a delivery is a coin flip of a few percent: a branch on it is
        # mispredicted too often); ``consumers`` has room for every pair
        out = consumers[first:first + size]
        t = 0
        for i in range(size):
            out[t] = who[i]
            t += draws[i] < b * a[i] * s[i]
        m = first + t
        posts[first:m] = post_ids[k]
        channels[first:m] = creator_channel[c]
        ends[k] = m
        counts[k] = t
        per_platform[plat] += t
        post_platform[k] = plat
        post_channel[k] = creator_channel[c]
        j += size
    # copies: the buffers were sized for every pair, a few percent of which are delivered
    trusts = np.empty(m, dtype=np.float32)
    trusts[:] = np.float32(trust)
    return (consumers[:m].copy(), posts[:m].copy(), trusts, channels[:m].copy(), ends, counts,
            per_platform, post_platform, post_channel)


def _assemble(n: int, masks: dict[int, np.ndarray], parts: list[tuple[int, np.ndarray]]):
    """An array of length ``n`` holding each part ``(key, values)`` at ``masks[key]``."""
    out = np.empty(n, dtype=parts[0][1].dtype if parts else np.float32)
    for key, values in parts:
        out[masks[key]] = values
    return out


class LivePosts:
    """A day's live creator posts in delivery order, as columns (one entry per post).

    Iterates (and indexes) as ``(creator, post id, consumers reached)`` tuples, the form of
    the creator-by-creator rule; the rules that act on every live post (discovery feeds,
    the traffic pool) read the columns instead:

    * ``post``: post id (int64); ``creator``: the creator's position in ``creators`` (int64);
    * ``delivered``: followers reached today (int64 ≥ 0);
    * ``platform``: index of the creator's platform (int64); ``channel``: the creator's
      channel code (int8);
    * ``platforms``: the platforms by index (None where no post's creator is on it);
    * :meth:`homes`: each creator's home circle (int64, by position in ``creators``).
    """

    __slots__ = ("creators", "creator", "post", "delivered", "platform", "channel",
                 "platforms", "_consumers", "_ends", "_homes")

    def __init__(self, creators: list, creator: np.ndarray, post: np.ndarray,
                 consumers: np.ndarray, ends: np.ndarray, delivered: np.ndarray,
                 platform: np.ndarray,
                 channel: np.ndarray, platforms: list, homes) -> None:
        self.creators, self.creator, self.post = creators, creator, post
        self._consumers, self._ends = consumers, ends
        self.delivered = delivered
        self.platform, self.channel, self.platforms = platform, channel, platforms
        self._homes = homes  # () -> home circle per creator position

    @classmethod
    def of(cls, organic: "LivePosts | list") -> "LivePosts":
        """``organic`` itself, or the columns of a list of ``(creator, post id, consumers
        reached)`` tuples (the creator-by-creator form, :mod:`tests.naive`)."""
        if isinstance(organic, LivePosts):
            return organic
        creators = [c for c, _, _ in organic]
        reached = [np.asarray(r, dtype=np.int64) for _, _, r in organic]
        platforms: list = []
        for c in creators:
            i = c.platform.index
            platforms += [None] * (i + 1 - len(platforms))
            platforms[i] = c.platform
        return cls(creators, np.arange(len(creators), dtype=np.int64),
                   np.array([p for _, p, _ in organic], dtype=np.int64),
                   np.concatenate(reached) if reached else np.empty(0, np.int64),
                   np.cumsum([len(r) for r in reached], dtype=np.int64),
                   np.array([len(r) for r in reached], dtype=np.int64),
                   np.array([c.platform.index for c in creators], dtype=np.int64),
                   np.array([c.channel for c in creators], dtype=np.int8), platforms,
                   lambda: np.array([c.home_circle for c in creators], dtype=np.int64))

    def homes(self) -> np.ndarray:
        """Home circle of each creator, by position in ``creators`` (int64)."""
        return self._homes()

    def per_platform(self, value) -> np.ndarray:
        """``value(platform)`` for each platform index (float64; 0 where no platform)."""
        return np.array(self.platform_values(value), dtype=np.float64)

    def platform_values(self, value) -> list:
        """``value(platform)`` for each platform index as a list (0.0 where no platform)."""
        return [0.0 if p is None else value(p) for p in self.platforms]

    def __len__(self) -> int:
        return len(self.post)

    def __getitem__(self, k: int) -> tuple:
        k = range(len(self.post))[k]  # negative positions, and IndexError past the end
        start = int(self._ends[k - 1]) if k else 0
        return (self.creators[self.creator[k]], int(self.post[k]),
                self._consumers[start:int(self._ends[k])])

    def __iter__(self):
        return (self[k] for k in range(len(self.post)))


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
        self._home: np.ndarray | None = None  # home circle per creator, read when first needed

    def _build(self) -> None:
        """Concatenate every creator's followers and fixed delivery factors (once per run,
        again only if a creator's followers or platform change)."""
        cs, pop = self.creators, self.pop
        self._followers = list(map(_FOLLOWERS, cs))
        self._platforms = list(map(_PLATFORM, cs))
        self._sizes = list(map(len, self._followers))  # followers per creator
        self.offsets = np.zeros(len(cs) + 1, dtype=np.int64)
        np.cumsum(np.array(self._sizes, dtype=np.int64), out=self.offsets[1:])
        self.audience = (np.concatenate(self._followers).astype(np.int64, copy=False)
                         if cs else np.empty(0, np.int64))
        index = list(map(_INDEX, self._platforms))
        self._creator_platform = np.array(index, dtype=np.int64)
        self._creator_channel = np.array(list(map(_CHANNEL, cs)), dtype=np.int8)
        # distinct platforms, by index (the delivery factor reads their reach factor daily)
        self._by_index = dict(zip(index, self._platforms))
        self._n_platforms = max(self._by_index, default=-1) + 1
        self._platform_list = [self._by_index.get(i) for i in range(self._n_platforms)]
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
        """Deliver every live post once and age the posts by a day (a creator's
        ``live_posts`` list holding one post is aged in place, others are replaced).

        ``published``: the creators who published since the last delivery, when the caller
        knows them (the model does: posts become live only by ``Influencer.publish``); then
        only they and the creators whose posts were still live after the last delivery are
        looked at, in creator order, instead of every creator (same deliveries and draws).
        None looks at every creator.

        Returns ``(exposures, organic)``: the day's organic exposures (trust ``trust``, channel
        of the creator's tier) and the live posts in order as :class:`LivePosts` (a sequence
        of ``(creator, post id, consumers reached)``; an empty list when no post is live).
        """
        cs = self.creators
        if self._followers is None:
            self._build()
        followers, platforms = self._followers, self._platforms
        seg: list[int] = []  # creator of each live post, in delivery order
        post_ids: list[int] = []
        still: list[int] = []  # creators with posts live after today
        stale = False
        if published is None:  # creators with live posts, by a C-level scan of all of them
            looked = list(compress(range(len(cs)), map(_LIVE_POSTS, cs)))
        else:
            fresh = set(map(self._index.get, map(id, published)))  # None: not a creator here
            fresh.discard(None)
            fresh |= self._still_live
            looked = sorted(fresh)
        add_seg, add_post, add_still = seg.append, post_ids.append, still.append
        for k in looked:
            c = cs[k]
            live = c.live_posts
            if not live:
                continue
            if c.followers is not followers[k] or c.platform is not platforms[k]:
                stale = True
            if len(live) == 1:  # the common case, aged in place, without the comprehensions
                post, days = live[0]
                add_seg(k)
                add_post(post)
                if days > 1:
                    live[0] = (post, days - 1)
                    add_still(k)
                else:
                    live.clear()
                continue
            seg += [k] * len(live)
            post_ids += [post for post, _ in live]
            aged = c.live_posts = [(post, days - 1) for post, days in live if days > 1]
            if aged:
                add_still(k)
        self._still_live = set(still)
        if not seg:
            return Exposures.empty(), []
        if stale:
            self._build()  # a delivering creator's followers or platform changed
        u = rng.random(sum(map(self._sizes.__getitem__, seg)))  # one draw per pair
        creator = np.array(seg, dtype=np.int64)
        post = np.array(post_ids, dtype=np.int64)
        (consumers, posts, trusts, channels, ends, delivered, per_platform, platform,
         channel) = _deliver_pairs(
            self.offsets, creator, post, self._creator_platform, self._creator_channel,
            self._base(), self.act, self.share, self.audience, u, trust)
        by_index = self._by_index
        for i, n in enumerate(per_platform.tolist()):
            if n:
                by_index[i].delivered_organic += n
        exposures = Exposures(consumers, posts, trusts, channels)
        return exposures, LivePosts(cs, creator, post, consumers, ends, delivered, platform,
                                    channel, self._platform_list, self._homes)

    def _homes(self) -> np.ndarray:
        """Each creator's home circle (int64; read once per run: a creator keeps it)."""
        if self._home is None:
            self._home = np.array([c.home_circle for c in self.creators], dtype=np.int64)
        return self._home


__all__ = ["LivePosts", "OrganicDelivery"]
