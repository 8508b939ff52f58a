"""Impressions of creators' posts on strangers in each post's circle (shared by the discovery
feed, :mod:`sim.engine.discovery`, and the traffic pool, :mod:`sim.engine.amplification`).

A post is shown to ``count`` consumers of its tagged circle (the creator's home circle for
generic posts), drawn with replacement ∝ attention to the post's platform × activity, at trust
``behaviour.stranger_trust × follower_trust`` and on the creator's channel. Every post's draw
comes from one ``rng.random`` call (the same numbers as
:meth:`sim.kernels.incremental.AttentionSampler.draw_circles`, itself one draw per post in post
order); the posts' circles and the plan of the draws come from one compiled call
(:func:`sim.kernels.reach.impression_plan`) and the drawn consumers with their post, trust and
channel columns from another (:func:`sim.kernels.reach.impression_columns`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernels.incremental import PLAN_UNBUILT, PLAN_WEIGHTLESS
from sim.kernels.reach import impression_columns, impression_plan
from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.organic import LivePosts
    from sim.engine.state import Context


def circle_impressions(ctx: "Context", live: "LivePosts", counts: np.ndarray) -> Exposures:
    """The exposures of ``counts[k]`` (int64 ≥ 0) impressions of each live post ``k`` of
    ``live``, in post order; empty, without a random draw, when nothing is to be drawn."""
    sampler = ctx.world.sampler
    order, starts, built, cum, tops, guide, scale = sampler.circle_stack()
    circle_column, posts, creator, homes, platform = (ctx.posts["circle"], live.post,
                                                      live.creator, live.homes(), live.platform)
    circles, sizes, first, total, status = impression_plan(
        circle_column, posts, creator, homes, starts, platform, counts, built, tops)
    if status == PLAN_UNBUILT:  # a platform's circle tables are needed for the first time
        sampler.build_circle_tables(platform[sizes > 0])
        circles, sizes, first, total, status = impression_plan(
            circle_column, posts, creator, homes, starts, platform, counts, built, tops)
    if total == 0:
        return Exposures.empty()
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    if status == PLAN_WEIGHTLESS:  # a circle without weight draws integers: pool by pool
        shown, sizes = sampler.draw_circles(circles, platform, counts, ctx.rng)
        return Exposures(shown, np.repeat(posts, sizes), np.full(len(shown), trust, np.float32),
                         np.repeat(live.channel, sizes))
    return Exposures(*impression_columns(order, cum, guide, scale, starts, circles, platform,
                                         first, sizes, ctx.rng.random(total), posts,
                                         live.channel, trust))


__all__ = ["circle_impressions"]
