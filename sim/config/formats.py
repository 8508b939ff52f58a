"""Schema of the commerce formats: creator rosters, live-stream selling, group buying, assist
sharing. Every section is optional; a scenario without them runs exactly as before.

File form::

    [influencers]
    roster = "rosters/sample_roster.csv"    # real creators (sim.config.roster)
    roster_audience_share = 0.1
    book = ["c07", "c21"]                    # roster creators booked for one post each

    [[retailers.brand.live]]                 # a series of live sessions
    host = "self"                            # "self", a tier name or a roster creator_id
    platform = "feed"
    start_day = 7
    every_days = 7
    sessions = 8

    [retailers.brand.group_buying]           # 拼团: k friends within a deadline
    [retailers.brand.assist]                 # 砍价/助力: friends help cut the price

Defaults and their public sources: docs/formats.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


ROSTER_KEYS = {"roster": "path", "roster_audience_share": "audience_share", "book": "book"}
"""``[influencers]`` file keys -> :class:`RosterSection` fields."""


class RosterSection(_Section):
    """Real creators from a CSV file (written as keys of ``[influencers]``)."""

    path: Path = Field(description="roster CSV (relative to the scenario file); columns in "
                       "docs/formats.md")
    audience_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.1, description="share of a creator's real followers who belong to the simulated "
        "market (0–1; 0.1 puts a 1.5M-follower head creator at the baseline head tier's 15 %)"
    )
    book: list[str] = Field(
        default_factory=list,
        description="roster creator_ids booked by the first retailer for one post each on its "
        "start_day; each fee is contracted spend on the creator's tier (from its line as far "
        "as it goes); [] = none",
    )


class LiveSeries(_Section):
    """A series of live-stream selling sessions of one host (docs/formats.md)."""

    host: str = Field("self", description="'self' (the brand's own account), an influencer "
                      "tier (its most-followed creator) or a roster creator_id")
    platform: str | None = Field(None, description="platform of a self-broadcast (default: "
                                 "the retailer's ad_platform); a creator streams on its own")
    start_day: int = Field(1, ge=1, description="day of the first session")
    every_days: int = Field(7, ge=0, le=365, description="days between sessions; 0 = once")
    sessions: int = Field(1, ge=1, le=1000, description="sessions in the series")
    hours: Annotated[float, Field(gt=0.0, le=12.0)] = Field(2.0, description="session length")
    fee: NonNegative = Field(0.0, description="yuan per session paid to the host (a "
                             "creator's roster fee is added)")
    commission: Annotated[float, Field(ge=0.0, le=0.8)] = Field(
        0.2, description="CPS share of the session's GMV paid to the host (0 for self)")
    discount: Annotated[float, Field(ge=0.0, le=0.9)] = Field(
        0.1, description="flash-deal share off the price during the session")
    stock: int = Field(0, ge=0, description="units on sale per session in the reference "
                       "market (scaled like money); 0 = unlimited")
    attend_prob: Share = Field(0.08, description="probability that an active follower "
                               "(platform attention × activity) joins a session")
    pool: NonNegative = Field(0.01, description="platform traffic pool: non-followers pushed "
                              "in per session hour, as a share of the platform's users")
    watch_minutes: Annotated[float, Field(gt=0.0, le=240.0)] = Field(
        4.0, description="mean minutes a viewer stays (exponential)")
    buy_prob: Share = Field(0.01, description="purchase probability of a viewer who needs "
                            "the product, before deal, scarcity and credibility")
    deal_lift: NonNegative = Field(3.0, description="× (1 + deal_lift·discount) on buying")
    scarcity_lift: NonNegative = Field(0.3, description="× (1 + scarcity_lift) on buying "
                                       "while limited stock lasts")
    follow_prob: Share = Field(0.05, description="probability an engaged viewer follows "
                               "the host")


class GroupBuyingSection(_Section):
    """Group buying (拼团): a discount unlocked when k participants join within a deadline."""

    group_size: int = Field(3, ge=2, le=50, description="participants needed, initiator "
                            "included")
    discount: Annotated[float, Field(ge=0.0, le=0.9)] = Field(0.2, description="share off "
                                                              "the price for every member")
    deadline_days: int = Field(1, ge=1, le=30, description="days a group stays open")
    start_prob: Share = Field(0.02, description="daily probability that an interested "
                              "consumer who needs the product starts a group")
    invites: int = Field(5, ge=1, le=100, description="ties the initiator shares the group to")
    join_prob: Share = Field(0.12, description="probability an invited friend who trusts "
                             "the initiator fully joins (× tie trust × (0.5 + need))")
    discount_lift: NonNegative = Field(3.0, description="× (1 + discount_lift·discount) on "
                                       "joining: the deal is why friends join")
    start_day: int = Field(1, ge=1, description="first day groups can start")


class AssistSection(_Section):
    """Assist sharing (砍价/助力): friends' help unlocks a reward for the asker."""

    ask_prob: Share = Field(0.02, description="daily probability an interested consumer "
                            "who needs the product starts an assist request")
    asks: int = Field(8, ge=1, le=200, description="ties asked per request")
    help_prob: Share = Field(0.3, description="probability an asked friend helps (× trust)")
    needed: int = Field(3, ge=1, le=200, description="assists that unlock the reward")
    reward: NonNegative = Field(15.0, description="yuan off for the asker, paid by the "
                                "retailer (coupons line, reference money)")
    deadline_days: int = Field(2, ge=1, le=30, description="days a request stays open")
    annoyance_fatigue: NonNegative = Field(0.15, description="fatigue an ask adds to the "
                                           "friend asked (decays like exposure fatigue)")
    annoyance_threshold: int = Field(3, ge=1, le=100, description="asks within 7 days after "
                                     "which an asked friend may post negatively")
    annoyed_post_prob: Share = Field(0.1, description="probability an over-asked friend "
                                     "posts negatively per further ask")
    start_day: int = Field(1, ge=1, description="first day of the campaign")

    @model_validator(mode="after")
    def _reachable(self) -> "AssistSection":
        if self.needed > self.asks:
            raise ValueError(f"needed {self.needed} exceeds asks {self.asks}: no request "
                             "could ever succeed")
        return self


class GamificationSection(_Section):
    """Check-ins, points and badges for customers and members (novelty wears off)."""

    checkin_prob: Share = Field(0.3, description="daily probability that a customer or member "
                                "checks in while the game is new (× activity)")
    novelty_days: Annotated[float, Field(gt=0.0, le=3650.0)] = Field(
        30.0, description="days over which the novelty decays by e (exponential)")
    floor: Share = Field(0.25, description="share of the check-in probability that remains "
                         "once the novelty has worn off")
    retention_lift: Share = Field(0.3, description="churn hazard × (1 − retention_lift) on a "
                                  "day a consumer checks in")
    point_cost: NonNegative = Field(0.5, description="yuan of points and badges per check-in "
                                    "(per event like coupon_value; booked on community)")
    start_day: int = Field(1, ge=1, description="day the game starts")


FORMATS = ("live", "group_buying", "assist", "gamification")
"""Commerce formats, in the order their KPIs are reported."""


def scenario_formats(scenario) -> tuple[str, ...]:
    """Formats a scenario uses (in :data:`FORMATS` order): ``live`` if a retailer has live
    series, ``group_buying`` / ``assist`` if a retailer has that section; none outside the full
    model (the reference modes have no retailers)."""
    if scenario.run.mode != "full":
        return ()
    used = {f for r in scenario.retailers for f in FORMATS if getattr(r, f)}
    return tuple(f for f in FORMATS if f in used)


__all__ = ["FORMATS", "scenario_formats", "AssistSection", "GamificationSection", "GroupBuyingSection", "LiveSeries", "ROSTER_KEYS", "RosterSection"]
