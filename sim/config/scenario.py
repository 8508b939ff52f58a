"""Scenario files: the pydantic schema (reading, `extends` and overrides: sim.config.loading).

A scenario is a TOML file validated against :class:`Scenario`. Unknown keys are refused, every
number has a documented unit and range, and a bad file fails with one :class:`ScenarioError`
naming the file, the field, the value and what is allowed.

Money amounts (budgets, fees, ad prices, coupon values) are yuan for a market of
``run.reference_consumers`` consumers; they are scaled linearly to ``run.consumers`` when the
world is built, so ratios such as ROI, ROAS and CAC do not depend on the simulated population.

Longer than ~400 lines on purpose: it is the one table of every documented scenario key (the
reference in docs/scenarios.md is generated from it); reading files lives in loading.py.
"""

from __future__ import annotations

from pathlib import Path
from functools import lru_cache
from typing import Annotated, Any, Literal, Mapping, Sequence

import numpy as np
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError,
                      field_validator, model_validator)

from sim.config.channels import NON_TIER_CHANNELS
from sim.config.formats import (ROSTER_KEYS, AssistSection, GamificationSection,
                                GroupBuyingSection, LiveSeries, RosterSection)
from sim.config.strict import check_names, check_nesting, check_no_coercion

from sim.config.retail import (RETAIL_CHANNELS, DistributorSection, MembershipSection,
                               O2OSection, StoreSection)

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

CONTENT_KINDS = ("promo", "scene", "knowledge")
"""Kinds of commissioned content a retailer can order (see :mod:`sim.world.content`)."""

CONTENT_KIND_NAMES = ("promo", "scene", "knowledge", "ugc", "negative", "ad", "community")
"""Every kind of post, in kind-code order (see :mod:`sim.world.content`)."""

KIND_APPEAL = {"promo": 0.0, "scene": 0.2, "knowledge": 0.1, "ugc": 0.3, "negative": 0.0,
               "ad": -0.8, "community": 0.2}
"""Default logit shift of engagement per kind (authentic UGC engages more — F13)."""
KIND_SOCIAL_CURRENCY = {"promo": 0.6, "scene": 1.0, "knowledge": 0.9, "ugc": 1.2,
                        "negative": 1.0, "ad": 0.3, "community": 0.8}
"""Default sharing multiplier per kind (rare, scene-like content is worth sharing — F8)."""
KIND_HOMOGENEITY = {"promo": 1.0, "scene": 0.4, "knowledge": 0.5, "ugc": 0.3, "negative": 0.5,
                    "ad": 1.0, "community": 0.6}
"""Default fatigue added per exposure per kind (near-duplicate promo copy tires — F14)."""


@lru_cache(maxsize=64)
def _kind_array(items: tuple[tuple[str, float], ...]) -> np.ndarray:
    values = dict(items)
    out = np.array([values[k] for k in CONTENT_KIND_NAMES], dtype=np.float32)
    out.flags.writeable = False
    return out


def kind_table(values: Mapping[str, float]) -> np.ndarray:
    """A per-kind mapping as a read-only float32 array in kind-code order."""
    return _kind_array(tuple(sorted(values.items())))


def _kind_map(default: dict[str, float], lo: float, hi: float, what: str):
    """A per-content-kind table of numbers (unknown kinds refused, missing kinds defaulted)."""

    def check(value: Mapping[str, float]) -> dict[str, float]:
        bad = sorted(set(value) - set(CONTENT_KIND_NAMES))
        if bad:
            raise ValueError(f"unknown content kind {bad[0]!r}; allowed: {list(CONTENT_KIND_NAMES)}")
        for k, v in value.items():
            if not lo <= v <= hi:
                raise ValueError(f"{k}: {v} is outside {lo}–{hi}")
        return {**default, **value}

    return Annotated[dict[str, float], AfterValidator(check), Field(
        default_factory=lambda: dict(default), description=what)]


class ScenarioError(ValueError):
    """A scenario (or override) is invalid. The message names field, value and what is allowed."""


class _Section(BaseModel):
    # NaN and ±inf are refused; booleans and quoted numbers are never taken as numbers
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, value: Any, info: Any) -> Any:
        return check_no_coercion(value, cls.model_fields[info.field_name].annotation)


class RunSection(_Section):
    """How long, how big and how often to simulate."""

    days: int = Field(90, ge=1, le=3650, description="simulated days (one step = one day)")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="base random seed")
    replications: int = Field(1, ge=1, le=100_000, description="runs with seeds seed, seed+1, ...")
    consumers: int = Field(10_000, ge=10, le=50_000_000, description="simulated consumers N")
    reference_consumers: int = Field(
        1_000_000, ge=1, description="market size the money amounts in this file are written for"
    )
    mode: Literal["full", "bass", "independent_cascade", "threshold"] = Field(
        "full", description="full model or a textbook reference mode (docs/model.md)"
    )


class PopulationSection(_Section):
    """Consumer attributes. Shares are 0–1; means are of Beta distributions on 0–1."""

    segments: dict[str, Share] = Field(
        default_factory=lambda: {"gen_z": 0.47, "young_pro": 0.25, "parent": 0.18, "senior": 0.10},
        description="segment name -> population share (normalised to sum 1)",
    )
    circles: int = Field(20, ge=1, le=100_000, description="number of interest circles C")
    circle_zipf: float = Field(1.0, ge=0.0, le=4.0, description="Zipf exponent of circle sizes")
    need_mean: Share = Field(0.4, description="mean category need (0–1)")
    susceptibility_mean: Share = Field(0.5, description="mean susceptibility to social proof (0–1)")
    activity_mean: Share = Field(0.6, description="mean probability of a session per day")
    price_sensitivity_mean: Share = Field(0.5, description="mean price sensitivity (0–1)")
    concentration: float = Field(
        6.0, gt=0.0, le=1000.0, description="Beta concentration a+b of the attributes above"
    )
    platform_concentration: float = Field(
        1.0, gt=0.0, le=1000.0, description="Dirichlet concentration of platform attention"
    )

    @model_validator(mode="after")
    def _segments_not_empty(self) -> "PopulationSection":
        if not self.segments or sum(self.segments.values()) <= 0:
            raise ValueError("segments must hold at least one positive share")
        return self


class GraphSection(_Section):
    """The consumer–consumer social graph."""

    kind: Literal[
        "circles", "erdos_renyi", "barabasi_albert", "watts_strogatz", "edgelist", "well_mixed"
    ] = Field("circles", description="generator; well_mixed has no edges (Bass reference mode)")
    mean_degree: float = Field(15.0, gt=0.0, le=1000.0, description="mean number of ties k")
    mixing: Share = Field(0.2, description="share of each consumer's ties outside its circle")
    degree_exponent: float = Field(
        2.5, gt=2.0, le=10.0, description="power-law exponent of expected degrees (circles)"
    )
    max_degree: int = Field(1000, ge=1, description="cap on expected degree (circles)")
    strong_share: Share = Field(0.25, description="share of within-circle ties that are strong")
    strong_outside_divisor: float = Field(
        3.0, ge=1.0, le=100.0, description="circles: ties outside a consumer's circle are strong "
        "with probability strong_share / this (family and close friends mostly share a circle)"
    )
    trust_strong: Share = Field(0.8, description="mean trust of a strong tie")
    trust_weak: Share = Field(0.35, description="mean trust of a weak tie")
    trust_spread: float = Field(0.1, ge=0.0, le=0.5, description="sd of trust around its mean")
    rewire: Share = Field(0.1, description="rewiring probability (watts_strogatz)")
    path: Path | None = Field(
        None, description="edge-list file (edgelist): 'u v' or 'u v weight' per line, whitespace "
        "or comma separated, # and % comment lines; run.consumers becomes its node count")

    @model_validator(mode="after")
    def _edgelist_needs_path(self) -> "GraphSection":
        if self.kind == "edgelist":
            if self.path is None:
                raise ValueError("kind 'edgelist' needs path = 'FILE'")
            if not Path(self.path).is_file():
                raise ValueError(f"edge-list file not found: {self.path}")
        return self


class PlatformSection(_Section):
    """One platform (algorithmic feed, notes/search, private messaging, ...)."""

    attention: Positive = Field(1.0, description="relative share of consumers' attention")
    organic_reach: Share = Field(0.3, description="share of an influencer's followers a post reaches")
    amplification_threshold: Share = Field(
        0.08, description="engaged share of delivered exposures that buys traffic-pool boost"
    )
    amplification_factor: float = Field(
        0.0, ge=0.0, le=100.0, description="extra non-follower exposures per delivered exposure"
    )
    conversion_multiplier: float = Field(1.0, gt=0.0, le=10.0, description="purchase hazard ×")
    ad_cpm: Positive = Field(60.0, description="paid ads: yuan per 1,000 impressions")
    content_lifetime: int = Field(1, ge=1, le=60, description="days a post keeps being delivered")


class TierSection(_Section):
    """One influencer tier (head, waist, tail/KOC, nano, ...)."""

    count: int = Field(0, ge=0, le=100_000, description="creators in this tier")
    followers_share: Share = Field(0.01, description="share of consumers following each creator")
    circle_focus: Share = Field(0.7, description="share of followers from the creator's circle")
    credibility: Share = Field(0.5, description="credibility of the creator's posts (0–1)")
    engagement: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.03, description="baseline engagement probability per exposure (sets b0 for the tier)"
    )
    fee: NonNegative = Field(100.0, description="yuan per commissioned post")
    platform: str = Field("feed", description="platform the tier posts on")


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


class ShockSection(_Section):
    """A scheduled event: a platform reach change, a crisis (quality incident) or a price change.

    ``price``: the retailer's price is × ``factor`` from ``day`` through ``end_day`` (a price
    cut is a factor below 1, e.g. 0.8 = 20 % off); its unit cost stays that of the list price,
    so a cut lowers the gross margin per order.
    """

    kind: Literal["reach", "crisis", "price"]
    day: int = Field(..., ge=1, description="day the shock starts")
    end_day: int | None = Field(
        None, ge=1, description="day it ends (reach, price; default: never)"
    )
    platform: str | None = Field(None, description="reach: platform whose organic reach changes")
    factor: float = Field(
        0.58, ge=0.0, le=10.0,
        description="reach: organic reach × (0–10); price: price × (0.05–10, below 1 = a cut)",
    )
    retailer: str | None = Field(
        None, description="crisis, price: retailer concerned (default: the first)"
    )
    severity: Share = Field(0.01, description="crisis: share of consumers posting negatively")

    def active(self, day: int) -> bool:
        """Whether the shock is in force on ``day`` (from ``day`` through ``end_day``)."""
        return self.day <= day and (self.end_day is None or day <= self.end_day)

    @model_validator(mode="after")
    def _check(self) -> "ShockSection":
        if self.kind == "reach" and not self.platform:
            raise ValueError("a reach shock needs platform = 'NAME'")
        if self.kind == "price" and not 0.05 <= self.factor <= 10.0:
            raise ValueError(f"a price shock needs factor in 0.05–10 (got {self.factor})")
        if self.end_day is not None and self.end_day < self.day:
            raise ValueError(f"end_day {self.end_day} is before day {self.day}")
        return self


class BehaviourSection(_Section):
    """Coefficients of the response, sharing and purchase rules (docs/model.md).

    Logit coefficients are dimensionless; terms they multiply are 0–1 unless stated.
    """

    b0: float = Field(-3.5, ge=-20, le=20, description="engagement logit intercept (non-creator)")
    b_cred: float = Field(1.5, ge=0, le=20, description="× credibility × trust")
    b_atm: float = Field(2.0, ge=0, le=20, description="× atmosphere (engaged share of ties)")
    b_need: float = Field(1.0, ge=0, le=20, description="× category need")
    b_circle: float = Field(0.2, ge=0, le=20, description="post circle = own circle")
    b_ritual: float = Field(0.35, ge=0, le=20, description="festival day")
    b_fatigue: float = Field(0.15, ge=0, le=20, description="× fatigue (recent similar exposures)")
    fatigue_decay: Share = Field(0.7, description="daily retention of fatigue")
    follower_trust: Share = Field(0.6, description="trust of a follower in a creator")
    ad_credibility: Share = Field(0.25, description="credibility of paid ads")
    ugc_credibility: Share = Field(0.8, description="credibility of buyers' own posts")
    s0: Share = Field(0.25, description="base sharing probability per tie")
    social_currency: float = Field(1.0, ge=0, le=10, description="× sharing (social currency)")
    gamma: float = Field(1.0, ge=0, le=10, description="exponent of (1 − circle saturation)")
    c0: float = Field(-4.0, ge=-20, le=20, description="purchase logit intercept")
    c_need: float = Field(1.5, ge=0, le=20, description="× need")
    c_trust: float = Field(1.0, ge=0, le=20, description="× trust of the source that engaged")
    c_proof: float = Field(1.5, ge=0, le=20, description="× atmosphere")
    c_price: float = Field(1.0, ge=0, le=20, description="× price sensitivity × price / ref")
    c_coupon: float = Field(0.5, ge=0, le=20, description="coupon available")
    reference_price: Positive = Field(100.0, description="yuan; price is divided by this")
    ugc_prob: Share = Field(0.15, description="probability a satisfied buyer posts UGC")
    negative_prob: Share = Field(0.3, description="probability an unsatisfied buyer posts")
    negativity_weight: float = Field(
        1.5, ge=0, le=20, description="logit bonus of negative content and × its sharing"
    )
    negative_block: Share = Field(0.8, description="purchase hazard cut for a negative consumer")
    repurchase_hazard: Share = Field(0.01, description="daily repurchase probability")
    churn_hazard: Share = Field(0.005, description="daily probability a customer churns")
    guanxi: float = Field(1.0, ge=0, le=10, description="× sharing over strong ties")
    guanxi_boost: float = Field(
        1.5, ge=1.0, le=10.0, description="further × sharing over strong ties for posts with "
        "guanxi framing (retailers' guanxi_framing; F10: +29 % interaction)"
    )
    reuse_fatigue: float = Field(
        1.0, ge=0, le=20, description="fatigue added per exposure to a reused (near-duplicate) "
        "post, on top of its kind's homogeneity (F14)"
    )
    b_duplicate: float = Field(
        0.4, ge=0, le=20, description="engagement logit cut when a consumer who has seen the "
        "retailer's content before meets a reused (near-duplicate) post (F14: ~−30 %)"
    )
    j_awareness: float = Field(0.35, ge=0, le=1, description="join score weight of awareness (F16)")
    j_content: float = Field(0.28, ge=0, le=1, description="join score weight of content (F16)")
    j_authenticity: float = Field(
        0.37, ge=0, le=1, description="join score weight of member authenticity (F16)"
    )
    awareness_exposures: int = Field(
        15, ge=1, le=1000, description="brand exposures for full awareness in the join score (F15)"
    )
    reward_elasticity: float = Field(
        5.0, ge=0, le=100, description="community rewards raise join/invite probabilities "
        "× (1 + this · reward / reference_price)"
    )
    negative_spillover: float = Field(
        0.0, ge=0, le=20, description="cross-platform spill-over: exposures on other platforms "
        "(to non-ties, ∝ attention there) per engaged negative exposure, delivered next day"
    )
    deal_response: float = Field(
        2.0, ge=0, le=20, description="customers' repurchase hazard × exp(this · price_sensitivity"
        " · (list price − price) / reference_price): stocking up on a price cut"
    )
    kind_appeal: _kind_map(KIND_APPEAL, -20.0, 20.0,
                           "engagement logit shift per content kind (F13: authentic UGC "
                           "engages more, ads less)")
    kind_social_currency: _kind_map(KIND_SOCIAL_CURRENCY, 0.0, 10.0,
                                    "× sharing probability per content kind (F8)")
    kind_homogeneity: _kind_map(KIND_HOMOGENEITY, 0.0, 20.0,
                                "fatigue added per exposure per content kind (F14)")
    brand_credibility: Share = Field(
        0.7, description="credibility of brand-written community messages and invitations"
    )
    stranger_trust: Share = Field(
        0.5, description="trust in a non-follower stranger's exposure (traffic-pool boost, "
        "cross-platform spill-over) as a share of follower_trust"
    )
    sentiment_alarm: Share = Field(
        0.2, description="negative sentiment index (7-day share of negative exposures) above "
        "which every retailer notices a crisis (F34)"
    )
    member_churn: float = Field(
        0.5, ge=0, le=10, description="community members' churn hazard as a multiple of "
        "churn_hazard (members stay longer)"
    )

    @property
    def appeal(self) -> np.ndarray:
        """``kind_appeal`` as float32 per kind code."""
        return kind_table(self.kind_appeal)

    @property
    def currency(self) -> np.ndarray:
        """``kind_social_currency`` as float32 per kind code."""
        return kind_table(self.kind_social_currency)

    @property
    def homogeneity(self) -> np.ndarray:
        """``kind_homogeneity`` as float32 per kind code."""
        return kind_table(self.kind_homogeneity)


class ReferenceSection(_Section):
    """Parameters of the textbook reference modes."""

    p: Share = Field(0.03, description="bass: innovation (external influence) per day")
    q: Annotated[float, Field(ge=0.0, le=10.0)] = Field(0.38, description="bass: imitation")
    dt: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="bass: Bass time units per step; smaller steps approach the ODE"
    )
    transmissibility: Share = Field(0.2, description="independent_cascade: T per tie")
    seeds: int = Field(10, ge=1, description="cascade/threshold: initially engaged consumers")
    phi: Share = Field(0.18, description="threshold: engaged share of ties needed")


class AnalysisSection(_Section):
    """How results are read (not how the market behaves)."""

    attribution_tolerance: float = Field(
        1.5, gt=1.0, le=100.0, description="attribution reading: last-touch credit more than "
        "this × a channel's incremental orders is over-credited, less than 1/this under-credited"
    )


class Scenario(_Section):
    """A whole scenario file."""

    name: str = ""
    question: str = ""
    run: RunSection = Field(default_factory=RunSection)
    population: PopulationSection = Field(default_factory=PopulationSection)
    graph: GraphSection = Field(default_factory=GraphSection)
    platforms: dict[str, PlatformSection] = Field(
        default_factory=lambda: {
            "feed": PlatformSection(organic_reach=0.3, amplification_factor=1.0,
                                    conversion_multiplier=1.0),
            "notes": PlatformSection(organic_reach=0.2, conversion_multiplier=1.5,
                                     content_lifetime=5),
        }
    )
    influencers: dict[str, TierSection] = Field(default_factory=dict)
    roster: RosterSection | None = Field(
        None, description="real creators: file keys roster, roster_audience_share and book "
        "of [influencers] (sim.config.roster)")
    retailers: list[RetailerSection] = Field(
        default_factory=list,
        description="retailers in file order; files write keyed tables [retailers.NAME] "
        "(the key is the name), see sim.config.loading",
    )
    shocks: list[ShockSection] = Field(default_factory=list)
    behaviour: BehaviourSection = Field(default_factory=BehaviourSection)
    reference: ReferenceSection = Field(default_factory=ReferenceSection)
    analysis: AnalysisSection = Field(default_factory=AnalysisSection)

    @model_validator(mode="before")
    @classmethod
    def _roster_keys(cls, value: Any) -> Any:
        """``[influencers] roster = ...`` (file form) becomes the ``roster`` section."""
        inf = value.get("influencers") if isinstance(value, Mapping) else None
        if not isinstance(inf, Mapping) or not set(ROSTER_KEYS) & set(inf):
            return value
        section = {field: inf[key] for key, field in ROSTER_KEYS.items() if key in inf}
        if "path" not in section:
            raise ValueError("influencers.roster: roster_audience_share and book need a "
                             "roster = 'FILE.csv'")
        tiers = {k: v for k, v in inf.items() if k not in ROSTER_KEYS}
        return {**value, "influencers": tiers, "roster": section}

    @field_validator("retailers", mode="before")
    @classmethod
    def _keyed_retailers(cls, value: Any) -> Any:
        """Keyed tables ``{name: {...}}`` (the file form) become the list, in key order."""
        if not isinstance(value, Mapping):
            return value
        out = []
        for name, table in value.items():
            if isinstance(table, Mapping):
                if table.get("name", name) != name:
                    raise ValueError(f"retailers.{name}.name: {table['name']!r} differs from "
                                     f"the table's key {name!r} (leave name out)")
                table = {**table, "name": name}
            out.append(table)
        return out

    @model_validator(mode="after")
    def _cross_references(self) -> "Scenario":
        platforms = set(self.platforms)
        if not platforms:
            raise ValueError("at least one platform is needed")
        for tier, t in self.influencers.items():
            if t.platform not in platforms:
                raise ValueError(
                    f"influencers.{tier}.platform: unknown platform {t.platform!r}; "
                    f"allowed: {sorted(platforms)}"
                )
        channels = set(self.influencers) | set(NON_TIER_CHANNELS) | set(RETAIL_CHANNELS)
        names = [r.name for r in self.retailers]
        if len(set(names)) != len(names):
            raise ValueError(f"retailers: names must be unique, got {names}")
        for r in self.retailers:
            at = f"retailers.{r.name}"
            bad = sorted(set(r.allocation) - channels)
            if bad:
                raise ValueError(
                    f"{at}.allocation: unknown channel {bad[0]!r}; "
                    f"allowed: {sorted(channels)}"
                )
            bad = sorted(set(r.disabled_channels) - channels)
            if bad:
                raise ValueError(
                    f"{at}.disabled_channels: unknown channel {bad[0]!r}; "
                    f"allowed: {sorted(channels)}"
                )
            if r.ad_platform not in platforms:
                raise ValueError(
                    f"{at}.ad_platform: unknown platform {r.ad_platform!r}; "
                    f"allowed: {sorted(platforms)}"
                )
            for key in ("ad_target_circles", "target_circles"):
                bad_c = [c for c in getattr(r, key) if not 0 <= c < self.population.circles]
                if bad_c:
                    raise ValueError(
                        f"{at}.{key}: circle {bad_c[0]} out of range "
                        f"0..{self.population.circles - 1}"
                    )
            bad = sorted(set(r.ad_split) - platforms)
            if bad:
                raise ValueError(
                    f"{at}.ad_split: unknown platform {bad[0]!r}; "
                    f"allowed: {sorted(platforms)}"
                )
            if r.ad_split and sum(r.ad_split.values()) <= 0:
                raise ValueError(f"{at}.ad_split: needs at least one positive share")
            bad_s = [(k, c) for k, st in r.stores.items() for c in st.circles
                     if not 0 <= c < self.population.circles]
            if bad_s:
                raise ValueError(
                    f"{at}.stores.{bad_s[0][0]}.circles: circle {bad_s[0][1]} out of "
                    f"range 0..{self.population.circles - 1}"
                )
            _check_live(r.live, at, platforms)
            cp = r.community.platform
            if cp is not None and cp not in platforms:
                raise ValueError(
                    f"{at}.community.platform: unknown platform {cp!r}; "
                    f"allowed: {sorted(platforms)}"
                )
        for i, s in enumerate(self.shocks):
            if s.platform is not None and s.platform not in platforms:
                raise ValueError(
                    f"shocks[{i}].platform: unknown platform {s.platform!r}; "
                    f"allowed: {sorted(platforms)}"
                )
            if s.retailer is not None and s.retailer not in names:
                raise ValueError(
                    f"shocks[{i}].retailer: unknown retailer {s.retailer!r}; allowed: {names}"
                )
        _check_roster_and_hosts(self)
        if self.run.mode == "full" and not self.retailers:
            raise ValueError("mode 'full' needs at least one retailer: a [retailers.NAME] table")
        return self

    # ------------------------------------------------------------------ helpers
    @property
    def money_scale(self) -> float:
        """Factor applied to every money amount: consumers / reference_consumers."""
        return self.run.consumers / self.run.reference_consumers

    def with_overrides(self, overrides: Mapping[str, Any] | Sequence[str]) -> "Scenario":
        """A new validated scenario with dotted-key overrides applied.

        ``overrides`` is a mapping ``{"behaviour.s0": 0.3}`` or a sequence of
        ``"dotted.key=value"`` strings (values parsed as TOML, else taken as strings).
        Retailers are addressed by name or position (``retailers.brand.budget``,
        ``retailers.0.budget``), list items by index (``shocks.0.day``).
        """
        from sim.config.loading import with_overrides

        return with_overrides(self, overrides)


def _check_roster_and_hosts(scn: "Scenario") -> None:
    """The roster file against the scenario (row and column named), and every live host:
    ``self``, a tier with creators, or a roster creator_id."""
    from sim.config.roster import scenario_roster  # roster.py imports this module

    roster = scenario_roster(scn) if scn.run.mode == "full" else None
    ids = set(roster.ids()) if roster is not None else set()
    filled = set(roster.tiers) if roster is not None else set()
    tiers = sorted(t for t, c in scn.influencers.items() if c.count > 0 or t in filled)
    for r in scn.retailers:
        for i, s in enumerate(r.live):
            if s.host != "self" and s.host not in tiers and s.host not in ids:
                raise ValueError(f"retailers.{r.name}.live[{i}].host: {s.host!r} is neither "
                                 f"'self', a tier with creators ({', '.join(tiers) or 'none'}) "
                                 "nor a roster creator_id")


def _check_live(series: list[LiveSeries], at: str, platforms: set[str]) -> None:
    """A self-broadcast's platform must exist (creator hosts are checked when the world is
    built: a roster creator_id is only known then)."""
    for i, s in enumerate(series):
        if s.platform is not None and s.platform not in platforms:
            raise ValueError(f"{at}.live[{i}].platform: unknown platform {s.platform!r}; "
                             f"allowed: {sorted(platforms)}")


# ---------------------------------------------------------------------- validation
def _error_loc(loc: tuple[Any, ...], data: Mapping[str, Any]) -> str:
    """``graph.mixing``, ``shocks[0].day``; a retailer by its key: ``retailers.brand.budget``."""
    retailers = data.get("retailers")
    if len(loc) > 1 and loc[0] == "retailers" and isinstance(loc[1], int) \
            and isinstance(retailers, Mapping) and loc[1] < len(retailers):
        loc = ("retailers", list(retailers)[loc[1]], *loc[2:])
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def _blame(loc: tuple[Any, ...], source: str, overrides: Mapping[str, Any] | None) -> str:
    """``--set KEY=VALUE (applied to SOURCE)`` if an override set this location (or a table
    around it), else ``source``."""
    dotted = ".".join(str(p) for p in loc)
    for key, value in (overrides or {}).items():
        if dotted == key or dotted.startswith(key + ".") or key.startswith(dotted + ".") and loc:
            return f"--set {key}={value!r} (applied to {source})"
    return source


def _format_error(exc: ValidationError, data: Mapping[str, Any], source: str,
                  overrides: Mapping[str, Any] | None = None) -> str:
    lines = []
    for err in exc.errors():
        loc = _error_loc(err["loc"], data)
        src = _blame(tuple(err["loc"]), source, overrides) if overrides else source
        if overrides and src == source:  # a retailer addressed by name: retailers.brand.x
            src = _blame(tuple(loc.replace("[", ".").replace("]", "").split(".")), source,
                         overrides)
        msg = err["msg"].removeprefix("Value error, ")
        where = f"{loc}: " if loc else ""
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check spelling; see the scenario reference in docs/scenarios.md)"
        got = err.get("input")
        shown = "" if err["type"] in ("missing",) or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{src}: {where}{msg}{shown}")
    return "\n".join(lines)


def validate_scenario(data: Mapping[str, Any], source: str = "scenario",
                      overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Validate a dict into a :class:`Scenario`, raising :class:`ScenarioError` on failure.

    Values nested deeper than :data:`sim.config.strict.MAX_DEPTH`, and tier, platform or
    retailer names that would make KPI names ambiguous, are refused too. An error in a key set
    by ``overrides`` (``--set``) names that ``--set`` as well as ``source``.
    """
    try:
        check_nesting(data, source)
        scn = Scenario.model_validate(data)
        check_names(scn)
        return scn
    except ValidationError as exc:
        raise ScenarioError(_format_error(exc, data, source, overrides)) from None
    except ValueError as exc:  # nesting, names
        raise ScenarioError(f"{source}: {exc}") from None


# Reading files, merging and overrides live in sim.config.loading; these names stay importable
# from here (sim.config's package import runs this module first, so the cycle is safe).
from sim.config.loading import (  # noqa: E402
    apply_overrides, load_scenario, read_scenario_dict,
)
