"""Algorithmic amplification (the traffic pool): early engagement buys reach beyond followers.

A creator's post whose engaged share of today's deliveries clears its platform's
``amplification_threshold`` earns ``amplification_factor × delivered × reach factor`` extra
exposures the same day (:meth:`sim.world.platforms.Platform.amplified_count`), to non-followers
in the post's tagged circle (the creator's home circle for generic posts), drawn ∝ attention to
the platform × activity. Strangers trust such exposures less: trust
``behaviour.stranger_trust × follower_trust``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.state import Context


def amplify(ctx: "Context", exp: Exposures, engaged: np.ndarray, organic: list) -> Exposures:
    """Today's boosted exposures of the creators' posts in ``organic`` ((creator, post, reached)
    per live post), given the organic exposures ``exp`` and which of them were ``engaged``."""
    if len(exp) == 0:
        return Exposures.empty()
    n_posts = len(ctx.posts)
    live = [post for _, post, _ in organic]
    delivered = np.bincount(exp.post, minlength=n_posts)[live].tolist()
    hits = np.bincount(exp.post[engaged], minlength=n_posts)[live].tolist()
    circles = ctx.posts["circle"]
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    sampler = ctx.world.sampler
    # the boosted posts' draws in one call (the same numbers as one draw per post) and
    # their exposures in one batch (equal to the concatenation of one batch per post)
    in_circle, platforms, counts, post_ids, channels = [], [], [], [], []
    for (inf, post, _), d, h in zip(organic, delivered, hits):
        extra = inf.platform.amplified_count(d, h)
        if extra == 0:
            continue
        circle = int(circles[post])
        circle = circle if circle >= 0 else inf.home_circle
        in_circle.append(circle)
        platforms.append(inf.platform.index)
        counts.append(extra)
        post_ids.append(post)
        channels.append(inf.channel)
    if not in_circle:
        return Exposures.empty()
    consumer, sizes = sampler.draw_in_circles(in_circle, platforms, counts, ctx.rng)
    if len(consumer) == 0:
        return Exposures.empty()
    return Exposures(consumer, np.repeat(np.array(post_ids, np.int64), sizes),
                     np.full(len(consumer), trust, np.float32),
                     np.repeat(np.array(channels, np.int8), sizes))

__all__ = ["amplify"]
