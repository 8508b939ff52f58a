"""The compiled response pass: one batch of exposures booked on consumers in one sweep.

A day's exposures are a few thousand (consumer, post) pairs while the population has up to
millions of rows, so a numpy version of this pass (about forty gathers, scatters, sorts and
bincounts per batch; ``tests/naive.py`` keeps one as the reference) spends its time in
per-call overhead. Here a few compiled loops over the batch do the same work. (The pass is
bound by memory latency; one fused loop measured slower than these short ones.)

1. the engagement probability of every exposure, from the state before the batch (fatigue,
   "seen this retailer before"):

       P(engage) = σ(b0 + appeal[kind] + b_cred·cred·trust + b_atm·atm·susc + b_need·need
                     + b_circle·[circle match] + b_ritual·festival − b_fatigue·fatigue
                     [+ negativity_weight if negative]
                     − b_duplicate·[reused copy, consumer saw the retailer before])
       × negative_damping[retailer] for negative posts;

2. the bookkeeping in batch order: exposure counts, reach, first and last touch, fatigue
   (awareness is a memory with a threshold: :mod:`sim.engine.awareness`, after the pass); then the engagement draw ``u < p`` (``u`` drawn by the caller from the
   model's generator);
3. first engagements per (consumer, retailer) pair in batch order: source trust, last click,
   stage interested or negative opinion; the fresh engagers are returned for sharing.

Every result equals the numpy reference's (tests/engine/test_response.py checks them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.engine import engagement_kinds
from sim.world.content import Exposures, PostLog
from sim.world.population import INTERESTED, Population
from sim.config.scenario import BehaviourSection

if TYPE_CHECKING:
    from sim.engine.state import Context


@dataclass
class ResponseResult:
    """What a response pass returns to the model."""

    engaged: np.ndarray  # bool per exposure
    retailer: np.ndarray  # int64 retailer of each exposure's post
    negative_exposures: int  # exposures to negative posts
    sharers: np.ndarray  # int64 consumers engaging with a retailer for the first time
    shared: np.ndarray  # int64 the post each of them engaged with


def behaviour_terms(beh: BehaviourSection) -> np.ndarray:
    """The response coefficients as one float64 array (the kernel's ``coef``)."""
    return np.array([beh.b_cred, beh.b_atm, beh.b_need, beh.b_circle, beh.b_ritual,
                     beh.b_fatigue, beh.negativity_weight, beh.b_duplicate], dtype=np.float64)


@njit(cache=True)
def _probabilities(consumer, post, trust, retailer_of_post, kind, circle_of_post, credibility,
                   b0, negative, reused, brand_exposures, need, susc, circle, fatigue, atm,
                   festival, damping, coef, appeal):
    """Loop 1: P(engage) of every exposure from the state before the batch (see the module
    docstring; the float32 terms of the numpy reference are computed in float32 here).
    Returns (probability, retailer) per exposure."""
    m = len(consumer)
    prob = np.empty(m, dtype=np.float64)
    retailer = np.empty(m, dtype=np.int64)
    c_cred, c_need, c_fatigue = np.float32(coef[0]), np.float32(coef[2]), np.float32(coef[5])
    for k in range(m):
        i, p = consumer[k], post[k]
        r = np.int64(retailer_of_post[p])
        retailer[k] = r
        t = np.float32(b0[p] + appeal[kind[p]])
        t = np.float32(t + np.float32(np.float32(c_cred * credibility[p]) * trust[k]))
        logit = np.float64(t) + coef[1] * atm[i, r] * susc[i]
        logit += np.float64(np.float32(c_need * need[i]))
        if circle_of_post[p] == circle[i]:
            logit += coef[3]
        if festival[r]:
            logit += coef[4]
        logit -= np.float64(np.float32(c_fatigue * fatigue[i]))
        if negative[p]:
            logit += coef[6]
        if coef[7] != 0.0 and reused[p] and brand_exposures[i, r] > 0:
            logit -= coef[7]
        q = 1.0 / (1.0 + math.exp(-logit))
        prob[k] = q * damping[r] if negative[p] else q
    return prob, retailer


@njit(cache=True)
def _book_exposures(consumer, post, channel, retailer, platform_of_post, homogeneity,
                    ever_exposed, exposures, brand_exposures, stage, first_touch, last_touch,
                    last_platform, fatigue, circle, exposures_by_circle):
    """Loop 2: exposure counts, first and last touch, fatigue, in batch order. Returns the number of exposures."""
    for k in range(len(consumer)):
        i, p, r, ch = consumer[k], post[k], retailer[k], channel[k]
        ever_exposed[i] = True
        exposures[i] += 1
        brand_exposures[i, r] += 1
        exposures_by_circle[circle[i]] += 1
        if first_touch[i, r] < 0:
            first_touch[i, r] = ch
        last_touch[i, r] = ch
        last_platform[i, r] = platform_of_post[p]
        fatigue[i] += np.float32(homogeneity[p])
    return len(consumer)


@njit(cache=True)
def _book_reach(consumer, channel, n_tiers, reached_by, reached_by_creator, reach_counts):
    """Unique reach per channel (N × channels) and by any creator tier (channels < n_tiers);
    ``reach_counts`` counts consumers reached for the first time per channel, and by any
    creator tier in its last entry."""
    any_creator = len(reach_counts) - 1
    for k in range(len(consumer)):
        i, ch = consumer[k], channel[k]
        if not reached_by[i, ch]:
            reached_by[i, ch] = True
            reach_counts[ch] += 1
        if ch < n_tiers and not reached_by_creator[i]:
            reached_by_creator[i] = True
            reach_counts[any_creator] += 1
    return 0


@njit(cache=True)
def _first_engagements(consumer, post, trust, channel, retailer, engaged, credibility, negative,
                       stage, source_trust, last_click, negative_opinion, stamp, stamp_value,
                       circle, engagements_by_circle):
    """Loop 3: the first engagement of each (consumer, retailer) pair in this batch, in batch
    order: source trust, last click and stage interested, or a negative opinion. Returns the
    batch indices of fresh engagements (a first interest or a first negative opinion)."""
    m = len(consumer)
    fresh = np.empty(m, dtype=np.int64)
    n_fresh = 0
    for k in range(m):
        if not engaged[k]:
            continue
        i, p, r = consumer[k], post[k], retailer[k]
        engagements_by_circle[circle[i]] += 1
        if stamp[i, r] == stamp_value:
            continue
        stamp[i, r] = stamp_value
        if negative[p]:
            if not negative_opinion[i, r]:
                negative_opinion[i, r] = True
                fresh[n_fresh] = k
                n_fresh += 1
        else:
            source_trust[i, r] = credibility[p] * trust[k]
            last_click[i, r] = channel[k]
            if stage[i, r] < INTERESTED:
                stage[i, r] = INTERESTED
                fresh[n_fresh] = k
                n_fresh += 1
    return fresh[:n_fresh]


class ResponsePass:
    """Books batches of exposures on one population (see the module docstring).

    Holds the per-pair stamp array (N×R int32) that marks pairs already engaged in the current
    batch, so finding first engagements costs O(batch), not a sort.
    """

    def __init__(self, pop: Population) -> None:
        self.pop = pop
        self._stamp = np.zeros(pop.stage.shape, dtype=np.int32)
        self._stamp_value = 0

    def run(self, exp: Exposures, posts: PostLog, u: np.ndarray, beh: BehaviourSection, *,
            atmosphere: np.ndarray,
            festival: np.ndarray, damping: np.ndarray, reached_by: np.ndarray,
            reached_by_creator: np.ndarray, n_tiers: int, reach_counts: np.ndarray,
            exposures_by_circle: np.ndarray, engagements_by_circle: np.ndarray) -> ResponseResult:
        """Book ``exp`` with uniforms ``u`` (one per exposure, 0–1) under the coefficients of
        ``beh`` (read on every call, so a changed coefficient acts on the next batch).

        ``atmosphere`` is the N×R engaged share of ties (0–1, float64), ``festival`` an R bool
        array (ritual day per retailer), ``damping`` the R multipliers on engagement with
        negative posts (0–1); ``reached_by`` (N×channels bool), ``reached_by_creator`` (N bool),
        ``reach_counts`` (consumers reached per channel, then by any creator tier: channels + 1
        int64) and the per-circle counters are updated in place.
        """
        pop = self.pop
        self._stamp_value += 1
        i, post, channel = exp.consumer, exp.post, exp.channel
        trust = exp.trust.astype(np.float32, copy=False)
        negative = posts["negative"]
        prob, retailer = _probabilities(
            i, post, trust, posts["retailer"], posts["kind"], posts["circle"],
            posts["credibility"], posts["b0"], negative, posts["reused"], pop.brand_exposures,
            pop.need, pop.susceptibility, pop.circle, pop.fatigue,
            np.asarray(atmosphere, dtype=np.float64), festival, damping, behaviour_terms(beh),
            beh.appeal)
        _book_exposures(i, post, channel, retailer, posts["platform"], posts["homogeneity"],
                        pop.ever_exposed, pop.exposures, pop.brand_exposures, pop.stage,
                        pop.first_touch, pop.last_touch, pop.last_platform, pop.fatigue,
                        pop.circle, exposures_by_circle)
        _book_reach(i, channel, n_tiers, reached_by, reached_by_creator, reach_counts)
        engaged = u < prob
        fresh = _first_engagements(i, post, trust, channel, retailer, engaged,
                                   posts["credibility"], negative, pop.stage, pop.source_trust,
                                   pop.last_click, pop.negative, self._stamp, self._stamp_value,
                                   pop.circle, engagements_by_circle)
        return ResponseResult(engaged, retailer, int(np.count_nonzero(negative[post])),
                              i[fresh], post[fresh])




def respond(ctx: "Context", exp: Exposures) -> ResponseResult:
    """Book today's exposures ``exp`` on the consumers and draw engagement (one uniform per
    exposure from the dynamics stream), counting exposures, engagements and reach."""
    u = ctx.rng.random(len(exp))
    book, state = ctx.metrics, ctx.state
    res = ctx.response_pass.run(
        exp, ctx.posts, u, ctx.beh, atmosphere=state.atmosphere, festival=state.festival,
        damping=state.negative_damping, reached_by=book.reached_by,
        reached_by_creator=book.reached_by_creator, n_tiers=len(ctx.channels.tiers),
        reach_counts=book.reach_counts, exposures_by_circle=book.exposures_by_circle,
        engagements_by_circle=book.engagements_by_circle,
    )
    book.count_exposures(len(exp), res.negative_exposures, exp.channel, len(book.channels))
    book.count_engagements(int(np.count_nonzero(res.engaged)))
    engagement_kinds.book_kinds(ctx, exp, res.engaged)  # like, comment, save or share
    return res


__all__ = ["ResponsePass", "ResponseResult", "behaviour_terms", "respond"]
