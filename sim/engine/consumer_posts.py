"""Buyers' own posts: satisfaction, UGC, negative posts (and the crisis authors' posts).

After a purchase each buyer is satisfied with the retailer's ``quality``. A satisfied buyer posts
UGC with ``behaviour.ugc_prob`` — on a festival day with a share-your-order ritual with
``festival_share_prob``, while the coupons line pays ``festival_share_reward`` per post; an
unsatisfied buyer takes a negative opinion and posts about it with ``negative_prob``. A buyer's
post goes to its ties the next day (word of mouth, :mod:`sim.engine.sharing`), credibility
``ugc_credibility``; crisis posts go out the same day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import community, diffusion
from sim.kernels.rowscan import split_buyers
from sim.world.content import KIND

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context


def after_purchase(ctx: "Context", ret: "Retailer", rows: np.ndarray) -> None:
    """Satisfaction, UGC or negative posts, and community joining of today's buyers ``rows``."""
    pop, rng, beh, r = ctx.population, ctx.rng, ctx.beh, ret.index
    # one draw per buyer (satisfied?), then one per unsatisfied buyer (negative post?), then
    # one per satisfied buyer (UGC?): 2 · len(rows) uniforms in all, taken in one call
    happy, u_happy, unhappy, posters_neg = split_buyers(
        rows, rng.random(2 * len(rows)), float(ret.cfg.quality), float(beh.negative_prob),
        pop.negative, r)
    posters_ugc = happy[ugc_draw(ctx, ret, u_happy)]
    publish(ctx, r, posters_ugc, negative=False)
    publish(ctx, r, posters_neg, negative=True)
    community.join_after_purchase(ctx, ret, happy)


def ugc_draw(ctx: "Context", ret: "Retailer", u: np.ndarray) -> np.ndarray:
    """Which satisfied buyers (uniform draws ``u``) post UGC today.

    On a festival day with a share-your-order ritual, a buyer posts with probability
    ``festival_share_prob`` as long as the coupons line pays the prize per post; buyers
    beyond what it can pay post at the ordinary ``ugc_prob``.
    """
    cfg, base, day = ret.cfg, ctx.beh.ugc_prob, ctx.day
    posts = u < base
    if cfg.festival_share_prob <= base or day not in cfg.festival_days:
        return posts
    ritual = np.flatnonzero(u < cfg.festival_share_prob)
    if cfg.festival_share_reward > 0 and ret.in_campaign(day):
        k = min(len(ritual), int(ret.lines.get("coupons", 0.0) // cfg.festival_share_reward))
        ret.book("coupons", k * cfg.festival_share_reward)
    elif cfg.festival_share_reward > 0:
        k = 0
    else:
        k = len(ritual)
    posts[ritual[:k]] = True
    return posts


def publish(ctx: "Context", r: int, authors: np.ndarray, negative: bool,
            queue_today: bool = False) -> None:
    """Consumers ``authors`` post about retailer ``r``; their ties see it tomorrow (today with
    ``queue_today``)."""
    if len(authors) == 0:
        return
    pop, beh = ctx.population, ctx.beh
    kind = KIND["negative"] if negative else KIND["ugc"]
    ids = ctx.posts.add(
        retailer=r, platform=np.argmax(pop.attention[authors], axis=1), channel=ctx.code["ugc"],
        kind=kind, circle=pop.circle[authors], credibility=beh.ugc_credibility, b0=beh.b0,
        negative=negative, author=authors, day=ctx.day,
        homogeneity=ctx._homogeneity(beh)[kind],  # (kept table of beh.homogeneity's values)
    )
    ctx.metrics.consumer_posts += len(authors)
    if ctx.graph is None:
        return
    # = share_to_ties at sharing.probability with guanxi beh.guanxi (buyers' posts carry no
    # guanxi framing), the probabilities and tie counts in one compiled call
    state = ctx.state
    exp = diffusion.share_exposures(
        ctx.graph, authors, ids, ctx.posts, pop.circle, state.saturation, beh,
        state.negative_damping, state.negative_saturation, ctx.code["ugc"], ctx.rng)
    (state.today if queue_today else state.pending).append(exp)


__all__ = ["after_purchase", "publish", "ugc_draw"]
