"""The search and community steps of a baseline day against the code they replaced (kept here
as reference implementations): two models of the same seed, one day each way, the same
state, spend and generator states afterwards."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import community, consideration, search
from sim.engine.model import SocialCommerceModel
from sim.kernels.arrayops import sorted_union
from sim.kernels.rowscan import (join_draws, keep_below_scaled, keep_unflagged,
                                 leads_and_members, memory_searchers, merge_disjoint,
                                 rows_equal)
from sim.world.content import KIND, Exposures
from sim.world.population import INTERESTED


# ------------------------------------------------------------------ reference (old code)
def old_searchers(ctx, r, needed=0.0):
    beh, pop = ctx.beh, ctx.population
    rows = rows_equal(pop.stage, r, INTERESTED)
    if len(rows) == 0:
        return rows
    seeded = rows[:0]
    if beh.search_rate > 0:
        seeded = memory_searchers(rows, ctx.funnel.rng.random(len(rows)), ctx.awareness.memory,
                                  r, float(beh.search_rate), float(beh.search_memory_half))
    research = consideration.researchers(ctx, rows, r, needed)
    return sorted_union(seeded, research) if len(research) else seeded


def old_sponsored(ctx, ret, rows):
    platform = search._platform(ctx, ret)
    if platform is None or ret.lines.get("search", 0.0) <= 0 or not ret.in_campaign(ctx.day):
        return rows[:0]
    cpc = platform.cfg.search_cpc
    allowance = ret.pace("search", ctx.day)
    clicks = np.flatnonzero(ctx.funnel.rng.random(len(rows)) < ctx.beh.search_ad_click)
    affordable = int(min(allowance, ret.lines["search"]) // cpc)
    shown = len(rows)
    if affordable < len(clicks):
        shown, clicks = int(clicks[affordable]), clicks[:affordable]
    paid_rows = rows[clicks]
    if len(paid_rows) and ret.book("search", len(paid_rows) * cpc):
        ret.allowance["search"] = allowance - len(paid_rows) * cpc
    search._credit(ctx, ret.index, platform.index, paid_rows, shown)
    return paid_rows


def old_search_day(ctx):
    beh = ctx.beh
    if beh.search_rate <= 0 and beh.consideration_search <= 0:
        return
    needed = consideration.memory_needed(ctx)
    for ret in ctx.retailers:
        rows = old_searchers(ctx, ret.index, needed[ret.index])
        if len(rows) == 0:
            continue
        if beh.search_memory > 0:
            ctx.awareness.memory[rows, ret.index] += np.float32(beh.search_memory)
        clicked = old_sponsored(ctx, ret, rows)
        rest = search._without(rows, clicked)
        organic = rest[ctx.funnel.rng.random(len(rest)) < beh.search_organic_click]
        ctx.funnel.searches += len(rows)
        ctx.funnel.clicked_today.append(organic)


def old_community_day(ctx):
    out = []
    for ret in ctx.retailers:
        if ctx.state.community_active[ret.index]:
            out.extend(old_one_community(ctx, ret))
    return Exposures.concat(out)


def old_one_community(ctx, ret):
    pop, rng, beh = ctx.population, ctx.rng, ctx.beh
    r, cfg = ret.index, ret.cfg.community
    ch = ctx.code["community"]
    platform = community.community_platform(ctx, ret)
    out = []
    leads, members = leads_and_members(pop.stage, pop.member, r, INTERESTED)
    if cfg.lead_join_prob > 0:
        joined = community.admit(ctx, ret, community.joiners(
            ctx, ret, leads, rng.random(len(leads)), cfg.lead_join_prob,
            community.reward_lift(ctx, cfg.join_reward)))
        if len(joined):
            members = merge_disjoint(members, joined)
    if len(members) == 0:
        return out
    activity = pop.activity
    seen = keep_below_scaled(members, rng.random(len(members)),
                             activity.dtype.type(cfg.post_prob), activity)
    if len(seen):
        brand = ctx.publish(retailer=r, platform=platform, channel=ch, kind=KIND["community"],
                            circle=-1, credibility=ctx.beh.brand_credibility, b0=beh.b0,
                            author=-1)
        member = ctx.publish(retailer=r, platform=platform, channel=ch, kind=KIND["ugc"],
                             circle=-1, credibility=beh.ugc_credibility, b0=beh.b0, author=-1)
        post = np.where(rng.random(len(seen)) < cfg.ugc_share, member, brand).astype(np.int64)
        out.append(Exposures(seen, post, np.full(len(seen), ctx.config.graph.trust_strong,
                                                 np.float32), np.full(len(seen), ch, np.int8)))
    if cfg.referral_prob > 0 and ctx.graph is not None:
        p_inv = min(1.0, cfg.referral_prob * community.reward_lift(ctx, cfg.referral_reward))
        inviters = members[rng.random(len(members)) < p_inv]
        out.append(old_invitations(ctx, ret, inviters, platform))
    return out


def old_invitations(ctx, ret, inviters, platform):
    g, pop, rng, r = ctx.graph, ctx.population, ctx.rng, ret.index
    cfg = ret.cfg.community
    inviters = inviters[g.degree[inviters] > 0]
    if len(inviters) == 0:
        return Exposures.empty()
    pick = g.indptr[inviters] + (rng.random(len(inviters)) * g.degree[inviters]).astype(np.int64)
    friends = g.indices[pick].astype(np.int64)
    trust = g.trust[pick].astype(np.float32)
    keep = ~pop.member[friends, r]
    friends, trust = friends[keep], trust[keep]
    _, first = np.unique(friends, return_index=True)
    first = rng.permutation(first)
    friends, trust = friends[first], trust[first]
    invite = ctx.publish(retailer=r, platform=platform, channel=ctx.code["community"],
                         kind=KIND["community"], circle=-1,
                         credibility=ctx.beh.brand_credibility, b0=ctx.beh.b0, author=-1)
    community.admit(ctx, ret, community.joiners(ctx, ret, friends, rng.random(len(friends)),
                                                trust,
                                                community.reward_lift(ctx, cfg.join_reward)),
                    referred=True)
    return Exposures(friends, np.full(len(friends), invite, np.int64), trust,
                     np.full(len(friends), ctx.code["community"], np.int8))


def old_join_after_purchase(ctx, ret, happy):
    r, cfg = ret.index, ret.cfg.community
    if not ctx.state.community_active[r] or len(happy) == 0:
        return
    candidates, u = keep_unflagged(happy, ctx.population.member, r, ctx.rng.random(len(happy)))
    community.admit(ctx, ret, community.joiners(ctx, ret, candidates, u, cfg.join_prob,
                                                community.reward_lift(ctx, cfg.join_reward)))


# ------------------------------------------------------------------ comparisons
def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def twins(scenario, days: int):
    models = [SocialCommerceModel(scenario, seed=11) for _ in range(2)]
    for m in models:
        for _ in range(days):
            m.step()
    return models


def assert_same_state(a, b):
    pa, pb = a.ctx.population, b.ctx.population
    for name in ("stage", "member", "referred", "first_touch", "last_touch", "last_click",
                 "last_platform"):
        assert same(getattr(pa, name), getattr(pb, name)), name
    assert a.ctx.rng.bit_generator.state == b.ctx.rng.bit_generator.state
    assert a.ctx.funnel.rng.bit_generator.state == b.ctx.funnel.rng.bit_generator.state
    for ra, rb in zip(a.ctx.retailers, b.ctx.retailers):
        assert ra.lines == rb.lines and ra.allowance == rb.allowance
    assert len(a.ctx.posts) == len(b.ctx.posts)


@pytest.mark.parametrize("days", [3, 12, 25])
def test_search_day_equals_the_old_code(small_baseline, days):
    a, b = twins(small_baseline, days)
    search.search_day(a.ctx)
    old_search_day(b.ctx)
    assert_same_state(a, b)
    assert len(a.ctx.funnel.clicked_today) == len(b.ctx.funnel.clicked_today)
    for x, y in zip(a.ctx.funnel.clicked_today, b.ctx.funnel.clicked_today):
        assert same(x, y)
    assert a.ctx.funnel.searches == b.ctx.funnel.searches


@pytest.mark.parametrize("days", [3, 12, 25])
@pytest.mark.parametrize("referral", [0.005, 0.4])
def test_community_day_equals_the_old_code(small_baseline, days, referral):
    scenario = small_baseline.model_copy(deep=True)
    for ret in scenario.retailers:  # many members and invitations with the larger rates
        ret.community.referral_prob = referral
        ret.community.lead_join_prob = 0.003 if referral < 0.1 else 0.05
    a, b = twins(scenario, days)
    x, y = community.community_day(a.ctx), old_community_day(b.ctx)
    if referral > 0.1 and days > 10:
        assert len(x) >= 5 and len(np.unique(x.post)) == 3  # content and invitations
    for name in ("consumer", "post", "trust", "channel"):
        assert same(getattr(x, name), getattr(y, name)), name
    assert_same_state(a, b)
    # a buyer's join
    ret_a, ret_b = a.ctx.retailers[0], b.ctx.retailers[0]
    happy = np.flatnonzero(np.random.default_rng(days).random(len(a.ctx.population.stage))
                           < 0.05).astype(np.int64)
    community.join_after_purchase(a.ctx, ret_a, happy)
    old_join_after_purchase(b.ctx, ret_b, happy)
    assert_same_state(a, b)
