"""Crises: the trigger, cross-platform spill-over, noticing and opinion repair (F33–F34).

* **Trigger.** A ``crisis`` shock on its day makes a share ``severity`` of all consumers hold a
  negative opinion of the retailer (and become aware of it) and post about it; their ties see
  the posts the same day. The retailer notices the crisis that day.
* **Noticing.** Every retailer notices a crisis once the negative sentiment index passes
  ``behaviour.sentiment_alarm``; its response starts ``crisis_response_latency`` days later.

* **Spill-over.** Negative content does not stay where it started: people who engage with a
  negative post re-post screenshots elsewhere. Each engaged negative exposure spawns on average
  ``behaviour.negative_spillover`` exposures (Poisson) of the same post on *another* platform
  (chosen ∝ platform attention weights), delivered the next day to consumers drawn ∝ their
  attention to that platform × activity — strangers, not ties (trust
  ``stranger_trust · follower_trust``). A
  retailer's response (``negative_damping``) cuts engagement with negative posts and hence the
  spill-over at its source.
* **Repair.** While a retailer responds (``crisis_response_days`` from the start of its
  response), each consumer holding a negative opinion of it is won back with daily probability
  ``crisis_repair`` (apology, compensation of ``crisis_repair_cost`` yuan, paid from the reserve —
  the emergency fund — and then from the coupons line; booked as coupon spend).

The negative sentiment index of docs/kpis.md (negative exposures / all exposures over the last
7 days) is computed in :mod:`sim.engine.metrics` from every exposure, spill-over included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import consumer_posts
from sim.world.content import Exposures
from sim.world.platforms import sample_by_attention
from sim.world.population import AWARE

if TYPE_CHECKING:
    from sim.engine.state import Context


def trigger(ctx: "Context") -> None:
    """Today's crisis shocks: ``severity`` of all consumers turn negative and post."""
    pop, day = ctx.population, ctx.day
    for s in ctx.config.shocks:
        if s.kind != "crisis" or s.day != day or not ctx.retailers:
            continue
        ret = next((x for x in ctx.retailers if x.name == s.retailer), ctx.retailers[0])
        k = int(round(s.severity * pop.n))
        authors = ctx.rng.choice(pop.n, size=k, replace=False)
        pop.negative[authors, ret.index] = True
        pop.stage[authors, ret.index] = np.maximum(pop.stage[authors, ret.index], AWARE)
        consumer_posts.publish(ctx, ret.index, authors, negative=True, queue_today=True)
        ret.notice_crisis(day)


def watch_sentiment(ctx: "Context") -> None:
    """Retailers notice a crisis once the negative sentiment index passes the alarm level."""
    if ctx.metrics.negative_sentiment > ctx.beh.sentiment_alarm:
        for ret in ctx.retailers:
            ret.notice_crisis(ctx.day)


def spill_over(ctx: "Context", exp: Exposures, engaged: np.ndarray) -> Exposures:
    """Tomorrow's cross-platform exposures spawned by today's engaged negative exposures."""
    rate = ctx.beh.negative_spillover
    n_plat = len(ctx.platforms)
    if rate <= 0 or n_plat < 2 or len(exp) == 0 or ctx.mode != "full":
        return Exposures.empty()
    posts = ctx.posts
    hot = engaged & posts["negative"][exp.post]
    if not hot.any():
        return Exposures.empty()
    rng, pop = ctx.rng, ctx.population
    post = np.repeat(exp.post[hot], rng.poisson(rate, size=int(hot.sum())))
    if len(post) == 0:
        return Exposures.empty()
    home = posts["platform"][post].astype(np.int64)
    weights = np.array([p.cfg.attention for p in ctx.platforms], dtype=float)
    # target platform: any platform but the post's own, ∝ attention weights
    w = np.broadcast_to(weights, (len(post), n_plat)).copy()
    w[np.arange(len(post)), home] = 0.0
    cum = np.cumsum(w, axis=1)
    target = (rng.random(len(post))[:, None] * cum[:, -1:] >= cum).sum(axis=1)
    everyone = np.arange(pop.n)
    consumers = np.empty(len(post), dtype=np.int64)
    for p in range(n_plat):
        sel = np.flatnonzero(target == p)
        if len(sel):
            consumers[sel] = sample_by_attention(
                everyone, pop.attention[:, p] * pop.activity, len(sel), rng)
    ch = ctx.code["ugc"]
    trust = ctx.beh.stranger_trust * ctx.beh.follower_trust
    return Exposures(consumers, post.astype(np.int64), np.full(len(post), trust, np.float32),
                     np.full(len(post), ch, np.int8))


def repair_opinions(ctx: "Context") -> None:
    """Responding retailers win back negative consumers at their ``crisis_repair`` rate, paying
    ``crisis_repair_cost`` yuan each from the coupons line while it can."""
    pop, rng = ctx.population, ctx.rng
    for ret in ctx.retailers:
        rate, cost = ret.cfg.crisis_repair, ret.cfg.crisis_repair_cost
        if not ret.responding or rate <= 0:
            continue
        neg = np.flatnonzero(pop.negative[:, ret.index])
        won = neg[rng.random(len(neg)) < rate]
        if cost > 0:  # compensation vouchers: from the reserve, then the coupons line
            from_reserve = min(len(won), int(ret.reserve // cost))
            from_line = min(len(won) - from_reserve, int(ret.lines.get("coupons", 0.0) // cost))
            ret.book_from_reserve("coupons", cost * from_reserve)
            ret.book("coupons", cost * from_line)
            won = won[: from_reserve + from_line]
        pop.negative[won, ret.index] = False
