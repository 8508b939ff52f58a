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
    delivered = np.bincount(exp.post, minlength=n_posts)
    hits = np.bincount(exp.post[engaged], minlength=n_posts)
    circles = ctx.posts["circle"]
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    sampler = ctx.world.sampler
    out = []
    for inf, post, _ in organic:
        extra = inf.platform.amplified_count(int(delivered[post]), int(hits[post]))
        if extra == 0:
            continue
        circle = int(circles[post])
        circle = circle if circle >= 0 else inf.home_circle
        pool, cum = sampler.pool(circle, inf.platform.index, lambda: ctx.circle_members(circle))
        reached = sampler.draw(pool, cum, extra, ctx.rng)
        out.append(Exposures(reached, np.full(len(reached), post, np.int64),
                             np.full(len(reached), trust, np.float32),
                             np.full(len(reached), inf.channel, np.int8)))
    return Exposures.concat(out)


__all__ = ["amplify"]
