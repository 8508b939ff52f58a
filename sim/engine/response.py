"""The compiled response pass: one batch of exposures booked on consumers in one sweep.

A day's exposures are a few thousand (consumer, post) pairs while the population has up to
millions of rows, so a numpy version of this pass (about forty gathers, scatters, sorts and
bincounts per batch; ``tests/naive.py`` keeps one as the reference) spends its time in
per-call overhead. Here a few compiled loops over the batch do the same work, run by one
compiled call (:func:`_pass`). (The pass is bound by memory latency; one fused loop measured
slower than these short ones.) The model's response to a batch of views,
:func:`respond_and_remember`, books the kinds, the brand memory and the funnel's engagements
and clicks in a second compiled call.

1. the engagement probability of every exposure, from the state before the batch (fatigue,
   "seen this retailer before"):

       P(engage) = σ(b0 + appeal[kind] + b_cred·cred·trust + b_atm·atm·susc + b_need·need
                     + b_circle·[circle match] + b_ritual·festival − b_fatigue·fatigue
                     [+ negativity_weight if negative]
                     − b_duplicate·[reused copy, consumer saw the retailer before])
       × negative_damping[retailer] for negative posts;

2. the bookkeeping in batch order: exposure counts (per consumer, pair, circle and
   channel), reach, first and last touch, fatigue
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
from sim.engine.awareness import _FAST_KINDS, _remember
from sim.engine.engagement_kinds import _book_engaged
from sim.kernels.funnel import count_clicks, count_engagements
from sim.world.content import Exposures, PostLog
from sim.world.population import AWARE, INTERESTED, Population
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
    n_engaged: int = 0  # engaged exposures
    n_candidates: int = 0  # engaged exposures of non-negative posts (the funnel's click candidates)


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
                    last_platform, fatigue, circle, exposures_by_circle, exposures_by_channel):
    """Loop 2: exposure counts (per consumer, pair, circle and channel), first and last touch,
    fatigue, in batch order. Returns the number of exposures."""
    for k in range(len(consumer)):
        i, p, r, ch = consumer[k], post[k], retailer[k], channel[k]
        ever_exposed[i] = True
        exposures[i] += 1
        brand_exposures[i, r] += 1
        exposures_by_circle[circle[i]] += 1
        exposures_by_channel[ch] += 1
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


@njit(cache=True)
def _pass(consumer, post, trust, channel, u, retailer_of_post, kind, circle_of_post, credibility,
          b0, negative, reused, platform_of_post, homogeneity, need, susc, circle, fatigue, atm,
          festival, damping, coef, appeal, ever_exposed, exposures, brand_exposures, stage,
          first_touch, last_touch, last_platform, exposures_by_circle, exposures_by_channel,
          n_tiers, reached_by, reached_by_creator, reach_counts, source_trust, last_click,
          negative_opinion, stamp, stamp_value, engagements_by_circle):
    """The whole pass of one batch in one call: loops 1–3 above, in that order, each still a
    loop of its own over the batch (they keep their memory behaviour on large populations;
    one call instead of four saves the dispatch and the glue between them on small batches).
    ``exposures_by_channel`` counts the batch's exposures per channel (as ``np.bincount``).

    Returns (engaged bool per exposure, retailer int64 per exposure, the fresh engagers'
    consumers and posts (``consumer[fresh]``, ``post[fresh]``), exposures to negative posts,
    engaged views, engaged views of non-negative posts)."""
    prob, retailer = _probabilities(consumer, post, trust, retailer_of_post, kind, circle_of_post,
                                    credibility, b0, negative, reused, brand_exposures, need, susc,
                                    circle, fatigue, atm, festival, damping, coef, appeal)
    _book_exposures(consumer, post, channel, retailer, platform_of_post, homogeneity,
                    ever_exposed, exposures, brand_exposures, stage, first_touch, last_touch,
                    last_platform, fatigue, circle, exposures_by_circle, exposures_by_channel)
    _book_reach(consumer, channel, n_tiers, reached_by, reached_by_creator, reach_counts)
    m = len(consumer)
    engaged = np.empty(m, dtype=np.bool_)
    n_negative = 0
    n_engaged = 0
    n_candidates = 0
    for k in range(m):
        e = u[k] < prob[k]
        engaged[k] = e
        neg = negative[post[k]]
        if neg:
            n_negative += 1
        if e:
            n_engaged += 1
            if not neg:
                n_candidates += 1
    fresh = _first_engagements(consumer, post, trust, channel, retailer, engaged, credibility,
                               negative, stage, source_trust, last_click, negative_opinion, stamp,
                               stamp_value, circle, engagements_by_circle)
    return engaged, retailer, consumer[fresh], post[fresh], n_negative, n_engaged, n_candidates


def _kind_appeal(beh: BehaviourSection) -> np.ndarray:
    """``beh.appeal`` (float32 per kind code), kept while ``beh.kind_appeal`` is the same
    mapping object (a revised scenario or an assignment gives a new one)."""
    table = beh.kind_appeal
    if _APPEAL[0] is not table:
        _APPEAL[:] = [table, beh.appeal]
    return _APPEAL[1]


_APPEAL: list = [None, None]


_PASS_COLUMNS = ("retailer", "kind", "circle", "credibility", "b0", "negative", "reused",
                 "platform", "homogeneity")
"""The post columns :func:`_pass` reads, in its argument order."""
_AFTER_COLUMNS = ("platform", "author", "kind", "negative")
"""The post columns :func:`_after_pass` reads."""


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
            exposures_by_circle: np.ndarray, engagements_by_circle: np.ndarray,
            exposures_by_channel: np.ndarray | None = None) -> ResponseResult:
        """Book ``exp`` with uniforms ``u`` (one per exposure, 0–1) under the coefficients of
        ``beh`` (read on every call, so a changed coefficient acts on the next batch).

        ``atmosphere`` is the N×R engaged share of ties (0–1, float64), ``festival`` an R bool
        array (ritual day per retailer), ``damping`` the R multipliers on engagement with
        negative posts (0–1); ``reached_by`` (N×channels bool), ``reached_by_creator`` (N bool),
        ``reach_counts`` (consumers reached per channel, then by any creator tier: channels + 1
        int64), the per-circle counters and ``exposures_by_channel`` (int64 per channel;
        default: not kept) are updated in place.
        """
        if exposures_by_channel is None:
            exposures_by_channel = np.zeros(reached_by.shape[1], np.int64)
        return self._book(exp, posts, u, beh, atmosphere, festival, damping, reached_by,
                          reached_by_creator, n_tiers, reach_counts, exposures_by_circle,
                          engagements_by_circle, exposures_by_channel)

    def _book(self, exp: Exposures, posts: PostLog, u: np.ndarray, beh: BehaviourSection,
              atmosphere: np.ndarray, festival: np.ndarray, damping: np.ndarray,
              reached_by: np.ndarray, reached_by_creator: np.ndarray, n_tiers: int,
              reach_counts: np.ndarray, exposures_by_circle: np.ndarray,
              engagements_by_circle: np.ndarray,
              exposures_by_channel: np.ndarray) -> ResponseResult:
        """:meth:`run` with every argument given in order (the model's path, :func:`_run`)."""
        pop = self.pop
        self._stamp_value += 1
        engaged, retailer, sharers, shared, n_negative, n_engaged, n_candidates = _pass(
            exp.consumer, exp.post, exp.trust.astype(np.float32, copy=False), exp.channel, u,
            *posts.buffers(_PASS_COLUMNS), pop.need, pop.susceptibility, pop.circle, pop.fatigue,
            np.asarray(atmosphere, dtype=np.float64), festival, damping,
            (beh.b_cred, beh.b_atm, beh.b_need, beh.b_circle, beh.b_ritual, beh.b_fatigue,
             beh.negativity_weight, beh.b_duplicate),
            _kind_appeal(beh), pop.ever_exposed, pop.exposures, pop.brand_exposures, pop.stage,
            pop.first_touch, pop.last_touch, pop.last_platform, exposures_by_circle,
            exposures_by_channel, n_tiers, reached_by, reached_by_creator, reach_counts,
            pop.source_trust, pop.last_click, pop.negative, self._stamp, self._stamp_value,
            engagements_by_circle)
        return ResponseResult(engaged, retailer, n_negative, sharers, shared, n_engaged,
                              n_candidates)


def _run(ctx: "Context", exp: Exposures) -> ResponseResult:
    """The response pass of ``exp`` with one uniform per exposure from the dynamics stream,
    counted in the metrics book (exposures, per channel too, and engagements)."""
    n = len(exp)
    u = ctx.rng.random(n)
    book, state = ctx.metrics, ctx.state
    res = ctx.response_pass._book(
        exp, ctx.posts, u, ctx.beh, state.atmosphere, state.festival, state.negative_damping,
        book.reached_by, book.reached_by_creator, len(ctx.channels.tiers), book.reach_counts,
        book.exposures_by_circle, book.engagements_by_circle, book.exposures_by_channel)
    book.count_batch(n, res.negative_exposures, res.n_engaged)
    return res


def respond(ctx: "Context", exp: Exposures) -> ResponseResult:
    """Book today's exposures ``exp`` on the consumers and draw engagement (one uniform per
    exposure from the dynamics stream), counting exposures, engagements and reach."""
    res = _run(ctx, exp)
    engagement_kinds.book_kinds(ctx, exp, res.engaged, res.n_engaged)  # like, comment, save, share
    return res


@njit(cache=True)
def _after_pass(consumer, post, channel, retailer, engaged, post_platform, post_author,
                creator_of_author, n_tiers, u_kinds, cdf, kind_counts, by_platform, by_creator,
                post_kind, fast_a, fast_b, fast_weight, threshold, memory, stage, aware,
                post_negative, engagements, creator_counts, last_creator, u_clicks, click_rate,
                day, clicks, clicks_on, last_click_day):
    """After the response pass of a batch, in one call and in this order: the kinds of the
    engaged views (when ``u_kinds`` is not empty), the brand memory, the funnel's engagements
    and the clicks of the candidates (when ``u_clicks`` is not empty): the kernels of
    :func:`sim.engine.engagement_kinds.book_kinds`, :meth:`AwarenessMemory.remember` and
    :func:`sim.engine.platform_funnel.after_response`. Returns the clicking consumers."""
    if len(u_kinds) > 0:
        _book_engaged(post, channel, engaged, u_kinds, post_platform, post_author,
                      creator_of_author, n_tiers, cdf, kind_counts, by_platform, by_creator)
    _remember(consumer, post, retailer, post_kind, fast_a, fast_b, fast_weight, threshold,
              memory, stage, aware)
    cand = count_engagements(post, channel, consumer, retailer, engaged, post_negative,
                             post_author, creator_of_author, n_tiers, engagements,
                             creator_counts, last_creator)
    if len(u_clicks) == 0:
        return cand[:0]
    return count_clicks(cand, u_clicks, click_rate, post, channel, consumer, retailer,
                        post_platform, post_author, creator_of_author, n_tiers, day, clicks,
                        clicks_on, creator_counts, last_click_day)


def _memory_terms(weight: float, threshold: float) -> tuple[np.float32, np.float32]:
    """``np.float32`` of the memory weight and threshold, converted once while the two
    coefficients keep their values (two scalar conversions cost ~1 µs a batch)."""
    key = (weight, threshold)
    if _MEMORY_TERMS[0] != key:
        _MEMORY_TERMS[:] = [key, (np.float32(weight), np.float32(threshold))]
    return _MEMORY_TERMS[1]


_MEMORY_TERMS: list = [None, None]
_NO_DRAWS = np.empty(0, np.float64)
_NO_KINDS = (np.ones((1, 1)), np.zeros(1, np.int64), np.zeros((1, 1), np.int64),
             np.zeros((1, 1), np.int64))


def respond_and_remember(ctx: "Context", exp: Exposures) -> ResponseResult:
    """The model's response to a batch of views ``exp``: :func:`respond`, then the brand
    memory (:meth:`sim.engine.awareness.AwarenessMemory.remember`) and the funnel's
    engagements and clicks (:func:`sim.engine.platform_funnel.after_response`).

    The same draws (dynamics, kinds and funnel streams, each in the same order) and the same
    bookkeeping as those three calls in a row, with everything after the engagement draw in
    one compiled call (a day's batches are a few hundred views, so per-call costs dominate).
    Needs the context's funnel and awareness memory (the full model has both)."""
    if len(exp) == 0:  # memory and funnel have nothing to book
        return respond(ctx, exp)
    res = _run(ctx, exp)
    f, posts, beh = ctx.funnel, ctx.posts, ctx.beh
    kinds = f.kinds
    if kinds is not None and res.n_engaged:
        u_kinds = kinds.rng.random(res.n_engaged)
        kind_book = (kinds.cdf, kinds.counts, kinds.by_platform, kinds.by_creator)
    else:
        u_kinds, kind_book = _NO_DRAWS, _NO_KINDS
    _, rate, _, any_clicks = f._rate_entry(ctx, "click_rate")
    u_clicks = f.rng.random(res.n_candidates) if res.n_candidates and any_clicks else _NO_DRAWS
    weight, threshold = _memory_terms(beh.promo_memory_weight, beh.awareness_threshold)
    platform, author, kind, negative = posts.buffers(_AFTER_COLUMNS)
    hit = _after_pass(exp.consumer, exp.post, exp.channel, res.retailer, res.engaged,
                      platform, author, f._creator_of_author, f.n_tiers,
                      u_kinds, *kind_book, kind, _FAST_KINDS[0], _FAST_KINDS[1],
                      weight, threshold, ctx.awareness.memory, ctx.population.stage, AWARE,
                      negative, f.engagements, f.creator_counts, f.last_creator, u_clicks, rate,
                      ctx.day, f.clicks, f.clicks_on, f.last_click_day)
    if len(hit):
        f.clicked_today.append(hit)
    return res


__all__ = ["ResponsePass", "ResponseResult", "behaviour_terms", "respond", "respond_and_remember"]
