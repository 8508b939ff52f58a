"""Influencer agents: KOL tiers and KOCs that publish commissioned posts to their followers.

A model publishes the day's commissioned posts of every creator at once through its
:class:`CommissionBook` (``ctx.commissions``); :meth:`Influencer.publish` publishes one
creator's queued orders on their own.
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from sim.kernels.commission import stable_order, stage_posts, write_posts
from sim.world.content import POST_FIELDS

if TYPE_CHECKING:
    from sim.engine.state import Context
    from sim.world.platforms import Platform


class Commission(NamedTuple):
    """A post a retailer paid for: whose, what kind, tagged to which circle (-1 generic),
    whether it reuses near-duplicate copy and whether it carries guanxi framing. A tuple in
    this field order, so a retailer commissioning many posts makes them with
    ``tuple.__new__(Commission, (...))`` and publishing unpacks them."""

    retailer: int
    kind: int
    circle: int
    reused: bool = False
    framed: bool = False


class Influencer(mesa.Agent):
    """A creator of one tier on one platform.

    Attributes:
        tier: tier name (head, waist, tail, nano, ...).
        channel: channel code of the tier (for spend and attribution).
        platform: the platform the creator posts on.
        home_circle: interest circle most followers come from.
        followers: consumer rows following the creator (numpy int64).
        credibility: 0–1, enters the engagement logit as b_cred·credibility·trust.
        b0: engagement logit intercept, logit of the tier's baseline engagement rate.
        fee: yuan per commissioned post (already scaled to the simulated market).
        real_fans, fit, quality: the creator's traits (:mod:`sim.engine.creators`): share of
            followers who are real fans (``followers`` holds only them), fit to the product
            (× credibility), content quality (+ engagement logit).
        post_days: a roster creator's logged post days (``post_days`` of a booking log,
            :mod:`sim.engine.bookings`); () for everyone else.
        withheld: counterfactual switch (:mod:`sim.analysis.creator_lift`): the creator still
            accepts and is paid for commissions, but none of its posts is published.
    """

    def __init__(
        self, model: mesa.Model, tier: str, channel: int, platform: "Platform",
        home_circle: int, followers: np.ndarray, credibility: float, engagement: float,
        fee: float, creator_id: str = "", real_fans: float = 1.0, fit: float = 1.0,
        quality: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.creator_id = creator_id  # a roster creator's id ("" for a generated creator)
        self.tier = tier
        self.channel = channel
        self.platform = platform
        self.home_circle = home_circle
        self.followers = followers
        self.credibility = credibility * fit
        self.b0 = math.log(engagement / (1.0 - engagement)) + quality
        self.fee = fee
        self.real_fans, self.fit, self.quality = real_fans, fit, quality
        self.post_days: tuple[int, ...] = ()
        self.queue: list[Commission] = []
        self.live_posts: list[tuple[int, int]] = []  # (post id, days left)
        self.posts_published = 0
        self.withheld = False
        self.queued_at = 0  # CommissionBook.n when the first order of the day was queued

    def commission(self, order: Commission) -> None:
        """Accept a paid post; it is published in today's publishing phase (a model that
        keeps a ``queued_creators`` list is told of the creator's first commission of the
        day, so that it publishes without asking every creator)."""
        if not self.queue:
            queued = getattr(self.model, "queued_creators", None)
            if queued is not None:
                queued.append(self)
                # where the first order stands among the retailers' staged posts
                book = getattr(getattr(self.model, "ctx", None), "commissions", None)
                self.queued_at = book.n if book is not None else 0
        self.queue.append(order)

    def publish(self, ctx: "Context") -> None:
        """Publish queued commissions as posts and keep them live for the platform's lifetime
        (delivered to followers by :mod:`sim.engine.organic`)."""
        if self.withheld:  # the run without this creator's posts
            self.queue.clear()
            return
        # the row Context.publish appends, built here once per creator: fatigue per exposure
        # is the kind's homogeneity, plus behaviour.reuse_fatigue for reused copy
        lifetime = self.platform.cfg.content_lifetime
        beh = ctx.beh
        homogeneity, reuse_fatigue = ctx._homogeneity(beh), beh.reuse_fatigue
        append, live = ctx.posts.append, self.live_posts.append
        platform, channel, day = self.platform.index, self.channel, ctx.state.day
        credibility, b0, author = self.credibility, self.b0, self.unique_id
        for retailer, kind, circle, reused, framed in self.queue:
            post_id = append(retailer, platform, channel, kind, circle, credibility, b0, False,
                             author, day, homogeneity[kind] + (reuse_fatigue if reused else 0.0),
                             framed, reused)
            live((post_id, lifetime))
        self.posts_published += len(self.queue)
        self.queue.clear()


class _CreatorTable:
    """Every creator of a run by table slot (slots in unique-id order, the order creators
    publish in) and what their posts carry: platform index, channel, credibility, b0,
    unique id (int64 / float64 arrays) and content lifetime (list)."""

    def __init__(self, creators_by_tier: dict[str, list[Influencer]]) -> None:
        cs = sorted((c for tier in creators_by_tier.values() for c in tier),
                    key=lambda c: c.unique_id)
        self.creators = cs
        self.slot = {id(c): k for k, c in enumerate(cs)}
        self.platform = np.array([c.platform.index for c in cs], dtype=np.int64)
        self.channel = np.array([c.channel for c in cs], dtype=np.int64)
        self.credibility = np.array([c.credibility for c in cs], dtype=np.float64)
        self.b0 = np.array([c.b0 for c in cs], dtype=np.float64)
        self.author = np.array([c.unique_id for c in cs], dtype=np.int64)
        self.lifetime = [c.platform.cfg.content_lifetime for c in cs]


_WITHHELD = attrgetter("withheld")
_STAGED = (("slot", np.int64), ("retailer", np.int64), ("kind", np.int64),
           ("circle", np.int64), ("reused", np.bool_), ("framed", np.bool_))


class CommissionBook:
    """The day's commissioned creator posts, staged as columns until the publishing phase
    publishes them all at once (:meth:`publish`).

    Retailers stage a tier's posts with one call (:meth:`stage`) instead of queueing a
    :class:`Commission` per post at its creator; orders queued at a creator
    (:meth:`Influencer.commission`, e.g. a named booking) are still published, as made at the
    creator's first order of the day. Publishing gives exactly the posts, post ids and live
    posts of every queued creator's :meth:`Influencer.publish` in unique-id order: each
    creator's posts in the order they were commissioned.
    """

    def __init__(self) -> None:
        self.n = 0  # staged posts
        self._cols = {k: np.empty(64, dtype=t) for k, t in _STAGED}
        self._table: _CreatorTable | None = None
        self._lists: dict[int, tuple[list, np.ndarray, np.ndarray]] = {}
        self._homogeneity: tuple[list | None, np.ndarray] = (None, np.empty(0))

    @property
    def bound(self) -> bool:
        """True once the creator table is built (:meth:`bind`)."""
        return self._table is not None

    def bind(self, creators_by_tier: dict[str, list[Influencer]]) -> None:
        """Build the creator table (once the run's creators exist)."""
        self._table = _CreatorTable(creators_by_tier)
        self._lists = {}

    def _slots(self, creators: list) -> tuple[np.ndarray, np.ndarray, frozenset]:
        """Table slots and home circles (int64) of a creator list and the set of those
        circles, kept while it is the same list of the same length."""
        cached = self._lists.get(id(creators))
        if cached is None or cached[0] is not creators or len(cached[1]) != len(creators):
            slot = self._table.slot
            homes = [c.home_circle for c in creators]
            cached = self._lists[id(creators)] = (
                creators, np.array([slot[id(c)] for c in creators], dtype=np.int64),
                np.array(homes, dtype=np.int64), frozenset(homes))
        return cached[1], cached[2], cached[3]

    def _room(self, n: int) -> dict[str, np.ndarray]:
        cols = self._cols
        if n > len(cols["slot"]):
            capacity = max(2 * len(cols["slot"]), n)
            for k, col in cols.items():
                grown = np.empty(capacity, dtype=col.dtype)
                grown[:self.n] = col[:self.n]
                cols[k] = grown
        return cols

    def stage(self, creators: list, picks: np.ndarray, u: np.ndarray, cdf: np.ndarray,
              kinds: np.ndarray, p_tagged: float, p_reused: float, p_framed: float,
              retailer: int, targeted: set) -> None:
        """Stage a post from ``creators[i]`` for each ``i`` in ``picks`` for ``retailer``, its
        traits from the uniforms ``u`` (n×4) as :func:`sim.kernels.commission.post_traits`
        gives them; the creators' home circles join the retailer's ``targeted`` circles."""
        if self._table is None:
            raise RuntimeError("CommissionBook.bind was not called")
        slots, homes, home_set = self._slots(creators)
        if not home_set <= targeted:  # else every home circle of the list is in already
            targeted.update(homes[picks].tolist())
        start = self.n
        c = self._room(start + len(picks))
        stage_posts(u, cdf, kinds, p_tagged, p_reused, p_framed, picks, slots, homes,
                    retailer, start, c["slot"], c["retailer"], c["kind"], c["circle"],
                    c["reused"], c["framed"])
        self.n = start + len(picks)

    def staged(self) -> list[tuple[Influencer, Commission]]:
        """The posts staged so far, in staging order: (creator, its order)."""
        c, creators, n = self._cols, self._table.creators if self._table else [], self.n
        return [(creators[s], Commission(r, k, ci, bool(u), bool(f)))
                for s, r, k, ci, u, f in zip(*(c[k][:n].tolist() for k, _ in _STAGED))]

    def discard(self) -> None:
        """Drop the staged posts (nothing is published)."""
        self.n = 0

    def _stage_queued(self, queued: list) -> np.ndarray | None:
        """Stage the orders queued at the creators ``queued`` (clearing their queues);
        returns every staged row's position in time (None when nothing was queued)."""
        rows, where = [], []
        slot = self._table.slot
        for creator in queued:
            for order in creator.queue:
                rows.append((slot[id(creator)], *order))
                where.append(creator.queued_at - 0.5)  # before the rows staged after it
            creator.queue.clear()
        if not rows:
            return None
        start = self.n
        c = self._room(start + len(rows))
        for k, column in zip(c, zip(*rows)):
            c[k][start:start + len(rows)] = column
        self.n = start + len(rows)
        return np.concatenate([np.arange(start, dtype=np.float64), where])

    def publish(self, ctx: "Context", queued: list) -> list:
        """Publish every staged post and the orders queued at the creators ``queued`` (see the
        class docstring); returns the creators who published (in publishing order, a
        creator once per post)."""
        if self._table is None:
            self.bind(ctx.creators_by_tier)
        table = self._table
        when = self._stage_queued(queued) if queued else None
        n, self.n = self.n, 0
        if not n:
            return []
        c = self._cols
        slot = c["slot"][:n]
        rows = stable_order(slot) if when is None else np.lexsort((when, slot))
        slots = slot[rows].tolist()
        published = list(map(table.creators.__getitem__, slots))
        if any(map(_WITHHELD, published)):  # their posts are paid for but never published
            rows = rows[np.array([not c.withheld for c in published], dtype=bool)]
            slots = slot[rows].tolist()
            published = list(map(table.creators.__getitem__, slots))
        m = len(rows)
        if not m:
            return []
        beh = ctx.beh
        homogeneity = ctx._homogeneity(beh)  # Python floats per kind, kept by the context
        if self._homogeneity[0] is not homogeneity:
            self._homogeneity = (homogeneity, np.array(homogeneity, dtype=np.float64))
        start, buf = ctx.posts.open_rows(m)
        write_posts(rows, c["slot"], c["retailer"], c["kind"], c["circle"], c["reused"],
                    c["framed"], table.platform, table.channel, table.credibility, table.b0,
                    table.author, self._homogeneity[1], beh.reuse_fatigue, ctx.state.day,
                    start, *map(buf.__getitem__, POST_FIELDS))
        for creator, post_id, days in zip(published, range(start, start + m),
                                          map(table.lifetime.__getitem__, slots)):
            creator.live_posts.append((post_id, days))
            creator.posts_published += 1
        return published
