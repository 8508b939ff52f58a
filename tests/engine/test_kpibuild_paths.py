"""Faster paths of the KPI snapshot and of building a model equal their reference paths
(kept here as reference implementations) on the same draws, generator state included."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.creators import real_followers, tier_real_followers


def _reference_real_followers(followers, shares, rng):
    """The per-creator loop tier_real_followers replaces."""
    return [real_followers(f, float(s), rng) for f, s in zip(followers, shares)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tier_real_followers_equals_per_creator_draws(seed):
    gen = np.random.default_rng(seed)
    followers = [np.sort(gen.choice(5000, size=k, replace=False)).astype(np.int64)
                 for k in gen.integers(0, 300, size=60)]
    shares = gen.uniform(0.2, 1.3, size=60)  # some ≥ 1: those creators draw nothing
    shares[::7] = 1.0
    a, b = np.random.default_rng(99), np.random.default_rng(99)
    want = _reference_real_followers(followers, shares, a)
    got = tier_real_followers(followers, shares, b)
    assert len(got) == len(want)
    for g, w, f, s in zip(got, want, followers, shares):
        assert g.dtype == w.dtype and np.array_equal(g, w)
        if s >= 1.0:
            assert g is f
    assert a.bit_generator.state == b.bit_generator.state


def test_tier_real_followers_without_draws_and_bad_input():
    f = [np.arange(5), np.arange(3)]
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    out = tier_real_followers(f, np.ones(2), rng)
    assert out[0] is f[0] and out[1] is f[1] and rng.bit_generator.state == state
    assert tier_real_followers([], np.zeros(0), rng) == []
    with pytest.raises(ValueError):
        tier_real_followers(f, np.ones(3), rng)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_pick_pairs_small_kernel_equals_blocked_kernel(seed):
    """The one-pair-at-a-time kernel (small populations) picks the blocked kernel's pairs,
    empty circles and zero weights included."""
    from sim.kernels.csr import guide_table, pick_pairs

    gen = np.random.default_rng(seed)
    n, k = 3000, 12
    circle = gen.integers(0, k, n)
    circle[circle == 5] = 6  # an empty circle
    weight = (1.0 - gen.random(n)) ** -1.5
    weight[gen.random(n) < 0.05] = 0.0
    order = np.argsort(circle, kind="stable")
    cum = np.cumsum(weight[order])
    starts = np.searchsorted(circle[order], np.arange(k + 1))
    m = 20_000
    inside, r1, r2 = gen.random(m) < 0.7, gen.random(m), gen.random(m)
    r1[:3] = [0.0, 1.0 - 1e-16, 0.5]
    small = pick_pairs(cum, starts, order, inside, r1, r2, guide_table(cum))
    blocked = pick_pairs(cum, starts, order, inside, r1, r2, guide_table(cum), threads=1)
    assert np.array_equal(small[0], blocked[0]) and np.array_equal(small[1], blocked[1])


# --------------------------------------------------------------- the KPI snapshot
# compute_kpis as it was before the per-run KpiPlan (reference implementation)
from functools import lru_cache  # noqa: E402

from sim.config.kpis import kpi_names_for  # noqa: E402
from sim.config.retail import NO_RETAIL  # noqa: E402
from sim.engine.engagement_kinds import COLUMNS as KIND_COLUMNS  # noqa: E402
from sim.engine.metrics import (_BREAKOUT, _BUYERS, _MEMBERS, _REACH, _REFERRED,  # noqa: E402
                                _STAGE, consumer_counts, platform_concentration, ratio,
                                targeted_circle_mask)
from sim.world.population import AWARE, INTERESTED, STAGES  # noqa: E402

def reference_compute_kpis(ctx: "Context") -> dict[str, float]:
    """The KPI snapshot at the end of the current step, from the consumers, the metrics book
    and the ledger of ``ctx``."""
    pop, book, ledger = ctx.population, ctx.metrics, ctx.ledger
    targeted = targeted_circle_mask(ctx)
    counts = consumer_counts(pop, targeted,  # one compiled pass over the consumers
                             ctx.config.run.mode == "full").tolist()
    stage_counts = counts[_STAGE:_STAGE + len(STAGES)]
    buyers, repeat, breakout_buyers = counts[_BUYERS:_BREAKOUT + 1]
    members, referred = counts[_MEMBERS], counts[_REFERRED]
    spend_by_channel = ledger.spend_by_channel()
    spend = float(sum(spend_by_channel.values()))
    gmv = float(ledger.gmv.sum())
    margin_gmv = float(ledger.profit.sum())
    consumer_posts = book.consumer_posts
    dependence, hhi = platform_concentration(ledger.orders_by_platform)
    kpis: dict[str, float] = {
        "reach": float(counts[_REACH]),
        "exposures": float(book.exposures),
        "engagements": float(book.engagements),
        "engagement_rate": ratio(book.engagements, book.exposures),
        "engaged": float(sum(stage_counts[INTERESTED:])),
        "aware": float(sum(stage_counts[AWARE:])),
        "interested": float(sum(stage_counts[INTERESTED:])),
        "buyers": float(buyers),
        "orders": float(ledger.orders),
        "gmv": gmv,
        "spend": spend,
        "roas": ratio(gmv, spend),
        "roi": ratio(margin_gmv - spend, spend),
        "cac": ratio(spend, buyers),
        "repurchase_rate": ratio(repeat, buyers),
        "ugc_share": ratio(consumer_posts, len(ctx.posts)),
        "negative_sentiment": book.negative_sentiment,
        "platform_dependence": dependence,
        "platform_hhi": hhi,
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
    _breakdowns(ctx, kpis)
    _funnel_kpis(ctx, kpis, spend_by_channel)
    if ctx.retail is not None:
        kpis |= ctx.retail.kpis()
    if ctx.formats:
        from sim.engine.formats import format_kpis  # the formats import the metrics' neighbours

        kpis.update(format_kpis(ctx, gmv))
    return _in_registry_order(ctx, kpis)


def _funnel_kpis(ctx: "Context", kpis: dict[str, float], spend_by_channel: dict) -> None:
    """The platform funnel's KPIs (:mod:`sim.engine.platform_funnel`), added to ``kpis``.

    The counters are read once as Python ints (``tolist``): indexing numpy scalars a hundred
    times a day cost more than the KPIs' arithmetic; the values are the same."""
    f, book = ctx.funnel, ctx.metrics
    names = _funnel_names(tuple(ctx.channels.tiers), tuple(book.channels),
                          tuple(p.name for p in ctx.platforms))
    paid, channel_keys, platform_keys = names
    imp, vw, cl, en = (f.impressions.tolist(), f.views.tolist(), f.clicks.tolist(),
                       f.engagements.tolist())
    media = float(sum(spend_by_channel.get(book.channels[k], 0.0) for k in paid))
    impressions, views, clicks = sum(imp), sum(vw), sum(cl)
    gmv = float(ctx.ledger.gmv.sum())
    kpis.update(
        impressions=float(impressions), views=float(views), clicks=float(clicks),
        ctr=ratio(clicks, impressions), cvr=ratio(f.click_orders, clicks),
        cpm=1000.0 * ratio(media, sum(imp[k] for k in paid)),
        cpc=ratio(media, sum(cl[k] for k in paid)), cpe=ratio(media, sum(en[k] for k in paid)),
        aov=ratio(gmv, ctx.ledger.orders),
        # consumers aware of some retailer / consumers reached, from the counts of the day
        aware_of_reached=ratio(kpis["aware"], kpis["reach"]),
    )
    kinds = f.kinds.counts.tolist() if f.kinds is not None else [0] * len(KIND_COLUMNS)
    kpis.update(zip(KIND_COLUMNS, map(float, kinds)))
    for (k_imp, k_views, k_clicks, k_rate), i, v, c, e in zip(channel_keys, imp, vw, cl, en):
        kpis[k_imp] = float(i)
        kpis[k_views] = float(v)
        kpis[k_clicks] = float(c)
        kpis[k_rate] = ratio(e, v)
    on_imp, on_clicks = f.impressions_on.tolist(), f.clicks_on.tolist()
    for p, (k_imp, k_clicks) in zip(ctx.platforms, platform_keys):
        kpis[k_imp] = float(on_imp[p.index])
        kpis[k_clicks] = float(on_clicks[p.index])


@lru_cache(maxsize=64)
def _funnel_names(tiers: tuple[str, ...], channels: tuple[str, ...],
                  platforms: tuple[str, ...]) -> tuple:
    """(paid channel codes, per channel the four KPI names, per platform the two KPI names)."""
    paid = tuple(channels.index(ch) for ch in [*tiers, "ads", "search"] if ch in channels)
    channel_keys = tuple((f"impressions_{ch}", f"views_{ch}", f"clicks_{ch}",
                          f"engagement_rate_{ch}") for ch in channels)
    platform_keys = tuple((f"impressions_on_{p}", f"clicks_on_{p}") for p in platforms)
    return paid, channel_keys, platform_keys


def _in_registry_order(ctx: "Context", kpis: dict[str, float]) -> dict[str, float]:
    """``kpis`` in the order of :func:`sim.config.kpis.kpi_names_for`; raises if the computed
    names and the registry's differ (a KPI added in one place only)."""
    names = kpi_names_for(tuple(ctx.channels.tiers), tuple(p.name for p in ctx.platforms),
                          tuple(r.name for r in ctx.retailers),
                          ctx.retail.shape if ctx.retail is not None else NO_RETAIL,
                          tuple(ctx.formats))
    if len(names) != len(kpis) or kpis.keys() != _name_set(names):
        extra, missing = sorted(set(kpis) - set(names)), sorted(set(names) - set(kpis))
        raise RuntimeError(f"KPI registry (sim/config/kpis.py) and compute_kpis disagree: "
                           f"computed but not registered {extra}, registered but not computed "
                           f"{missing}")
    return dict(zip(names, map(kpis.__getitem__, names)))


@lru_cache(maxsize=64)
def _name_set(names: tuple[str, ...]) -> frozenset[str]:
    """The registry's names as a set (compared with a day's KPI keys in one C-level test)."""
    return frozenset(names)


def _breakdowns(ctx: "Context", kpis: dict[str, float]) -> None:
    """The per-platform, per-channel reach and per-retailer KPIs, added to ``kpis``."""
    book, ledger = ctx.metrics, ctx.ledger
    platform_counts = ledger.orders_by_platform.tolist()
    for p in ctx.platforms:
        kpis[f"orders_{p.name}"] = float(platform_counts[p.index])
        kpis[f"organic_{p.name}"] = float(p.delivered_organic)
    reach_counts = book.reach_counts.tolist()
    for ch, count in zip(book.channels, reach_counts):
        kpis[f"reach_{ch}"] = float(count)
    kpis["reach_creators"] = float(reach_counts[-1])
    if len(ctx.retailers) > 1:
        total = ledger.orders_by_retailer.sum()
        for ret in ctx.retailers:
            kpis[f"{ret.name}_orders"] = float(ledger.orders_by_retailer[ret.index])
            kpis[f"{ret.name}_gmv"] = float(ledger.gmv[ret.index])
            kpis[f"{ret.name}_share"] = ratio(ledger.orders_by_retailer[ret.index], total)
            kpis[f"{ret.name}_price"] = float(ret.price)



from pathlib import Path  # noqa: E402

from sim.config.scenario import load_scenario  # noqa: E402
from sim.engine.metrics import KpiPlan, compute_kpis  # noqa: E402
from sim.engine.model import SocialCommerceModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["baseline", "price_war", "live_commerce", "group_buying",
                                  "membership_tiers", "store_o2o_pilot", "platform_single"])
def test_compute_kpis_equals_reference_every_day(name):
    """Same names in the same (registry) order and the same values, day after day."""
    scn = load_scenario(ROOT / "scenarios" / f"{name}.toml",
                        {"run.consumers": 1500, "run.days": 12})
    model = SocialCommerceModel(scn, seed=3)
    while model.running:
        model.step()
        got, want = compute_kpis(model.ctx), reference_compute_kpis(model.ctx)
        assert list(got) == list(want)
        assert got == want
    assert isinstance(model.ctx.metrics.kpi_plan, KpiPlan)


def test_kpi_plan_is_rebuilt_when_the_context_changes():
    scn = load_scenario(ROOT / "scenarios" / "baseline.toml", {"run.consumers": 800, "run.days": 3})
    model = SocialCommerceModel(scn, seed=1)
    model.step()
    ctx = model.ctx
    plan = ctx.metrics.kpi_plan
    ctx.platforms = list(ctx.platforms)  # another list object: the plan no longer fits
    assert not plan.fits(ctx)
    assert compute_kpis(ctx) == reference_compute_kpis(ctx)
    assert ctx.metrics.kpi_plan is not plan and ctx.metrics.kpi_plan.fits(ctx)
    ctx.metrics.kpi_plan.names = ctx.metrics.kpi_plan.names + ("no_such_kpi",)  # stale names
    assert compute_kpis(ctx) == reference_compute_kpis(ctx)  # rebuilt once, then right


def test_collector_rows_reach_model_vars_when_read():
    scn = load_scenario(ROOT / "scenarios" / "baseline.toml", {"run.consumers": 800, "run.days": 4})
    model = SocialCommerceModel(scn, seed=2)
    seen = [dict(model.kpis)]
    while model.running:
        model.step()
        seen.append(dict(model.kpis))
    mv = model.datacollector.model_vars
    assert list(mv) == list(model.kpis)
    for name in ("reach", "gmv", "stage_aware", "impressions_ads"):
        assert mv[name] == [day[name] for day in seen]
    assert model.datacollector.model_vars is mv and len(mv["reach"]) == 5  # flushed once
