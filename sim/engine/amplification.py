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
from sim.engine.organic import LivePosts
from sim.kernels.reach import boosted_counts
from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.state import Context


def amplify(ctx: "Context", exp: Exposures, engaged: np.ndarray,
            organic: "LivePosts | list") -> Exposures:
    """Today's boosted exposures of the creators' posts in ``organic`` (the live posts, as
    :meth:`sim.engine.organic.OrganicDelivery.deliver` returns them, or a list of (creator,
    post, reached) per live post), given the organic exposures ``exp`` and which of them were
    ``engaged``. Each post's views and engaged views (:func:`sim.kernels.reach.views_per_post`)
    and its boost (:func:`sim.kernels.reach.amplified_counts`,
    :meth:`~sim.world.platforms.Platform.amplified_count` post by post) come from one compiled
    call (:func:`sim.kernels.reach.boosted_counts`)."""
    if len(exp) == 0 or not organic:
        return Exposures.empty()
    live = LivePosts.of(organic)
    factor = live.platform_values(_FACTOR)
    if not max(factor) > 0.0:  # no platform amplifies: nothing to count
        return Exposures.empty()
    counts = boosted_counts(np.array(factor, dtype=np.float64), live.per_platform(_THRESHOLD),
                            live.per_platform(_REACH_FACTOR), live.platform, exp.post, engaged,
                            live.post)
    return circle_impressions(ctx, live, counts)


def _FACTOR(platform) -> float:
    return platform.cfg.amplification_factor


def _THRESHOLD(platform) -> float:
    return platform.cfg.amplification_threshold


def _REACH_FACTOR(platform) -> float:
    return platform.reach_factor


__all__ = ["amplify"]
