"""Plain numpy reference implementations that the compiled paths are compared against.

Each function here is the straightforward vectorised form of a rule the package computes with
compiled loops or batched draws; tests compare the two on random inputs (with a tolerance where
the float order differs, exactly where it does not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.world.content import Exposures


@dataclass
class ResponseContext:
    """What the response rule needs besides the exposures themselves."""

    need: np.ndarray  # N, 0–1
    susceptibility: np.ndarray  # N, 0–1
    circle: np.ndarray  # N
    fatigue: np.ndarray  # N, recent similar exposures
    atmosphere: np.ndarray  # N×R engaged share of ties (0–1)
    festival: np.ndarray  # R bool, festival/ritual day for the retailer
    negative_damping: np.ndarray  # R, 0–1 multiplier on engagement with negative posts
    seen_before: np.ndarray | None = None  # per exposure: consumer saw the retailer before


def engagement_probability(exp: Exposures, posts, ctx: ResponseContext, beh) -> np.ndarray:
    """P(engage) = σ(b0 + appeal + b_cred·cred·trust + b_atm·atm·susc + b_need·need
    + b_circle·[circle match] + b_ritual·festival − b_fatigue·fatigue [+ negativity]
    − b_duplicate·[reused copy seen by a consumer who saw the retailer's content before])."""
    i, p = exp.consumer, exp.post
    r = posts["retailer"][p].astype(np.int64)
    kind = posts["kind"][p]
    negative = posts["negative"][p]
    logit = (
        posts["b0"][p]
        + beh.appeal[kind]
        + beh.b_cred * posts["credibility"][p] * exp.trust
        + beh.b_atm * ctx.atmosphere[i, r] * ctx.susceptibility[i]
        + beh.b_need * ctx.need[i]
        + beh.b_circle * (posts["circle"][p] == ctx.circle[i])
        + beh.b_ritual * ctx.festival[r]
        - beh.b_fatigue * ctx.fatigue[i]
        + beh.negativity_weight * negative
    )
    if ctx.seen_before is not None and beh.b_duplicate:
        logit = logit - beh.b_duplicate * (posts["reused"][p] & ctx.seen_before)
    prob = 1.0 / (1.0 + np.exp(-logit))
    return np.where(negative, prob * ctx.negative_damping[r], prob)


def deliver(platform, audience, activity, attention, rng, posts: int = 1) -> list[np.ndarray]:
    """Consumers of ``audience`` reached today by each of ``posts`` organic posts on
    ``platform`` (one uniform per follower, post after post); counts them as delivered."""
    p = platform.delivery_probability(audience, activity, attention)
    reached = [audience[rng.random(len(audience)) < p] for _ in range(posts)]
    platform.delivered_organic += sum(len(r) for r in reached)
    return reached


def deliver_creator_by_creator(creators, pop, rng, trust: float):
    """Organic delivery of every live post, creator by creator (tier order, posts in
    publication order); ages the posts by a day. Returns ``(exposures, organic)`` as
    :meth:`sim.engine.organic.OrganicDelivery.deliver` does."""
    organic = []
    for c in creators:
        if not c.live_posts:
            continue
        reached = deliver(c.platform, c.followers, pop.activity, pop.attention, rng,
                          len(c.live_posts))
        organic += [(c, post, r) for (post, _), r in zip(c.live_posts, reached)]
        c.live_posts = [(post, days - 1) for post, days in c.live_posts if days > 1]
    counts = [len(r) for _, _, r in organic]
    consumers = (np.concatenate([r for _, _, r in organic]).astype(np.int64) if sum(counts)
                 else np.empty(0, np.int64))
    exposures = Exposures(consumers,
                          np.repeat(np.array([p for _, p, _ in organic], np.int64), counts),
                          np.full(len(consumers), trust, np.float32),
                          np.repeat(np.array([c.channel for c, _, _ in organic], np.int8), counts))
    return exposures, organic


def first_purchase_probability(pop, rows, r, cfg, beh, atm, coupon, conversion,
                                         price=None):
    """The first-purchase hazard of :func:`sim.engine.funnel.first_purchase_probability` as one
    numpy expression."""
    price = cfg.price if price is None else price
    logit = (
        beh.c0
        + beh.c_need * pop.need[rows]
        + beh.c_trust * pop.source_trust[rows, r]
        + beh.c_proof * atm[rows, r] * pop.susceptibility[rows]
        - beh.c_price * pop.price_sensitivity[rows] * (price / beh.reference_price)
        + beh.c_coupon * coupon
    )
    p = 1.0 / (1.0 + np.exp(-logit)) * conversion[pop.last_platform[rows, r]]
    p = p * (1.0 - beh.negative_block * pop.negative[rows, r])
    return np.clip(p, 0.0, 1.0)


def repurchase_probability(pop, rows, r, beh, member_multiplier, discount=0.0):
    """The repurchase hazard of :func:`sim.engine.funnel.repurchase_probability` as one numpy
    expression."""
    mult = np.where(pop.member[rows, r], member_multiplier, 1.0)
    if discount:
        mult = mult * np.exp(beh.deal_response * pop.price_sensitivity[rows]
                             * discount / beh.reference_price)
    p = beh.repurchase_hazard * mult * (1.0 - beh.negative_block * pop.negative[rows, r])
    return np.clip(p, 0.0, 1.0)
