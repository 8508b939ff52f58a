"""Discovery feeds: a platform shows creators' posts to interested non-followers.

A notes platform's discovery feed (and a short-video feed's recommendation page) puts a post in
front of many people who do not follow its creator: a note is shown to far more readers than
its creator has real fans, and opened by a few percent of them (docs/calibration_targets.md).
Rule, every day and for every live creator post: a post shown to ``d`` followers today (its
organic impressions, :mod:`sim.engine.organic`) is also shown to
``round(discovery_reach × d)`` consumers of the post's tagged circle (the creator's home
circle for generic posts: the readers the platform matches to the post's interest), followers
or not — mostly not, as a creator's followers are a minority of its circle — drawn with
replacement ∝ attention to the platform × activity, like the traffic-pool boost
(:mod:`sim.engine.amplification`). These are impressions: they are viewed at the platform's
``view_rate`` and only views can engage (:mod:`sim.engine.platform_funnel`). Unlike the
traffic pool the reach is not gated by engagement — it is the platform's standing
distribution, not a reward. Strangers trust these exposures less: trust
``behaviour.stranger_trust × follower_trust``. The channel is the creator's tier, so the
impressions count in ``impressions_<tier>``.

``platforms.<name>.discovery_reach`` is 0 by default (posts reach followers only), which draws
nothing and leaves every run unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.circle_reach import circle_impressions
from sim.engine.organic import LivePosts
from sim.kernels.reach import discovery_counts
from sim.world.content import Exposures

if TYPE_CHECKING:
    from sim.engine.state import Context


def discovery_count(reach: float, delivered: int) -> int:
    """Non-follower impressions of a post shown to ``delivered`` followers today, on a
    platform with ``discovery_reach`` ``reach`` (≥ 0)."""
    if reach <= 0.0 or delivered <= 0:
        return 0
    return int(round(reach * delivered))


def discover(ctx: "Context", organic: "LivePosts | list") -> Exposures:
    """Today's discovery impressions of the live posts in ``organic`` (as
    :meth:`sim.engine.organic.OrganicDelivery.deliver` returns them, or a list of (creator,
    post id, followers reached) per live post). Empty, without a random draw, when no post's
    platform has discovery reach.

    Every post's count comes from one compiled call (:func:`sim.kernels.reach.discovery_counts`,
    :func:`discovery_count` post by post) and every post's draw with the exposure columns from
    :func:`sim.engine.circle_reach.circle_impressions` (the same numbers as one draw per post
    in post order)."""
    if not organic:
        return Exposures.empty()
    live = LivePosts.of(organic)
    reach = live.platform_values(_DISCOVERY_REACH)
    if not max(reach) > 0.0:
        return Exposures.empty()
    return circle_impressions(ctx, live, discovery_counts(np.array(reach, dtype=np.float64),
                                                          live.platform, live.delivered))


def _DISCOVERY_REACH(platform) -> float:
    return platform.cfg.discovery_reach


__all__ = ["discover", "discovery_count"]
