"""Plain numpy reference implementations that the compiled paths are compared against.

Each function here is the straightforward vectorised form of a rule the package computes with
compiled loops or batched draws; tests compare the two on random inputs (with a tolerance where
the float order differs, exactly where it does not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import funnel
from sim.world.content import Exposures
from sim.world.population import AWARE, CUSTOMER, INTERESTED, STAGES


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
        - beh.c_price * pop.price_sensitivity[rows] * (
            price / (beh.reference_price if cfg.category_price is None else cfg.category_price))
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


# ------------------------------------------------------------------ bookkeeping
def changed_rows(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The numpy scan the trackers used: rows whose mask differs in any column."""
    diff = now != before
    return np.flatnonzero(diff[:, 0] if diff.shape[1] == 1 else diff.any(axis=1))


def consumer_counts(pop, targeted: np.ndarray) -> list[int]:
    """The numpy passes compute_kpis made over the consumers."""
    stage_counts = np.bincount(pop.overall_stage(), minlength=len(STAGES))
    orders_each = pop.orders[:, 0] if pop.orders.shape[1] == 1 else pop.orders.sum(axis=1)
    buyers_mask = orders_each > 0
    return [*stage_counts.tolist(), np.count_nonzero(buyers_mask),
            np.count_nonzero(orders_each >= 2),
            np.count_nonzero(~targeted[pop.circle[buyers_mask]]),
            np.count_nonzero(pop.member), np.count_nonzero(pop.referred),
            np.count_nonzero(pop.ever_exposed)]


def compute_kpis(model) -> dict[str, float]:
    """compute_kpis as it was written with numpy passes (the definitions are unchanged)."""
    from sim.engine.metrics import ratio, targeted_circle_mask

    pop, book, ledger = model.population, model.metrics, model.ledger
    overall = pop.overall_stage()
    stage_counts = np.bincount(overall, minlength=len(STAGES))
    orders_each = pop.orders[:, 0] if pop.orders.shape[1] == 1 else pop.orders.sum(axis=1)
    buyers_mask = orders_each > 0
    buyers = np.count_nonzero(buyers_mask)
    repeat = np.count_nonzero(orders_each >= 2)
    members = np.count_nonzero(pop.member)
    referred = np.count_nonzero(pop.referred)
    spend_by_channel = model.spend_by_channel()
    spend = float(sum(spend_by_channel.values()))
    gmv = float(ledger.gmv.sum())
    margin_gmv = float(ledger.profit.sum())
    platform_orders = ledger.orders_by_platform
    total_orders = int(platform_orders.sum())
    shares = platform_orders / total_orders if total_orders else np.zeros_like(platform_orders, float)
    targeted = targeted_circle_mask(model.ctx)
    breakout_buyers = np.count_nonzero(~targeted[pop.circle[buyers_mask]])
    kpis = {
        "reach": float(np.count_nonzero(pop.ever_exposed)),
        "exposures": float(book.exposures),
        "engagements": float(book.engagements),
        "engagement_rate": ratio(book.engagements, book.exposures),
        "engaged": float(stage_counts[INTERESTED:].sum()),
        "aware": float(stage_counts[AWARE:].sum()),
        "interested": float(stage_counts[INTERESTED:].sum()),
        "buyers": float(buyers),
        "orders": float(ledger.orders),
        "gmv": gmv,
        "spend": spend,
        "roas": ratio(gmv, spend),
        "roi": ratio(margin_gmv - spend, spend),
        "cac": ratio(spend, buyers),
        "repurchase_rate": ratio(repeat, buyers),
        "ugc_share": ratio(book.consumer_posts, len(model.posts)),
        "negative_sentiment": book.negative_sentiment,
        "platform_dependence": float(shares.max()) if total_orders else 0.0,
        "platform_hhi": float((shares**2).sum()) if total_orders else 0.0,
        "members": float(members),
        "referred_members": float(referred),
        "fission": ratio(referred, members - referred),
        "cost_per_member": ratio(spend_by_channel.get("community", 0.0), members),
        "engagement_rate_targeted": ratio(book.engagements_by_circle[targeted].sum(),
                                          book.exposures_by_circle[targeted].sum()),
        "profit": margin_gmv,
        "breakout": ratio(breakout_buyers, buyers),
        "daily_engagements": float(book.daily_engagements),
        "daily_orders": float(ledger.daily_orders),
        "daily_exposures": float(book.daily_exposures),
    }
    for i, name in enumerate(STAGES):
        kpis[f"stage_{name}"] = float(stage_counts[i])
    for ch, v in spend_by_channel.items():
        kpis[f"spend_{ch}"] = float(v)
    for p in model.platforms:
        kpis[f"orders_{p.name}"] = float(platform_orders[p.index])
        kpis[f"organic_{p.name}"] = float(p.delivered_organic)
    reached_by = book.reached_by
    if reached_by is not None:
        counts = [np.count_nonzero(reached_by[:, c]) for c in range(reached_by.shape[1])]
        for ch, count in zip(model.channels, counts):
            kpis[f"reach_{ch}"] = float(count)
        kpis["reach_creators"] = float(np.count_nonzero(book.reached_by_creator))
    if len(model.retailers) > 1:
        total = ledger.orders_by_retailer.sum()
        for ret in model.retailers:
            kpis[f"{ret.name}_orders"] = float(ledger.orders_by_retailer[ret.index])
            kpis[f"{ret.name}_gmv"] = float(ledger.gmv[ret.index])
            kpis[f"{ret.name}_share"] = ratio(ledger.orders_by_retailer[ret.index], total)
            kpis[f"{ret.name}_price"] = float(ret.price)
    funnel_kpis(model, kpis, spend_by_channel)
    return kpis


def decide_purchases(pop, retailers, beh, atm, coupons, conversion, rng, prices=None,
                     extra_sessions=None, memory=None, memory_needed=None,
                     multipliers=None, boosts=None):
    """decide_purchases as it was written with numpy passes (product-page visits from clicks
    join the sessions; other first-order candidates reach the page with ``own_visit``; first
    orders need the considered memory; no membership boosts)."""
    assert boosts is None or all(b is None for b in boosts)
    n_ret = len(retailers)
    any_open = pop.stage >= INTERESTED
    any_open = any_open[:, 0] if any_open.shape[1] == 1 else any_open.any(axis=1)
    open_rows = np.flatnonzero(any_open)
    session_rows = open_rows[rng.random(len(open_rows)) < pop.activity[open_rows]]
    if extra_sessions is not None and len(extra_sessions):
        session_rows = np.union1d(session_rows, extra_sessions)
    cand_rows, cand_p, cand_first, cand_ret = [], [], [], []
    for r, cfg in enumerate(retailers):
        stage = pop.stage[session_rows, r]
        first_rows = session_rows[stage == INTERESTED]
        if memory is not None and memory_needed is not None and memory_needed[r] > 0:
            first_rows = first_rows[memory[first_rows, r] >= memory_needed[r]]
        repeat_rows = session_rows[(stage >= CUSTOMER) & ~pop.churned[session_rows, r]]
        price = cfg.price if prices is None else float(prices[r])
        p_first = first_purchase_probability(pop, first_rows, r, cfg, beh, atm,
                                                       coupons[r], conversion, price)
        if beh.own_visit < 1.0:  # own sessions without a click reach the product page
            visited = (np.isin(first_rows, extra_sessions) if extra_sessions is not None
                       else np.zeros(len(first_rows), dtype=bool))
            p_first = np.where(visited, p_first, p_first * beh.own_visit)
        p_rep = repurchase_probability(pop, repeat_rows, r, beh,
                                                 cfg.community.repurchase_multiplier
                                                 if multipliers is None else multipliers[r],
                                                 max(0.0, cfg.price - price))
        first = np.zeros(len(first_rows) + len(repeat_rows), dtype=bool)
        first[: len(first_rows)] = True
        cand_rows.append(np.concatenate([first_rows, repeat_rows]))
        cand_p.append(np.concatenate([p_first, p_rep]))
        cand_first.append(first)
        cand_ret.append(np.full(len(first), r))
    rows = np.concatenate(cand_rows)
    p = np.concatenate(cand_p)
    first = np.concatenate(cand_first)
    ret = np.concatenate(cand_ret)
    if n_ret == 1:
        hit = rng.random(len(rows)) < p
        rows, first, ret = rows[hit], first[hit], ret[hit]
    else:
        keep = funnel.category_choice(rows, p, rng)
        rows, first, ret = rows[keep], first[keep], ret[keep]
    return [funnel.Purchases(r, rows[ret == r], first[ret == r],
                             np.full(int((ret == r).sum()), coupons[r]))
            for r in range(n_ret)]


def churn(pop, beh, rng, retention=None) -> None:
    """sim.engine.churn.churn as plain numpy: a per-day quit hazard (halved for members,
    divided by check-in retention), the same random numbers in the same order."""
    active = (pop.stage >= CUSTOMER) & ~pop.churned
    rows, cols = np.divmod(np.flatnonzero(active), active.shape[1])
    hazard = np.where(pop.member[rows, cols], beh.churn_hazard * 0.5, beh.churn_hazard)
    u = rng.random(len(rows))
    if retention is not None:  # a check-in day: hazard × retention (as u / retention < hazard)
        with np.errstate(divide="ignore"):
            u = u / retention[rows, cols]
    quit_ = u < hazard
    pop.churned[rows[quit_], cols[quit_]] = True


def funnel_kpis(model, kpis, spend_by_channel):
    """The platform funnel's KPIs by their definitions (sim/config/kpis.py), added to ``kpis``."""
    from sim.engine.metrics import ratio
    f, pop = model.ctx.funnel, model.population
    paid = [c for c, ch in enumerate(model.channels)
            if ch in {*model.ctx.channels.tiers, "ads", "search"}]
    media = sum(spend_by_channel.get(model.channels[c], 0.0) for c in paid)
    reached = np.count_nonzero(pop.ever_exposed)
    aware = np.count_nonzero(pop.stage.max(axis=1) >= AWARE)
    kpis.update(impressions=float(f.impressions.sum()), views=float(f.views.sum()),
                clicks=float(f.clicks.sum()), ctr=ratio(f.clicks.sum(), f.impressions.sum()),
                cvr=ratio(f.click_orders, f.clicks.sum()),
                cpm=1000 * ratio(media, f.impressions[paid].sum()),
                cpc=ratio(media, f.clicks[paid].sum()),
                cpe=ratio(media, f.engagements[paid].sum()),
                aov=ratio(model.ledger.gmv.sum(), model.ledger.orders),
                aware_of_reached=ratio(aware, reached))
    # engagement kinds: the per-platform counts summed over platforms
    from sim.engine.engagement_kinds import KINDS
    by_platform = (f.kinds.by_platform.sum(axis=0) if f.kinds is not None
                   else np.zeros(len(KINDS), np.int64))
    kpis.update({kind + "s": float(n) for kind, n in zip(KINDS, by_platform)})
    for c, ch in enumerate(model.channels):
        kpis[f"impressions_{ch}"] = float(f.impressions[c])
        kpis[f"views_{ch}"] = float(f.views[c])
        kpis[f"clicks_{ch}"] = float(f.clicks[c])
        kpis[f"engagement_rate_{ch}"] = ratio(f.engagements[c], f.views[c])
    for p in model.platforms:
        kpis[f"impressions_on_{p.name}"] = float(f.impressions_on[p.index])
        kpis[f"clicks_on_{p.name}"] = float(f.clicks_on[p.index])
