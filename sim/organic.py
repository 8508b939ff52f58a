"""Today's organic deliveries of every creator's live posts in one vectorised draw.

Each live post reaches each follower of its creator independently with the platform's delivery
probability (:meth:`sim.platforms.Platform.delivery_probability`). Drawing creator by creator
costs a dozen numpy calls per creator a day; here the followers of all creators are kept in one
concatenated array with their fixed delivery factors, today's live posts select their creators'
segments, and one ``rng.random`` call decides every delivery. The random numbers are consumed
in the same order as creator-by-creator draws (creators in tier order, posts in publication
order, followers in order), so the results are identical to
:meth:`sim.agents.influencer.Influencer.deliver`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .content import Exposures

if TYPE_CHECKING:
    from .agents.influencer import Influencer
    from .population import Population


class OrganicDelivery:
    """Followers and delivery factors of a fixed list of creators, concatenated once."""

    def __init__(self, creators: list[Influencer], pop: Population) -> None:
        self.creators = creators
        self.pop = pop
        self._key: list[tuple[int, int]] | None = None

    def _build(self) -> None:
        cs, pop = self.creators, self.pop
        self._key = [(id(c.followers), c.platform.index) for c in cs]
        sizes = np.array([len(c.followers) for c in cs], dtype=np.int64)
        self.offsets = np.zeros(len(cs) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.offsets[1:])
        self.audience = (np.concatenate([c.followers for c in cs]).astype(np.int64)
                         if cs else np.empty(0, np.int64))
        terms = [c.platform.delivery_terms(c.followers, pop.activity, pop.attention) for c in cs]
        self.act = np.concatenate([t[0] for t in terms]) if cs else np.empty(0, np.float32)
        self.share = np.concatenate([t[1] for t in terms]) if cs else np.empty(0, np.float32)

    def deliver(self, rng: np.random.Generator, trust: float):
        """Deliver every live post once and age the posts by a day.

        Returns ``(exposures, organic)``: the day's organic exposures (trust ``trust``, channel
        of the creator's tier) and, per live post in order, ``(creator, post id, consumers
        reached)``.
        """
        cs = self.creators
        if self._key != [(id(c.followers), c.platform.index) for c in cs]:
            self._build()  # first day, or a creator's followers or platform changed
        live = [(k, c, post) for k, c in enumerate(cs) for post, _ in c.live_posts]
        if not live:
            return Exposures.empty(), []
        seg = np.array([k for k, _, _ in live], dtype=np.int64)
        starts, lens = self.offsets[seg], self.offsets[seg + 1] - self.offsets[seg]
        total = int(lens.sum())
        # audience positions of every (live post, follower) pair, post by post
        idx = np.arange(total) - np.repeat(np.cumsum(lens) - lens - starts, lens)
        # base = organic_reach × reach factor / lifetime per post, as float32 like the
        # per-creator rule (a Python float times float32 arrays computes in float32)
        platforms = {c.platform.index: c.platform for _, c, _ in live}
        base_of = {i: pl.cfg.organic_reach * pl.reach_factor / pl.cfg.content_lifetime
                   for i, pl in platforms.items()}
        plat = np.array([c.platform.index for _, c, _ in live], dtype=np.int64)
        base = np.array([base_of[i] for i in plat.tolist()], dtype=np.float32)
        p = np.clip(np.repeat(base, lens) * self.act[idx] * self.share[idx], 0.0, 1.0)
        hit = rng.random(total) < p
        hits_before = np.zeros(total + 1, dtype=np.int64)
        np.cumsum(hit, out=hits_before[1:])
        ends = np.cumsum(lens)
        per_post = hits_before[ends] - hits_before[ends - lens]  # deliveries per live post
        consumers = self.audience[idx[hit]]
        posts = np.repeat(np.array([post for _, _, post in live], dtype=np.int64), per_post)
        channels = np.repeat(np.array([c.channel for _, c, _ in live], dtype=np.int8), per_post)
        for i, n in enumerate(np.bincount(plat, weights=per_post).tolist()):
            if i in platforms:
                platforms[i].delivered_organic += int(n)
        bounds = np.concatenate([[0], np.cumsum(per_post)]).tolist()
        organic = [(c, post, consumers[bounds[j]:bounds[j + 1]])
                   for j, (_, c, post) in enumerate(live)]
        for c in {id(c): c for _, c, _ in live}.values():
            c.live_posts = [(post, days - 1) for post, days in c.live_posts if days > 1]
        exposures = Exposures(consumers, posts, np.full(len(consumers), trust, np.float32),
                              channels)
        return exposures, organic


__all__ = ["OrganicDelivery"]
