"""Every strategy lever moves its KPI in the direction the field reports (docs/field_facts.md).

Each test runs the bundled scenario files at a small population with a few fixed seeds, and
compares two variants under the same seeds (common random numbers: same world, same streams),
so a difference is the lever's, not noise's. Directions, not exact values, are asserted;
where a number is documented (the −42 % reach shock) it is checked with a tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.engine.community import join_score
from sim.world.content import KIND
from sim.engine.funnel import category_choice
from sim.execution.runner import run_single
from sim.config.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEEDS = (1, 2, 3)


def scenario(name: str, consumers: int = 3000, days: int = 60, **overrides):
    sets = {"run.consumers": consumers, "run.days": days, **overrides}
    return load_scenario(SCENARIOS / name, sets)


QUIET_CREATORS = {"behaviour.creator_spread": 1000.0, "behaviour.creator_quality_sd": 0.0}
"""Overrides that make creators identical within a tier (traits at the tier's mean)."""


def runs(scn, seeds=SEEDS, timeseries: bool = False):
    return [run_single(scn, s, keep_timeseries=timeseries) for s in seeds]


def mean(results, kpi: str) -> float:
    return float(np.mean([r.summary[kpi] for r in results]))


# ------------------------------------------------------------------ 1. KOL tier economics
def test_tier_economics_head_reaches_koc_converts():
    """F1/F27/L3–L4: head-heavy reaches the most consumers through creators; a KOC swarm gets
    the highest engagement rate and the lowest cost per buyer; same budget everywhere."""
    res = {name: runs(scenario(f"kol_{name}.toml", consumers=4000, days=60))
           for name in ("head_heavy", "waist_heavy", "koc_swarm", "pyramid")}
    spend = [mean(r, "spend") for r in res.values()]
    assert max(spend) / min(spend) < 1.05  # same money, different mix
    reach = {k: mean(r, "reach_creators") for k, r in res.items()}
    assert reach["head_heavy"] == max(reach.values())
    eng = {k: mean(r, "engagement_rate") for k, r in res.items()}
    cac = {k: mean(r, "cac") for k, r in res.items()}
    assert eng["koc_swarm"] == max(eng.values())
    assert cac["koc_swarm"] == min(cac.values())
    # the pyramid converts more cheaply than a single-tier head plan (F27: −35 % cost)
    assert cac["pyramid"] < cac["head_heavy"]


def test_tier_engagement_falls_with_audience_size():
    """L3: realised engagement per view (engagements / views of each tier's posts, as a
    creator dashboard reports it) is highest for the smallest creators: tail > waist > head —
    measured on the consumers' responses, not read from the configured tier values."""
    model = SocialCommerceModel(scenario("kol_pyramid.toml", consumers=4000, days=30), seed=1)
    while model.running:
        model.step()
    creators = model.influencers_by_tier
    followers = {t: np.mean([len(c.followers) for c in cs]) for t, cs in creators.items() if cs}
    assert followers["head"] > followers["waist"] > followers["tail"] > followers["nano"]
    rate = {t: model.kpis[f"engagement_rate_{t}"] for t in ("head", "waist", "tail")}
    views = {t: model.kpis[f"views_{t}"] for t in rate}
    assert min(views.values()) > 500  # enough views for the rates to be measured
    assert rate["tail"] > rate["waist"] > rate["head"] > 0


# ------------------------------------------------------------ 2. platform algorithms
def test_reach_shock_cuts_that_platforms_organic_exposures_by_42_percent():
    """F31: an algorithm change (organic reach × 0.58 from day 30) cuts the platform's delivered
    organic creator exposures by ~42 % after the shock and leaves the days before untouched."""
    scn = scenario("platform_single.toml", consumers=4000, days=50)
    calm = scn.with_overrides({"shocks": []})
    before, after = [], []
    for seed in SEEDS:
        a = run_single(scn, seed).timeseries.set_index("step")["organic_feed"]
        b = run_single(calm, seed).timeseries.set_index("step")["organic_feed"]
        assert (a.loc[1:29] == b.loc[1:29]).all()  # same seed, same world until the shock
        before.append(b.loc[30:].sum())
        after.append(a.loc[30:].sum())
    assert sum(after) / sum(before) == pytest.approx(0.58, abs=0.05)


def test_diversified_mix_loses_less_gmv_under_the_shock():
    """F31–F32: under the same feed shock, the >80 %-feed plan loses a larger share of its GMV
    than the diversified plan; platform dependence KPIs tell the two apart. Creators are
    identical within a tier here: with the baseline's per-seed creator draws the shock's loss
    is mostly which creators a seed drew (measured over seeds 1–20 at 10,000 consumers: losses
    0.10 vs 0.06 with a 95 % interval of the difference straddling zero; with identical
    creators 0.14 vs 0.06, interval −0.11 to −0.05; docs/grounding.md). The full campaign at
    10,000 consumers: at 5,000 the per-seed loss of either plan still ranges over −0.08..0.22
    (awareness is a threshold on memory, so a small market's sales after the shock are few)."""
    seeds = (1, 2, 3, 4)
    loss, dependence = {}, {}
    for name in ("platform_single", "platform_diversified"):
        scn = scenario(f"{name}.toml", consumers=10000, days=90, **QUIET_CREATORS)
        shocked = runs(scn, seeds)
        calm = runs(scn.with_overrides({"shocks": []}), seeds)
        loss[name] = 1 - mean(shocked, "gmv") / mean(calm, "gmv")
        dependence[name] = (mean(calm, "platform_dependence"), mean(calm, "platform_hhi"))
    assert loss["platform_single"] > 0
    assert loss["platform_diversified"] < loss["platform_single"]
    assert dependence["platform_single"][0] > 0.8 > dependence["platform_diversified"][0]
    assert dependence["platform_single"][1] > dependence["platform_diversified"][1]


def test_ads_split_over_platforms():
    scn = scenario("platform_diversified.toml", consumers=2000, days=5)
    model = SocialCommerceModel(scn, seed=1)
    model.step()
    posts = model.posts
    ads = posts["kind"] == KIND["ad"]
    platforms = {model.platforms[p].name for p in posts["platform"][ads]}
    assert platforms == {"feed", "notes", "chat"}


# ------------------------------------------------------------ 3. private domain
def test_join_score_follows_awareness_content_and_authenticity():
    """F16: the join score rises with brand exposures, original scene content and UGC share."""
    model = SocialCommerceModel(scenario("baseline.toml", consumers=500, days=5), seed=1)
    ret, pop = model.retailers[0], model.population
    rows = np.array([0, 1])
    pop.brand_exposures[rows, 0] = [0, 15]
    low, high = join_score(model, ret, rows)
    assert high - low == pytest.approx(0.35, abs=1e-6)  # awareness weight
    ugc = ret.cfg.community.ugc_share
    ret.cfg.community.ugc_share = 1.0
    assert join_score(model, ret, rows)[0] == pytest.approx(low + 0.37 * (1 - ugc))
    quality = ret.content_quality
    ret.content_quality = 0.0
    assert join_score(model, ret, rows)[0] == pytest.approx(low + 0.37 * (1 - ugc) - 0.28 * quality)


def test_referral_rewards_increase_members_and_fission():
    """F28: referral rewards make members invite more contacts: more referred members, a higher
    fission coefficient and more members in all."""
    on = runs(scenario("fission_on.toml", consumers=4000, days=75), (1, 2, 3, 4))
    off = runs(scenario("fission_off.toml", consumers=4000, days=75), (1, 2, 3, 4))
    assert mean(on, "referred_members") > 1.3 * mean(off, "referred_members")
    assert mean(on, "fission") > mean(off, "fission")
    assert mean(on, "members") > mean(off, "members")
    assert mean(on, "spend_community") > mean(off, "spend_community")  # rewards cost money


def test_members_repurchase_more_and_community_lowers_platform_dependence():
    """F23: members repurchase more; a private domain on the messaging platform spreads orders
    over platforms (community push vs the same money on feed ads)."""
    push = runs(scenario("community_push.toml", consumers=4000, days=75))
    paid = runs(scenario("paid_acquisition.toml", consumers=4000, days=75))
    assert mean(push, "members") > 0 == mean(paid, "members")
    assert mean(push, "repurchase_rate") > mean(paid, "repurchase_rate")
    assert mean(push, "platform_dependence") < mean(paid, "platform_dependence")


def test_coupons_have_real_cost():
    res = run_single(scenario("baseline.toml", consumers=3000, days=40), 1)
    value = 8.0
    spent = res.summary["spend_coupons"]
    assert spent > 0
    assert spent / value == pytest.approx(round(spent / value))  # whole coupons
    assert spent <= res.summary["orders"] * value + 1e-6


# ------------------------------------------------------------ 4. content strategy
def test_homogeneous_content_lowers_engagement():
    """F14: near-duplicate promo copy tires people: reuse alone lowers the engagement rate, and
    the promo-heavy homogeneous plan engages less than the diverse scene plan."""
    base = scenario("baseline.toml", consumers=4000)
    fresh = runs(base.with_overrides({"retailers.0.content_reuse": 0.0}))
    reused = runs(base.with_overrides({"retailers.0.content_reuse": 0.8}))
    assert mean(reused, "engagement_rate") < mean(fresh, "engagement_rate")
    promo = runs(scenario("content_promo_homogeneous.toml", consumers=4000))
    scene = runs(scenario("content_scene_diverse.toml", consumers=4000))
    assert mean(promo, "engagement_rate") < 0.9 * mean(scene, "engagement_rate")
    assert mean(promo, "orders") < mean(scene, "orders")


def test_circle_tagging_raises_engagement_in_targeted_circles():
    """F9: circle-tagged content raises participation in the targeted circles."""
    tagged = runs(scenario("circle_targeted.toml", consumers=4000))
    generic = runs(scenario("circle_generic.toml", consumers=4000))
    assert mean(tagged, "engagement_rate_targeted") > mean(generic, "engagement_rate_targeted")
    model = SocialCommerceModel(scenario("circle_targeted.toml", consumers=2000, days=3), seed=1)
    for _ in range(3):
        model.step()
    home = {c.unique_id: c.home_circle for cs in model.influencers_by_tier.values() for c in cs}
    commissioned = model.posts["author"][model.posts["channel"] < model.n_tiers]
    assert len(commissioned) and {home[a] for a in commissioned} <= {2, 3, 4, 5}
    assert set(home.values()) - {2, 3, 4, 5}  # creators elsewhere exist and were passed over


def test_guanxi_framing_spreads_further_over_ties():
    """F10: relationship framing raises sharing over strong ties: more word-of-mouth reach."""
    framed = runs(scenario("guanxi_framing.toml", consumers=4000))
    plain = runs(scenario("baseline.toml", consumers=4000))
    assert mean(framed, "reach_wom") > 1.1 * mean(plain, "reach_wom")


# ------------------------------------------------------------ 5. rituals and calendar
def test_festival_ritual_raises_interaction_on_festival_days():
    """F11: festival days (and share-your-order posts) raise interaction on those days."""
    scn = scenario("festival_ritual.toml", consumers=4000, days=62)
    plain = scn.with_overrides({"retailers.0.festival_days": []})
    days = [30, 31, 32, 60, 61]
    fest = [r.timeseries.set_index("step")["daily_engagements"].loc[days].sum()
            for r in runs(scn, timeseries=True)]
    calm = [r.timeseries.set_index("step")["daily_engagements"].loc[days].sum()
            for r in runs(plain, timeseries=True)]
    assert sum(fest) > 1.15 * sum(calm)
    res = runs(scn)
    assert mean(res, "ugc_share") > mean(runs(plain), "ugc_share")


def test_campaign_calendar_stops_spending_and_posting_outside():
    scn = scenario("baseline.toml", consumers=2000, days=40,
                   **{"retailers.0.start_day": 10, "retailers.0.end_day": 25})
    model = SocialCommerceModel(scn, seed=1)
    spend = []
    while model.running:
        model.step()
        spend.append(model.kpis["spend"])
        if model.day > 25:
            assert not model.community_active[0]
    assert spend[8] == 0 and spend[24] > 0 and spend[-1] == spend[24]
    paid = np.isin(model.posts["channel"], [*range(model.n_tiers), model.channel_code["ads"]])
    days = model.posts["day"][paid]
    assert days.min() >= 10 and days.max() <= 25


# ------------------------------------------------------------ 6. crisis
def _peak_after(results, day: int) -> float:
    return float(np.mean([r.timeseries.set_index("step")["negative_sentiment"].loc[day:].max()
                          for r in results]))


def test_faster_crisis_response_lowers_negative_sentiment_peak():
    """F33: a same-day response lowers the peak of the 7-day negative sentiment index."""
    fast = runs(scenario("crisis_fast.toml", consumers=4000, days=50), timeseries=True)
    slow = runs(scenario("crisis_slow.toml", consumers=4000, days=50), timeseries=True)
    assert _peak_after(fast, 30) < _peak_after(slow, 30)
    assert _peak_after(slow, 30) > 0.1  # a visible crisis


def test_cross_platform_spillover_spreads_negative_content():
    scn = scenario("crisis_slow.toml", consumers=4000, days=45)
    spill = runs(scn, timeseries=True)
    contained = runs(scn.with_overrides({"behaviour.negative_spillover": 0.0}), timeseries=True)
    assert _peak_after(spill, 30) > _peak_after(contained, 30)


def test_crisis_repair_wins_critics_back_at_a_cost():
    """F33: while the response runs, critics are won back (compensation is paid per consumer);
    the response ends after crisis_response_days."""
    scn = scenario("crisis_fast.toml", consumers=3000, days=43)  # response: days 30–43
    free = scn.with_overrides({"retailers.0.crisis_repair_cost": 0.0})
    none = scn.with_overrides({"retailers.0.crisis_repair": 0.0})
    models = {}
    for key, variant in (("paid", scn), ("free", free), ("none", none)):
        m = SocialCommerceModel(variant, seed=2)
        while m.running:
            m.step()
        models[key] = m
    negatives = {k: int(m.population.negative.sum()) for k, m in models.items()}
    assert negatives["free"] < 0.6 * negatives["none"]
    assert models["paid"].kpis["spend_coupons"] > models["free"].kpis["spend_coupons"]
    assert models["paid"].retailers[0].responding
    longer = SocialCommerceModel(scn.with_overrides({"run.days": 46}), seed=2)
    while longer.running:
        longer.step()
    assert not longer.retailers[0].responding and longer.negative_damping[0] == 1.0


# ------------------------------------------------------------ 7. budget policy
def test_adaptive_policy_moves_money_to_the_better_channel():
    """F35: the adaptive policy shifts money toward the channel with the best observed return
    and releases the reserve; the static plan keeps its lines and its reserve."""
    # head posts at four times the baseline fee: the tail returns clearly more per yuan
    sets = {"retailers.0.allocation": {"head": 0.5, "tail": 0.5},
            "influencers.head.fee": 30000.0}
    static = scenario("budget_static.toml", consumers=4000, days=60, **sets)
    adaptive = scenario("budget_adaptive.toml", consumers=4000, days=60, **sets)
    s, a = runs(static), runs(adaptive)
    assert mean(s, "spend_head") == pytest.approx(mean(s, "spend_tail"), rel=0.05)
    assert mean(a, "spend_tail") > 1.2 * mean(s, "spend_tail")
    # the better channel's share of the creator money grows (the released reserve may still
    # add a little to the other line)
    assert (mean(a, "spend_tail") / mean(a, "spend_head")
            > 1.2 * mean(s, "spend_tail") / mean(s, "spend_head"))
    assert mean(a, "spend") > mean(s, "spend")  # the reserve is released
    moved = {"head": 0.0, "tail": 0.0}  # yuan moved into each channel by re-allocations
    for seed in SEEDS:
        model = SocialCommerceModel(adaptive, seed=seed)
        while model.running:
            model.step()
        for _, best, _, amount in model.retailers[0].reallocations:
            moved[best] += amount
    assert moved["tail"] > moved["head"]


def test_coupons_are_not_judged_by_the_adaptive_policy():
    model = SocialCommerceModel(scenario("budget_adaptive.toml", consumers=3000, days=50), seed=1)
    while model.running:
        model.step()
    assert model.retailers[0].reallocations
    assert all(best != "coupons" for _, best, _, _ in model.retailers[0].reallocations)


# ------------------------------------------------------------ 8. competition
def test_category_choice_is_one_occasion_split_by_hazard():
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(50_000), 2)
    p = np.tile([0.3, 0.1], 50_000)
    keep = category_choice(rows, p, rng)
    assert len(np.unique(rows[keep])) == len(keep)  # at most one order per consumer
    assert len(keep) / 50_000 == pytest.approx(0.3, abs=0.01)  # max hazard, not the sum
    assert np.mean(keep % 2 == 0) == pytest.approx(0.75, abs=0.01)  # ∝ hazard


def test_price_cut_raises_the_cutters_market_share_and_costs_margin():
    scn = scenario("price_war.toml", consumers=4000, days=60,
                   **{"shocks": [{"kind": "price", "retailer": "rival", "day": 20,
                                  "factor": 0.8}]})
    calm = scn.with_overrides({"shocks": []})
    cut, ref = runs(scn), runs(calm)
    assert mean(cut, "rival_share") > mean(ref, "rival_share") + 0.02
    assert mean(cut, "rival_orders") > mean(ref, "rival_orders")
    assert mean(cut, "rival_price") == pytest.approx(0.8 * 85.0)
    # the cut sells more but earns less per order: profit per order falls
    assert (mean(cut, "profit") / mean(cut, "orders")) < (mean(ref, "profit") / mean(ref, "orders"))


# ------------------------------------------------------------ schema and library
@pytest.mark.parametrize("sets, field", [
    ({"retailers.0.ad_split": {"tv": 1.0}}, "ad_split"),
    ({"retailers.0.target_circles": [99]}, "target_circles"),
    ({"retailers.0.community.platform": "mail"}, "community.platform"),
    ({"retailers.0.content_reuse": 1.5}, "content_reuse"),
    ({"shocks": [{"kind": "price", "day": 5, "factor": 0.01}]}, "price shock"),
    ({"behaviour.negative_spillover": -1}, "negative_spillover"),
])
def test_bad_lever_values_are_refused_with_the_field_named(sets, field):
    with pytest.raises(ScenarioError, match=field.split(".")[-1].split()[0]):
        load_scenario(SCENARIOS / "baseline.toml", sets)


def test_bundled_scenarios_state_their_question():
    files = sorted(p for p in SCENARIOS.glob("*.toml"))
    assert len(files) >= 13
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#"), path.name
        scn = load_scenario(path)
        assert scn.name == path.stem and scn.question, path.name
    names = {p.stem for p in files}
    assert {"kol_head_heavy", "kol_waist_heavy", "kol_koc_swarm", "kol_pyramid"} <= names
