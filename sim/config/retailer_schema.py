"""Scenario schema of ``[retailers.NAME]`` and its ``community`` table (re-exported by
sim.config.scenario; stores, O2O, distributors and membership: sim.config.retail; live, group
buying, assist and gamification: sim.config.formats)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.formats import (AssistSection, GamificationSection, GroupBuyingSection,
                                LiveSeries)
from sim.config.kinds import CONTENT_KINDS
from sim.config.retail import DistributorSection, MembershipSection, O2OSection, StoreSection
from sim.config.section import NonNegative, Positive, Share, _Section


class CommunitySection(_Section):
    """A retailer's private-domain community (WeChat-like groups).

    Joining is driven by the join score J (0–1) of docs/model.md / F16:
    J = j_awareness·awareness + j_content·content + j_authenticity·authenticity (weights in
    ``[behaviour]``), where awareness = min(1, brand exposures / awareness_exposures), content =
    the retailer's share of original scene/knowledge posts and authenticity = ``ugc_share``.
    """

    join_prob: Share = Field(
        0.15, description="probability a satisfied buyer with join score 1 joins after a "
        "purchase (× join score J, 0–1)"
    )
    lead_join_prob: Share = Field(
        0.0, description="daily probability an engaged non-member (interested, not yet joined) "
        "with join score 1 joins through the community entry points of the content (× J; "
        "the attract step of the private-domain funnel, F5); 0 = only buyers join"
    )
    join_reward: NonNegative = Field(
        0.0, description="yuan paid to each new member on joining (welcome gift / red packet), "
        "from the community line; raises join probabilities × (1 + reward_elasticity·reward / "
        "reference_price)"
    )
    group_size: int = Field(500, ge=10, le=100_000, description="members per group (F3: 500–1000)")
    cost_per_group_day: NonNegative = Field(
        20.0, description="yuan per group per day (admins); cost = members / group_size × this"
    )
    post_prob: Share = Field(0.3, description="probability a member sees community content a day")
    ugc_share: Share = Field(
        0.3, description="share of community content written by members (0–1; F3 target ≥ 0.6): "
        "the authenticity term of the join score; member posts carry ugc_credibility"
    )
    repurchase_multiplier: float = Field(2.0, ge=1.0, le=20.0, description="members' hazard ×")
    referral_reward: NonNegative = Field(
        0.0, description="yuan paid per referred friend who joins (from the community line); "
        "raises the invitation probability × (1 + reward_elasticity·reward / reference_price)"
    )
    referral_prob: Share = Field(
        0.0, description="daily probability a member invites one contact without a reward "
        "(0–1); the invited contact joins with probability tie trust × J"
    )
    platform: str | None = Field(
        None, description="platform the groups live on (a private-messaging platform); "
        "default: the first platform"
    )
    end_day: int | None = Field(
        None, ge=1, description="last day the community runs and is paid for (default: the "
        "campaign's end_day); may run beyond the campaign (membership horizon)"
    )


class RetailerSection(_Section):
    """A retailer: product, budget and its allocation, calendar, policies."""

    name: str = "brand"
    price: Positive = Field(85.0, description="yuan per unit")
    category_price: Positive | None = Field(
        None, description="yuan: the typical price of the product's category, which buyers "
        "compare the price with in the first-purchase hazard (− c_price · price_sensitivity · "
        "price / category_price); default behaviour.reference_price. An expensive product in an "
        "expensive category (price near category_price) is not cheap for its category; its "
        "absolute price still sets the consideration it needs (sim/engine/consideration.py)"
    )
    margin: Share = Field(0.4, description="gross margin share of price")
    quality: Share = Field(0.7, description="product quality: probability a buyer is satisfied")
    budget: NonNegative = Field(30_000.0, description="campaign budget, yuan")
    reserve_share: Annotated[float, Field(ge=0.0, le=0.9)] = Field(
        0.15, description="share of budget held back: released by the adaptive policy, and "
        "the emergency fund for crisis compensation (crisis_repair_cost)"
    )
    allocation: dict[str, NonNegative] = Field(
        default_factory=lambda: {"head": 0.2, "waist": 0.3, "tail": 0.2, "ads": 0.15,
                                 "coupons": 0.05, "community": 0.1},
        description="channel -> share of the spendable budget (normalised to sum 1)",
    )
    ad_platform: str = Field("feed", description="platform paid ads run on")
    search_platform: str = Field(
        "notes", description="platform consumers search the brand on (its search ads, bought "
        "per click from the search line, run there; sim/engine/search.py)"
    )
    ad_split: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="platform -> share of the ads line (normalised to sum 1); {} = all of it "
        "on ad_platform",
    )
    ad_target_circles: list[int] = Field(default_factory=list, description="[] = everyone")
    target_circles: list[int] = Field(
        default_factory=list,
        description="circles (0..circles-1) the campaign targets: creators are commissioned "
        "only among those whose home circle is listed (all creators of a tier if none is); "
        "[] = no targeting",
    )
    content_mix: dict[str, NonNegative] = Field(
        default_factory=lambda: {"promo": 0.4, "scene": 0.4, "knowledge": 0.2},
        description="content kind -> share of commissioned posts",
    )
    content_reuse: Share = Field(
        0.0, description="share of commissioned posts that reuse near-duplicate copy (0–1; "
        "F14: ~0.43 typical for promo copy, ≤ 0.4 advised); each exposure to a reused post "
        "adds behaviour.reuse_fatigue on top of its kind's fatigue"
    )
    circle_tagged: Share = Field(
        0.5, description="share of posts tagged to the creator's circle (F9: b_circle applies "
        "when the post's circle is the consumer's)"
    )
    guanxi_framing: Share = Field(
        0.0, description="share of commissioned posts with relationship (guanxi) framing, "
        "'neighbourly sharing' (0–1; F10): their sharing over strong ties is × behaviour.guanxi"
    )
    start_day: int = Field(1, ge=1, description="first campaign day")
    end_day: int | None = Field(None, ge=1, description="last campaign day (default: run.days)")
    festival_days: list[int] = Field(default_factory=list, description="ritual/festival days")
    festival_share_prob: Share = Field(
        0.0, description="share-your-order ritual: probability a satisfied buyer posts their "
        "order on a festival day (replaces behaviour.ugc_prob when higher; F11); 0 = no ritual"
    )
    festival_share_reward: NonNegative = Field(
        0.0, description="yuan per share-your-order post (lottery prize), from the coupons "
        "line; when the line cannot pay, buyers post at the ordinary ugc_prob"
    )
    coupon_value: NonNegative = Field(10.0, description="yuan discount per coupon redemption")
    reallocation_days: int = Field(
        7, ge=1, le=365, description="adaptive policy: days between budget reviews (a week)"
    )
    reallocation_share: Share = Field(
        0.2, description="adaptive policy: share of every other judged line moved at each review to "
        "the channel with the best last-click orders per yuan (with the reserve)"
    )
    policy: Literal["static", "adaptive"] = Field(
        "static", description="static: lines fixed; adaptive: every 7 days move the reserve and "
        "a fifth of every other paid line to the channel with the most last-touch orders per "
        "yuan last week (tiers, ads, community; F35)"
    )
    crisis_response_latency: int = Field(3, ge=0, le=365, description="days to respond")
    crisis_response_strength: Share = Field(
        0.6, description="share by which a response cuts negative sharing and engagement"
    )
    crisis_repair: Share = Field(
        0.0, description="daily probability that a consumer holding a negative opinion of the "
        "retailer is won back while the response runs (apology, compensation; 0–1; F33)"
    )
    crisis_repair_cost: NonNegative = Field(
        0.0, description="yuan of compensation per consumer won back, paid from the reserve "
        "(emergency fund) and then the coupons line, booked as coupon spend; repair stops when "
        "neither can pay"
    )
    crisis_response_days: int = Field(
        14, ge=1, le=365, description="days a crisis response (damping and repair) lasts; "
        "afterwards a new crisis can be noticed and answered again"
    )
    community: CommunitySection = Field(default_factory=CommunitySection)
    disabled_channels: list[str] = Field(
        default_factory=list,
        description="channels switched off: their line is 0, the other lines keep their yuan "
        "(no renormalisation); used for counterfactual (incremental) attribution",
    )
    stores: dict[str, StoreSection] = Field(
        default_factory=dict, description="physical stores (docs/retail.md); {} = none")
    o2o: O2OSection = Field(default_factory=O2OSection,
                            description="community-to-store funnel of the stores")
    distributors: DistributorSection | None = Field(
        None, description="distributor layer (docs/retail.md); absent = none")
    membership: MembershipSection | None = Field(
        None, description="member levels, points and segments (docs/retail.md); absent = none")
    live: list[LiveSeries] = Field(default_factory=list, description="live-stream selling "
                                   "series ([[retailers.NAME.live]]); [] = none")
    group_buying: GroupBuyingSection | None = Field(None, description="group buying; "
                                                    "absent = off")
    assist: AssistSection | None = Field(None, description="assist sharing; absent = off")
    gamification: GamificationSection | None = Field(None, description="check-ins, points, "
                                                     "badges; absent = off")

    @model_validator(mode="after")
    def _check(self) -> "RetailerSection":
        if sum(self.allocation.values()) <= 0 and self.budget > 0:
            raise ValueError("allocation must hold at least one positive share")
        bad = sorted(set(self.content_mix) - set(CONTENT_KINDS))
        if bad:
            raise ValueError(f"content_mix has unknown kind {bad[0]!r}; allowed: {CONTENT_KINDS}")
        if self.end_day is not None and self.end_day < self.start_day:
            raise ValueError(f"end_day {self.end_day} is before start_day {self.start_day}")
        bad_days = [d for d in self.festival_days if d < 1]
        if bad_days:
            raise ValueError(f"festival_days: day {bad_days[0]} is before day 1")
        return self

