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

from sim.engine.circle_reach import circle_impressions
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
    wanted = [(inf, post, extra) for (inf, post, _), d, h in zip(organic, delivered, hits)
              if (extra := inf.platform.amplified_count(d, h))]
    return circle_impressions(ctx, wanted)


__all__ = ["amplify"]
