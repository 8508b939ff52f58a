"""Impressions of creators' posts on strangers in each post's circle (shared by the discovery
feed, :mod:`sim.engine.discovery`, and the traffic pool, :mod:`sim.engine.amplification`).

A post is shown to ``count`` consumers of its tagged circle (the creator's home circle for
generic posts), drawn with replacement ∝ attention to the post's platform × activity, at trust
``behaviour.stranger_trust × follower_trust`` and on the creator's channel. Every post's draw
comes from one call (:meth:`sim.kernels.incremental.AttentionSampler.draw_in_circles`: the same
numbers as one draw per post in post order); the post and channel columns from one
``np.repeat`` each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.state import Context


def circle_impressions(ctx: "Context", wanted: list) -> Exposures:
    """The exposures of ``wanted`` ((creator, post id, count ≥ 1) per post, in draw order);
    empty, without a random draw, when ``wanted`` is empty."""
    if not wanted:
        return Exposures.empty()
    circles = ctx.posts["circle"]
    in_circle, platforms, counts, posts, channels = [], [], [], [], []
    for inf, post, count in wanted:
        circle = int(circles[post])
        in_circle.append(circle if circle >= 0 else inf.home_circle)
        platforms.append(inf.platform.index)
        counts.append(count)
        posts.append(post)
        channels.append(inf.channel)
    shown, sizes = ctx.world.sampler.draw_in_circles(in_circle, platforms, counts, ctx.rng)
    if len(shown) == 0:
        return Exposures.empty()
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    return Exposures(shown, np.repeat(np.array(posts, np.int64), sizes),
                     np.full(len(shown), trust, np.float32),
                     np.repeat(np.array(channels, np.int8), sizes))


__all__ = ["circle_impressions"]
