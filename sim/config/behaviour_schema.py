"""Scenario schema of ``[behaviour]`` (consumer response parameters) and ``[[shocks]]``
(scheduled events); re-exported by sim.config.scenario."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.kinds import (KIND_APPEAL, KIND_HOMOGENEITY, KIND_SOCIAL_CURRENCY, _kind_map,
                              kind_table)
from sim.config.section import NonNegative, Positive, Share, _Section


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
    search_rate: Share = Field(
        0.0, description="daily probability an interested consumer with a saturated memory of "
        "the brand searches for it (sim/engine/search.py)"
    )
    search_memory_half: Positive = Field(
        5.0, description="brand memory (exposure-equivalents) at which the search probability "
        "is half of search_rate"
    )
    search_ad_click: Share = Field(
        0.2, description="probability a searcher clicks the brand's sponsored search result"
    )
    search_organic_click: Share = Field(
        0.3, description="probability a searcher who did not click an ad opens the brand's "
        "notes and product page from the organic results"
    )
    own_visit: Share = Field(
        1.0, description="probability that an interested consumer's own session (a day without "
        "a product-page click or search of the brand) reaches the brand's product page, so that "
        "a first order can follow; × the first-purchase hazard of such sessions (1 = every own "
        "session is a shop visit; sim/engine/funnel.py)"
    )
    consideration_memory: float = Field(
        0.0, ge=0.0, le=1000.0, description="brand memory (exposure-equivalents) a first order "
        "needs per reference price of the product: needed = this × price / reference_price "
        "(0 = off; sim/engine/consideration.py)"
    )
    consideration_search: Share = Field(
        0.0, description="daily probability that a consumer considering a first order (interested, "
        "brand memory below what the price needs) researches the product by searching it "
        "(sim/engine/consideration.py; 0 = only seeded-content search)"
    )
    search_memory: float = Field(
        0.0, ge=0.0, le=100.0, description="brand memory (exposure-equivalents) a search adds: "
        "the brand's notes read in the results (sim/engine/search.py; 0 = none)"
    )
    extra_units: float = Field(
        0.0, ge=0.0, le=20.0, description="mean extra units per order beyond the first, at list "
        "price without a coupon (× exp(deal_response · price_sensitivity · deal / "
        "reference_price) on a deal; sim/engine/order_value.py)"
    )
    memory_retention: Share = Field(
        1.0, description="daily retention of a consumer's memory of a brand (awareness stock, "
        "exposure-equivalents; 1 = never forgotten; sim/engine/awareness.py)"
    )
    awareness_threshold: float = Field(
        1.0, ge=0.0, le=1000.0, description="memory (exposure-equivalents) at which a consumer "
        "becomes aware of a brand, and below which an aware one forgets it (F15: ~15)"
    )
    promo_memory_weight: float = Field(
        1.0, ge=0.0, le=1.0, description="memory left by one view of a promotion or ad, "
        "relative to a scene/knowledge/UGC post (F15: promotions are forgotten within hours)"
    )
    creator_real_fans: Share = Field(
        1.0, description="mean share of a creator's followers who are real, active fans "
        "(audience quality; Beta draws per creator, concentration creator_spread)"
    )
    creator_fit: Share = Field(
        1.0, description="mean fit of a creator to the product (× credibility; Beta draws per "
        "creator, concentration creator_spread)"
    )
    creator_spread: float = Field(
        10.0, ge=0.5, le=1000.0, description="concentration a + b of the per-creator Beta "
        "draws of real-fan share and fit (lower = more spread within a tier)"
    )
    creator_quality_sd: float = Field(
        0.0, ge=0.0, le=5.0, description="standard deviation of a creator's content quality, "
        "a normal shift of its engagement logit (0 = identical creators)"
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

