"""Impressions of creators' posts on strangers in each post's circle (shared by the discovery
feed, :mod:`sim.engine.discovery`, and the traffic pool, :mod:`sim.engine.amplification`).

A post is shown to ``count`` consumers of its tagged circle (the creator's home circle for
generic posts), drawn with replacement ∝ attention to the post's platform × activity, at trust
``behaviour.stranger_trust × follower_trust`` and on the creator's channel. Every post's draw
comes from one call (:meth:`sim.kernels.incremental.AttentionSampler.draw_circles`: the same
numbers as one draw per post in post order); the posts' circles from one compiled call
(:func:`sim.kernels.reach.post_circles`) and the post and channel columns from one
``np.repeat`` each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernels.reach import post_circles
from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.organic import LivePosts
    from sim.engine.state import Context


def circle_impressions(ctx: "Context", live: "LivePosts", counts: np.ndarray) -> Exposures:
    """The exposures of ``counts[k]`` (int64 ≥ 0) impressions of each live post ``k`` of
    ``live``, in post order; empty, without a random draw, when nothing is to be drawn."""
    if not counts.any():
        return Exposures.empty()
    circles = post_circles(ctx.posts["circle"], live.post, live.creator, live.homes())
    shown, sizes = ctx.world.sampler.draw_circles(circles, live.platform, counts, ctx.rng)
    if len(shown) == 0:
        return Exposures.empty()
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    return Exposures(shown, np.repeat(live.post, sizes), np.full(len(shown), trust, np.float32),
                     np.repeat(live.channel, sizes))


__all__ = ["circle_impressions"]
