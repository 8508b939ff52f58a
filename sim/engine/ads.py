"""Paid ads: impressions a retailer bought today, delivered to its target circles or everyone.

Impressions go to consumers drawn with probability ∝ attention to the ad's platform × activity
(with replacement), from the retailer's ``ad_target_circles`` if it has any; each impression is
one exposure to one ad post today (credibility ``behaviour.ad_credibility``, trust 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.world.content import KIND, Exposures

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context
    from sim.world.platforms import Platform


def deliver_impressions(ctx: "Context", retailer: "Retailer", platform: "Platform",
                        impressions: int) -> None:
    """Publish one ad post and queue ``impressions`` exposures to it for today."""
    targets = retailer.cfg.ad_target_circles
    pool, cum = ctx.world.sampler.pool(
        ("circles", *targets) if targets else "everyone", platform.index,
        lambda: (np.concatenate([ctx.circle_members(c) for c in targets]) if targets
                 else np.arange(ctx.population.n)))
    reached = ctx.world.sampler.draw(pool, cum, impressions, ctx.rng)
    channel = ctx.code["ads"]
    post = ctx.publish(retailer=retailer.index, platform=platform.index, channel=channel,
                       kind=KIND["ad"], circle=-1, credibility=ctx.beh.ad_credibility,
                       b0=ctx.beh.b0, author=-1)
    ctx.state.today.append(Exposures(reached, *_ad_columns(len(reached), post, channel)))


@njit(cache=True)
def _ad_columns(n, post, channel):
    """The post (int64), trust (float32, 1) and channel (int8) columns of ``n`` exposures
    to the ad post ``post`` on ``channel``."""
    posts = np.empty(n, dtype=np.int64)
    posts[:] = post
    trust = np.ones(n, dtype=np.float32)
    codes = np.empty(n, dtype=np.int8)
    codes[:] = channel
    return posts, trust, codes


__all__ = ["deliver_impressions"]
