"""Private-domain communities: joining, community content, referrals and fission (docs/strategies.md).

A retailer with a funded ``community`` line runs WeChat-like groups on its community platform.
Every step, for each retailer whose community is active (in campaign, line not empty):

* **Join score** (F16), per consumer, 0–1::

      J = w_a · min(1, brand exposures / awareness_exposures)     (brand awareness, F15)
        + w_c · retailer content quality                          (content professionalism)
        + w_u · community.ugc_share                               (member authenticity)

  with weights ``behaviour.j_awareness / j_content / j_authenticity`` (0.35 / 0.28 / 0.37,
  normalised to sum 1). Content quality is the share of the retailer's commissioned posts that
  are original scene/knowledge content (``(1 − promo share) · (1 − content_reuse)``).
* **Joining**: a satisfied buyer joins after a purchase with ``join_prob · J · R_join``; an
  engaged non-member (stage ≥ interested) joins on a given day with
  ``lead_join_prob · J · R_join``, where ``R_x = 1 + reward_elasticity · reward_x /
  reference_price`` is the lift of a reward (``join_reward`` paid to the new member).
* **Content**: members with a session see the day's community content with ``post_prob``; a
  share ``ugc_share`` of those exposures is member-written (UGC kind, ``ugc_credibility``), the
  rest brand-written; group ties are strong (``graph.trust_strong``).
* **Referrals (fission, F28)**: a member invites one random contact with daily probability
  ``referral_prob · R_referral`` (``referral_reward`` paid per referred friend who joins); the
  contact sees the invitation and joins with ``tie trust · J · R_join``. Referred members invite
  in turn, so rewards compound. ``fission`` = referred members / members who joined otherwise.

Every reward is booked on the community line and stops when the line cannot pay it. Nothing
loops over consumers in Python.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from sim.engine.bitdraws import next_double, source
from sim.kernels.rowscan import (_B3, _B7, _U1, _byte_hits, _lead_joins, _one_column, bit_rows,
                                 column_words, threshold_add)
from sim.kernels.rowscan import (admit_rows, community_posts, count_leads, invitation_targets,
                                 join_draws, keep_below_scaled,
                                 lead_joins_and_members, leads_and_members, merge_disjoint,
                                 pick_inviters, unflagged_joins)
from sim.world.content import KIND, Exposures
from sim.world.population import AWARE, INTERESTED

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context


def community_platform(ctx: "Context", ret: "Retailer") -> int:
    """Index of the platform the retailer's community lives on (default: the first)."""
    name = ret.cfg.community.platform
    if not name:
        return 0
    for platform in ctx.platforms:  # ctx.platform_by_name[name] without building the dict
        if platform.name == name:
            return platform.index
    raise KeyError(name)


def reward_lift(ctx: "Context", reward: float) -> float:
    """Multiplier (≥ 1) a reward of ``reward`` yuan puts on a join or invite probability."""
    beh = ctx.beh
    return 1.0 + beh.reward_elasticity * reward / beh.reference_price


def join_score(ctx: "Context", ret: "Retailer", rows: np.ndarray) -> np.ndarray:
    """F16 join score (0–1) of consumers ``rows`` for retailer ``ret``'s community."""
    beh, pop = ctx.beh, ctx.population
    w = join_weights(beh.j_awareness, beh.j_content, beh.j_authenticity)
    awareness = np.minimum(1.0, pop.brand_exposures[:, ret.index][rows] / beh.awareness_exposures)
    return w[0] * awareness + w[1] * ret.content_quality + w[2] * ret.cfg.community.ugc_share


_NO_SCALES = np.empty(0, dtype=np.float32)


def joiners(ctx: "Context", ret: "Retailer", rows: np.ndarray, u: np.ndarray,
            scale: float | np.ndarray, lift: float) -> np.ndarray:
    """The consumers of ``rows`` who join ``ret``'s community on their draws ``u``:
    ``rows[u < scale · join_score(ctx, ret, rows) · lift]``, ``scale`` a join probability or
    an array of one per row (tie trust), in one compiled pass (:func:`join_draws`)."""
    beh = ctx.beh
    w = join_weights(beh.j_awareness, beh.j_content, beh.j_authenticity)
    per_row = isinstance(scale, np.ndarray)
    return join_draws(rows, u, scale if per_row else _NO_SCALES, 0.0 if per_row else scale,
                      ctx.population.brand_exposures, ret.index, float(beh.awareness_exposures),
                      w[0], w[1] * ret.content_quality, w[2] * ret.cfg.community.ugc_share,
                      lift)


@lru_cache(maxsize=16)
def join_weights(awareness: float, content: float, authenticity: float) -> tuple[float, ...]:
    """The join score's weights (``behaviour.j_awareness / j_content / j_authenticity``, each
    ≥ 0) normalised to sum 1 (all 0 if they sum to 0), as Python floats; kept per triple,
    since a community asks for them twice a day."""
    w = np.array([awareness, content, authenticity], dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.zeros(3)
    return tuple(w.tolist())


def admit(ctx: "Context", ret: "Retailer", rows: np.ndarray,
          referred: bool = False) -> np.ndarray:
    """Make ``rows`` (distinct non-members) members, paying ``join_reward`` each (and
    ``referral_reward`` to the inviter if ``referred``) while the community line can.
    Returns the rows admitted."""
    if len(rows) == 0:
        return rows
    cfg, pop, r = ret.cfg.community, ctx.population, ret.index
    price = cfg.join_reward + (cfg.referral_reward if referred else 0.0)
    if price > 0:
        rows = rows[: int(ret.lines.get("community", 0.0) // price)]
        ret.book("community", price * len(rows))
    admit_rows(rows, r, referred, AWARE, pop.member, pop.referred, pop.stage)
    return rows


def join_after_purchase(ctx: "Context", ret: "Retailer", happy: np.ndarray) -> None:
    """Satisfied buyers ``happy`` join with ``join_prob · J · R_join`` (community active)."""
    r, cfg = ret.index, ret.cfg.community
    if not ctx.state.community_active[r] or len(happy) == 0:
        return
    # one draw per buyer; members already (flagged) do not join again
    beh = ctx.beh
    w = join_weights(beh.j_awareness, beh.j_content, beh.j_authenticity)
    admit(ctx, ret, unflagged_joins(happy, ctx.rng.random(len(happy)), ctx.population.member,
                                    ctx.population.brand_exposures, r,
                                    float(beh.awareness_exposures), w[0],
                                    w[1] * ret.content_quality, w[2] * cfg.ugc_share,
                                    cfg.join_prob, reward_lift(ctx, cfg.join_reward)))


def community_day(ctx: "Context") -> Exposures:
    """Today's community exposures (content and invitations) of every active community, after
    drawing lead joins and referrals."""
    out = []
    for ret in ctx.retailers:
        if ctx.state.community_active[ret.index]:
            out.extend(_one_community(ctx, ret))
    return Exposures.concat(out)


def _one_community(ctx: "Context", ret: "Retailer") -> list[Exposures]:
    pop, rng, beh = ctx.population, ctx.rng, ctx.beh
    r, cfg = ret.index, ret.cfg.community
    ch = ctx.code["community"]
    platform = community_platform(ctx, ret)
    out: list[Exposures] = []
    # attract: engaged non-members join through the community entry points of the content
    # one pass over the retailer's column: engaged non-members and members
    if cfg.lead_join_prob > 0:  # one draw per lead, the join test in the same pass
        w = join_weights(beh.j_awareness, beh.j_content, beh.j_authenticity)
        stage, member = pop.stage, pop.member
        src = source(rng)
        if (src is not None and member.dtype == np.bool_
                and _one_column(stage, member)):  # the draws made in the scan
            candidates, members = _lead_joins_drawn(
                src[0], src[1], src[2], stage, member, _ADD_INTERESTED, pop.brand_exposures,
                float(beh.awareness_exposures), w[0], w[1] * ret.content_quality,
                w[2] * cfg.ugc_share, cfg.lead_join_prob, reward_lift(ctx, cfg.join_reward))
        else:
            u = rng.random(count_leads(stage, member, r, INTERESTED))
            candidates, members = lead_joins_and_members(
                stage, member, r, INTERESTED, u, pop.brand_exposures,
                float(beh.awareness_exposures), w[0], w[1] * ret.content_quality,
                w[2] * cfg.ugc_share, cfg.lead_join_prob, reward_lift(ctx, cfg.join_reward))
        joined = admit(ctx, ret, candidates)
        if len(joined):  # the new members (non-members until now) among the old ones
            members = merge_disjoint(members, joined)
    else:
        members = leads_and_members(pop.stage, pop.member, r, INTERESTED)[1]
    if len(members) == 0:
        return out
    # content: brand-written and member-written messages
    activity = pop.activity
    src = source(rng)  # numpy's PCG64: the draws below made in the compiled passes
    if src is not None:
        seen = _keep_below_drawn(src[0], src[1], src[2], members,
                                 activity.dtype.type(cfg.post_prob), activity)
    else:
        seen = keep_below_scaled(members, rng.random(len(members)),
                                 activity.dtype.type(cfg.post_prob), activity)
    if len(seen):
        brand = ctx.publish(
            retailer=r, platform=platform, channel=ch, kind=KIND["community"], circle=-1,
            credibility=ctx.beh.brand_credibility, b0=beh.b0, author=-1,
        )
        member = ctx.publish(
            retailer=r, platform=platform, channel=ch, kind=KIND["ugc"], circle=-1,
            credibility=beh.ugc_credibility, b0=beh.b0, author=-1,
        )
        if src is not None:
            post, trust, channel = _community_posts_drawn(
                src[0], src[1], src[2], len(seen), float(cfg.ugc_share), member, brand,
                float(ctx.config.graph.trust_strong), ch)
        else:
            post, trust, channel = community_posts(rng.random(len(seen)),
                                                   float(cfg.ugc_share), member, brand,
                                                   float(ctx.config.graph.trust_strong), ch)
        out.append(Exposures(seen, post, trust, channel))
    # fission: members invite contacts
    if cfg.referral_prob > 0 and ctx.graph is not None:
        p_inv = min(1.0, cfg.referral_prob * reward_lift(ctx, cfg.referral_reward))
        if src is not None:
            inviters = _pick_inviters_drawn(src[0], src[1], src[2], members, p_inv,
                                            ctx.graph.degree)
        else:
            inviters = pick_inviters(members, rng.random(len(members)), p_inv,
                                     ctx.graph.degree)
        if len(inviters):
            out.append(_invitations(ctx, ret, inviters, platform))
    return out


_ADD_INTERESTED = threshold_add(INTERESTED)


@njit(cache=True, error_model="numpy")
def _lead_joins_drawn(u32, dbl, state, stage, member, add, brand_exposures,
                      awareness_exposures, w_awareness, content_term, authenticity_term, scale,
                      lift):
    """``lead_joins_and_members(stage, member, 0, INTERESTED, rng.random(count_leads(stage,
    member, 0, INTERESTED)), ...)`` for one C-contiguous column of stage codes and bool
    member flags (N×1), drawing from the bit generator ``(u32, dbl, state)``
    (:func:`sim.engine.bitdraws.source`) as the leads are met (ascending): the same draws
    and rows, one scan instead of a count, a draw call and a scan. ``add``: the byte-scan
    addition of INTERESTED. Returns (the leads who join, members), int64 ascending."""
    src = (u32, dbl, state)
    n = stage.shape[0]
    nw = n // 8
    stage_words = column_words(stage)
    member_words = column_words(member)
    joined = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    a = b = 0
    for w in range(nw):
        is_member = member_words[w] << _B7
        hit = _byte_hits(stage_words[w], add) & ~is_member
        while hit:
            i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            if _lead_joins(i, next_double(src), brand_exposures, 0, awareness_exposures,
                           w_awareness, content_term, authenticity_term, scale, lift):
                joined[a] = i
                a += 1
            hit &= hit - _U1
        b = bit_rows(is_member, w, members, b)
    for i in range(8 * nw, n):
        if member[i, 0]:
            members[b] = i
            b += 1
        elif stage[i, 0] >= INTERESTED:
            if _lead_joins(i, next_double(src), brand_exposures, 0, awareness_exposures,
                           w_awareness, content_term, authenticity_term, scale, lift):
                joined[a] = i
                a += 1
    return joined[:a].copy(), members[:b].copy()


@njit(cache=True)
def _keep_below_drawn(u32, dbl, state, rows, scale, weight):
    """``keep_below_scaled(rows, rng.random(len(rows)), scale, weight)`` drawing from the bit
    generator ``(u32, dbl, state)`` (:func:`sim.engine.bitdraws.source`): the same draws."""
    src = (u32, dbl, state)
    out = np.empty(len(rows), dtype=np.int64)
    k = 0
    for j in range(len(rows)):
        i = rows[j]
        out[k] = i
        k += next_double(src) < scale * weight[i]
    return out[:k].copy()


@njit(cache=True)
def _community_posts_drawn(u32, dbl, state, n, share, member_post, brand_post, trust,
                           channel):
    """``community_posts(rng.random(n), share, member_post, brand_post, trust, channel)``
    drawing from the bit generator ``(u32, dbl, state)``: the same draws."""
    src = (u32, dbl, state)
    u = np.empty(n, dtype=np.float64)
    for k in range(n):
        u[k] = next_double(src)
    return community_posts(u, share, member_post, brand_post, trust, channel)


@njit(cache=True)
def _pick_inviters_drawn(u32, dbl, state, members, p, degree):
    """``pick_inviters(members, rng.random(len(members)), p, degree)`` drawing from the bit
    generator ``(u32, dbl, state)``: the same draws (every member draws one)."""
    src = (u32, dbl, state)
    out = np.empty(len(members), dtype=np.int64)
    k = 0
    for j in range(len(members)):
        i = members[j]
        out[k] = i
        k += (next_double(src) < p) & (degree[i] > 0)
    return out[:k].copy()


def _invitations(ctx: "Context", ret: "Retailer", inviters: np.ndarray,
                 platform: int) -> Exposures:
    """Each inviter (members with a contact, :func:`pick_inviters`, at least one) invites one
    random contact; the contact sees the invitation and joins with probability tie trust ·
    J · R_join (``referral_reward`` paid per joiner)."""
    g, pop, rng, r = ctx.graph, ctx.population, ctx.rng, ret.index
    cfg = ret.cfg.community
    # the contacts picked who are not members yet, one invitation per contact a day
    friends, trust, first = invitation_targets(inviters, rng.random(len(inviters)), g.indptr,
                                               g.degree, g.indices, g.trust, pop.member, r)
    first = rng.permutation(first)
    friends, trust = friends[first], trust[first]
    invite = ctx.publish(
        retailer=r, platform=platform, channel=ctx.code["community"],
        kind=KIND["community"], circle=-1, credibility=ctx.beh.brand_credibility, b0=ctx.beh.b0,
        author=-1,
    )
    admit(ctx, ret, joiners(ctx, ret, friends, rng.random(len(friends)), trust,
                            reward_lift(ctx, cfg.join_reward)), referred=True)
    return Exposures(friends, np.full(len(friends), invite, np.int64), trust,
                     np.full(len(friends), ctx.code["community"], np.int8))
