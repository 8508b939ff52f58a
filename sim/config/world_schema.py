"""Scenario schema of the simulated world: ``[run]``, ``[population]``, ``[graph]``,
``[platforms.NAME]`` and ``[influencers.TIER]`` (re-exported by sim.config.scenario)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.section import NonNegative, Positive, Share, _Section


class RunSection(_Section):
    """How long, how big and how often to simulate."""

    days: int = Field(90, ge=1, le=3650, description="simulated days (one step = one day)")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="base random seed")
    replications: int = Field(1, ge=1, le=100_000, description="runs with seeds seed, seed+1, ...")
    world_seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="seed of the world: graph, consumers, creators' "
        "followers and traits (unset: each run's own seed). Set, every replication shares that "
        "one world and only the daily dynamics vary with the run's seed (docs/calibration.md)")
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


ENGAGEMENT_KINDS = ("like", "comment", "save", "share")
"""Kinds of engagement platforms report separately (sim/engine/engagement_kinds.py)."""

DEFAULT_ENGAGEMENT_MIX = {"like": 0.80, "comment": 0.06, "save": 0.08, "share": 0.06}
"""Default shares of engaged views by kind (an assumption; docs/calibration_targets.md)."""


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
    discovery_reach: float = Field(
        0.0, ge=0.0, le=100.0, description="discovery feed: non-follower impressions of a creator "
        "post per follower impression, shown every day the post is live to consumers of its "
        "circle ∝ attention × activity, not gated by engagement (0 = followers only; "
        "sim/engine/discovery.py)"
    )
    view_rate: Share = Field(
        1.0, description="share of impressions (posts shown in a consumer's feed) that are "
        "viewed: a video played, a note opened, a message read; only views can engage "
        "(sim/engine/platform_funnel.py)"
    )
    click_rate: Share = Field(
        0.0, description="probability an engaged view clicks through to the product page "
        "(a product-page visit: a purchase session today; sim/engine/platform_funnel.py)"
    )
    search_cpc: Positive = Field(
        4.0, description="search ads: yuan per click on a sponsored search result "
        "(sim/engine/search.py)"
    )
    engagement_mix: dict[str, NonNegative] = Field(
        default_factory=lambda: dict(DEFAULT_ENGAGEMENT_MIX),
        description="engagement kind (like, comment, save, share) -> share of engaged views "
        "(weights, normalised; sim/engine/engagement_kinds.py; ranges in "
        "docs/calibration_targets.md)"
    )

    @model_validator(mode="after")
    def _check_engagement_mix(self) -> "PlatformSection":
        bad = sorted(set(self.engagement_mix) - set(ENGAGEMENT_KINDS))
        if bad:
            raise ValueError(f"engagement_mix has unknown kind {bad[0]!r}; allowed: "
                             f"{list(ENGAGEMENT_KINDS)}")
        if sum(self.engagement_mix.values()) <= 0:
            raise ValueError("engagement_mix must hold at least one positive share")
        return self


class TierSection(_Section):
    """One influencer tier (head, waist, tail/KOC, nano, ...)."""

    count: int = Field(0, ge=0, le=100_000, description="creators in this tier")
    followers_share: Share = Field(0.01, description="share of consumers following each creator")
    followers_tail: float = Field(
        0.0, ge=0.0, le=10.0, description="power-law exponent α of follower counts within the "
        "tier: P(followers > x) ∝ x^−α between the tier's smallest and largest creator, "
        "rescaled so the tier's mean stays followers_share · consumers (0 = every creator "
        "has the mean; ~0.9 is the Twitter follower distribution's tail; generated creators "
        "only, a roster's keep their own; sim/world/builder.py)"
    )
    followers_range: float = Field(
        10.0, ge=1.0, le=1000.0, description="largest / smallest follower count a "
        "followers_tail draw allows within the tier (10: a tier spans a decade, e.g. "
        "10k–100k followers)"
    )
    circle_focus: Share = Field(0.7, description="share of followers from the creator's circle")
    credibility: Share = Field(0.5, description="credibility of the creator's posts (0–1)")
    engagement: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.03, description="baseline engagement probability per exposure (sets b0 for the tier)"
    )
    fee: NonNegative = Field(100.0, description="yuan per commissioned post")
    platform: str = Field("feed", description="platform the tier posts on")

