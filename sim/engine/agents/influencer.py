"""Influencer agents: KOL tiers and KOCs that publish commissioned posts to their followers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

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

    def commission(self, order: Commission) -> None:
        """Accept a paid post; it is published in today's publishing phase (a model that
        keeps a ``queued_creators`` list is told of the creator's first commission of the
        day, so that it publishes without asking every creator)."""
        if not self.queue:
            queued = getattr(self.model, "queued_creators", None)
            if queued is not None:
                queued.append(self)
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
