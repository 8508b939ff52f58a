"""The grounded baseline (scenarios/baseline.toml) lands inside every public range of
docs/calibration_targets.md (one test per range). One baseline run at 10,000 consumers over the
full 90 days (about 5–10 s; the memory test runs its own 2,000 consumers over 30 days),
measured on the run's behaviour: spend over delivered views and engagements, engagements over
views, fees over the followers creators actually reach, clicks over impressions, orders over
clicks, buyers who came back, the followers creators really deliver to, how fast memory fades
on a day without exposures, how orders concentrate on the best creators, messages read on the
messaging platform, the price of a search click, the kinds of engagement per platform and the
spend per buyer against the order value. A range the
baseline misses would be marked ``xfail(strict=True)``: it documents a known gap
(docs/calibration_targets.md says which values would close it) and fails loudly once the
baseline lands inside; none is at present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import load_scenario
from sim.engine.platform_funnel import creator_rows

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
TIERS = ("head", "waist", "tail")

# (low, high) of docs/calibration_targets.md
COST_PER_VIEW = (0.1, 1.0)  # yuan per view of a creator post
COST_PER_ENGAGEMENT = (1.0, 10.0)  # yuan per engagement with a creator post
ENGAGEMENT_PER_VIEW = {"head": (0.03, 0.08), "waist": (0.08, 0.15), "tail": (0.15, 0.25)}
FEE_PER_FOLLOWER = (0.005, 0.5)  # yuan per real follower, per post
IN_FEED_CPM = (4.0, 60.0)  # yuan per 1,000 ad impressions
CVR = (0.02, 0.06)  # orders within the click window / product-page clicks
AD_CTR = (0.0035, 0.014)  # product-page clicks / in-feed ad impressions
REPURCHASE = (0.15, 0.30)  # buyers with two or more orders / buyers
FEED_VIEW_RATE = (0.2, 0.7)  # short-video impressions played past the first seconds
NOTES_VIEW_RATE = (0.015, 0.10)  # note cards opened / note cards shown
REAL_FAN_SHARE = (0.55, 0.78)  # followers a creator really delivers to / nominal followers
WEEKLY_MEMORY_RETENTION = (0.3, 0.8)  # brand memory kept after a week without exposures
TOP_FIFTH_ORDER_SHARE = (0.8, 1.0)  # creator-attributed orders from the top 20 % of creators
CHAT_READ_RATE = (0.60, 0.95)  # messages read / messages delivered on the messaging platform
SEARCH_CPC = (0.5, 10.0)  # yuan per click on a sponsored search result
CREATOR_POST_CTR = (0.007, 0.05)  # product-page clicks / impressions of a tier's creator posts
FEED_COMMENTS_PER_LIKE = (1 / 30, 1 / 10)  # comments / likes on the short-video feed
FEED_SHARES_PER_VIEW = (0.001, 0.02)  # shares / views on the short-video feed
NOTES_COMMENTS_PER_LIKE = (1 / 5, 1 / 3)  # comments / likes on the notes platform
NOTES_SAVES_PER_LIKE = (0.5, 1.0)  # saves (collects) / likes on the notes platform
CAC_PER_ORDER_VALUE = (0.45, 0.9)  # spend per buyer / average order value


@pytest.fixture(scope="module")
def baseline_run():
    model = SocialCommerceModel(load_scenario(BASELINE, {"run.consumers": 10_000}), seed=1)
    while model.running:
        model.step()
    return model


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


@pytest.mark.parametrize("tier", TIERS)
def test_creator_cost_per_view(baseline_run, tier):
    k = baseline_run.kpis
    assert _inside(k[f"spend_{tier}"] / k[f"views_{tier}"], COST_PER_VIEW)


@pytest.mark.parametrize("tier", TIERS)
def test_creator_cost_per_engagement(baseline_run, tier):
    k = baseline_run.kpis
    engagements = k[f"engagement_rate_{tier}"] * k[f"views_{tier}"]
    assert _inside(k[f"spend_{tier}"] / engagements, COST_PER_ENGAGEMENT)


@pytest.mark.parametrize("tier", TIERS)
def test_engagement_per_view_by_tier(baseline_run, tier):
    assert _inside(baseline_run.kpis[f"engagement_rate_{tier}"], ENGAGEMENT_PER_VIEW[tier])


@pytest.mark.parametrize("tier", TIERS)
def test_fee_per_follower_by_tier(baseline_run, tier):
    creators = baseline_run.influencers_by_tier[tier]
    per_follower = np.median([c.fee / max(1, len(c.followers)) for c in creators])
    assert _inside(per_follower, FEE_PER_FOLLOWER)


def test_in_feed_ad_cpm(baseline_run):
    k = baseline_run.kpis
    assert _inside(1000.0 * k["spend_ads"] / k["impressions_ads"], IN_FEED_CPM)


def test_conversion_rate_of_product_page_clicks(baseline_run):
    assert _inside(baseline_run.kpis["cvr"], CVR)


def test_in_feed_ad_click_through_rate(baseline_run):
    k = baseline_run.kpis
    assert _inside(k["clicks_ads"] / k["impressions_ads"], AD_CTR)


def test_repurchase_rate(baseline_run):
    assert _inside(baseline_run.kpis["repurchase_rate"], REPURCHASE)


def _creator_view_rate(model, platform: str) -> float:
    """Views / impressions of the creator posts published on ``platform`` (the tier channels
    whose creators post there; search results and ads are left out)."""
    k = model.kpis
    tiers = {c.tier for cs in model.influencers_by_tier.values() for c in cs
             if c.platform.name == platform and c.posts_published}
    assert tiers
    return sum(k[f"views_{t}"] for t in tiers) / sum(k[f"impressions_{t}"] for t in tiers)


def test_short_video_feed_view_rate(baseline_run):
    assert _inside(_creator_view_rate(baseline_run, "feed"), FEED_VIEW_RATE)


def test_notes_view_rate(baseline_run):
    assert _inside(_creator_view_rate(baseline_run, "notes"), NOTES_VIEW_RATE)


def test_real_fan_share_of_creator_followers(baseline_run):
    """Per creator, the followers a post can be delivered to over the seat's nominal followers
    (bought and inactive followers are never delivered to); mean over every creator drawn."""
    ctx = baseline_run.ctx
    shares = [len(c.followers) / len(seat.followers)
              for tier, seats in ctx.world.creators.items()
              for seat, c in zip(seats, ctx.creators_by_tier[tier]) if len(seat.followers)]
    assert len(shares) > 100
    assert _inside(float(np.mean(shares)), REAL_FAN_SHARE)


def test_brand_memory_fades_at_a_brand_advertising_rate():
    """On a day without exposures a consumer's memory of the brand shrinks by the daily
    retention; a week of it must keep 30–80 % (TV-like brand carry-over). Measured as the
    median ratio over consumers whose memory fell from one day to the next (nearly all of them
    saw nothing of the brand that day)."""
    model = SocialCommerceModel(load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 30}),
                                seed=1)
    ratios = []
    while model.running:
        before = model.ctx.awareness.memory.copy()
        model.step()
        after = model.ctx.awareness.memory
        fell = (before > 0.5) & (after < before)
        ratios.extend((after[fell] / before[fell]).tolist())
    assert len(ratios) > 1000
    assert _inside(float(np.median(ratios)) ** 7, WEEKLY_MEMORY_RETENTION)


def test_top_fifth_of_creators_bring_most_orders(baseline_run):
    orders = np.sort([r["orders"] for r in creator_rows(baseline_run.ctx) if r["posts"] > 0])[::-1]
    top = orders[: int(np.ceil(0.2 * len(orders)))]
    assert orders.sum() > 100
    assert _inside(top.sum() / orders.sum(), TOP_FIFTH_ORDER_SHARE)


def _kinds_on(model, platform: str) -> dict[str, int]:
    """Engagements of every post on ``platform`` (creator posts, ads, shares, community) by
    kind: ``{"like": n, "comment": n, "save": n, "share": n}``."""
    from sim.engine.engagement_kinds import KINDS

    p = model.ctx.platform_by_name[platform].index
    return dict(zip(KINDS, model.ctx.funnel.kinds.by_platform[p].tolist()))


def _views_on(model, platform: str) -> tuple[int, int]:
    """(impressions, views) of everything shown on ``platform``."""
    f, p = model.ctx.funnel, model.ctx.platform_by_name[platform].index
    return int(f.impressions_on[p]), int(f.views_on[p])


def test_chat_message_read_rate(baseline_run):
    """Messages read / messages delivered on the messaging platform (the retailer's groups
    and what friends pass on): a read message is a view."""
    impressions, views = _views_on(baseline_run, "chat")
    assert impressions > 500
    assert _inside(views / impressions, CHAT_READ_RATE)


def test_search_cost_per_click(baseline_run):
    """Spend of the search line over the clicks on its sponsored results, yuan per click."""
    k = baseline_run.kpis
    assert k["clicks_search"] > 50
    assert _inside(k["spend_search"] / k["clicks_search"], SEARCH_CPC)


FEED_TIERS = ("head", "tail")
"""Tiers that post on the short-video feed; the sources' click-through rates are short-video ads'.
The waist posts on the notes platform, whose impressions are mostly discovery-grid cards: their
public click-through rate is the open rate (``test_notes_view_rate``), and no source gives a
product-click rate per card."""


@pytest.mark.parametrize("tier", FEED_TIERS)
def test_creator_post_click_through_rate(baseline_run, tier):
    """Product-page clicks / impressions of a feed tier's commissioned posts."""
    k = baseline_run.kpis
    assert k[f"impressions_{tier}"] > 1000
    assert _inside(k[f"clicks_{tier}"] / k[f"impressions_{tier}"], CREATOR_POST_CTR)


def test_feed_comments_per_like(baseline_run):
    kinds = _kinds_on(baseline_run, "feed")
    assert kinds["like"] > 1000
    assert _inside(kinds["comment"] / kinds["like"], FEED_COMMENTS_PER_LIKE)


def test_feed_shares_per_view(baseline_run):
    shares = _kinds_on(baseline_run, "feed")["share"]
    assert _inside(shares / _views_on(baseline_run, "feed")[1], FEED_SHARES_PER_VIEW)


def test_notes_comments_and_saves_per_like(baseline_run):
    """A notes platform's readers comment and save more per like than a video feed's."""
    kinds = _kinds_on(baseline_run, "notes")
    assert kinds["like"] > 200
    assert _inside(kinds["comment"] / kinds["like"], NOTES_COMMENTS_PER_LIKE)
    assert _inside(kinds["save"] / kinds["like"], NOTES_SAVES_PER_LIKE)


def test_spend_per_buyer_against_order_value(baseline_run):
    """CAC (spend / buyers) over AOV (GMV / orders): what a buyer costs in first orders."""
    k = baseline_run.kpis
    assert k["buyers"] > 100
    assert _inside(k["cac"] / k["aov"], CAC_PER_ORDER_VALUE)
