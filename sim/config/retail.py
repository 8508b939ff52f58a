"""Schema of the retail systems: stores and online-to-offline, distributors, membership.

Each section is optional and belongs to a retailer (``[retailers.stores.NAME]``,
``[retailers.o2o]``, ``[retailers.distributors]``, ``[retailers.membership]``); a scenario
without them runs exactly as before. Money amounts are yuan for a market of
``run.reference_consumers`` consumers, and counts of people (store capacity, direct recruits)
are per that market too: both are scaled to ``run.consumers``. Defaults and their sources are
in docs/retail.md.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

RETAIL_CHANNELS = ("stores", "distributors", "membership")
"""Budget lines of the retail systems (allowed in ``allocation`` besides the usual channels)."""

RETAIL_KPI_SPECS: dict[str, list[tuple[str, ...]]] = {
    "any": [
        ("online_gmv", "online GMV", "yuan", "higher", "money",
         "GMV of the online funnel's orders, yuan"),
        ("member_revenue_share", "member revenue share", "", "higher", "share",
         "GMV bought by community or store-community members / GMV"),
    ],
    "stores": [
        ("store_visits", "store visits", "visits", "higher", "count",
         "store visits served (each store at most its capacity a day)"),
        ("store_walkins", "store walk-ins", "visits", "higher", "count",
         "store visits without an offer"),
        ("offers_received", "offers received", "offers", "neither", "count",
         "store offers received by store-community members"),
        ("redemptions", "redemptions", "redemptions", "higher", "count",
         "store offers redeemed in store"),
        ("redemption_rate", "redemption rate", "", "higher", "share",
         "redemptions / offers received", "redemptions / offers received"),
        ("store_orders", "store orders", "orders", "higher", "count", "orders in stores"),
        ("store_gmv", "store GMV", "yuan", "higher", "money", "GMV of store orders, yuan"),
        ("store_members", "store-community members", "members", "higher", "count",
         "members of the stores' communities"),
    ],
    "distributors": [
        ("distributors", "active distributors", "distributors", "higher", "count",
         "distributors active now"),
        ("distributors_recruited", "distributors recruited", "distributors", "higher",
         "count", "distributors recruited"),
        ("distributors_quit", "distributors who quit", "distributors", "lower", "count",
         "distributors who quit"),
        ("distributor_gmv", "distributor GMV", "yuan", "higher", "money",
         "GMV sold by distributors, yuan"),
        ("commissions", "commissions", "yuan", "neither", "money",
         "commissions due to distributors (outside the budget), yuan"),
        ("distributor_churn", "distributor churn", "", "lower", "share",
         "distributors who quit / distributors recruited"),
        ("distributor_gmv_share", "distributor GMV share", "", "neither", "share",
         "distributor GMV / GMV"),
        ("channel_conflict", "channel conflict", "", "lower", "share",
         "distributor orders sold below list price / distributor orders"),
    ],
    "membership": [
        ("points_issued", "points issued", "points", "neither", "count",
         "membership points issued"),
        ("points_redeemed", "points redeemed", "points", "neither", "count",
         "membership points redeemed"),
        ("programme_members", "programme members", "members", "higher", "count",
         "members in the membership programme"),
        ("churn_risk_members", "churn-risk members", "members", "lower", "count",
         "members in the churn-risk segment (latest segmentation)"),
        ("high_value_members", "high-value members", "members", "higher", "count",
         "members in the high-value segment (latest segmentation)"),
        ("winback_sent", "win-back coupons sent", "coupons", "neither", "count",
         "win-back coupons sent"),
        ("churned_among_risk", "churned among churn-risk members", "", "lower", "share",
         "members ever churn-risk who are churned / members ever churn-risk"),
        ("ltv", "LTV", "yuan per member", "higher", "money",
         "discounted gross margin of members' orders / members the programme ever had, yuan",
         "discounted member margin / members"),
        ("churn_risk_share", "churn-risk share", "", "lower", "share",
         "churn-risk members / programme members"),
        ("winback_rate", "win-back rate", "", "higher", "share",
         "win-back coupons used (an order while valid) / coupons sent"),
    ],
}
"""The retail KPIs' registry entries (:mod:`sim.config.kpis` builds them): per system, tuples
(name, label, unit, better direction, kind, definition[, formula]); ``any``: reported whenever
some retailer has a retail section."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StoreSection(_Section):
    """One physical store of the retailer (a Mesa agent when the world is built)."""

    circles: list[int] = Field(
        ..., min_length=1, description="location circles: the neighbourhood the store sits in; "
        "consumers of these circles live near it (mean distance o2o.near_km)")
    opening_day: int = Field(1, ge=1, description="first day the store is open")
    capacity: int = Field(
        1000, ge=1, le=1_000_000, description="visits a day it can serve, per reference market "
        "(F37 pilot stores: ≥ 1,000 visitors a day); scaled to run.consumers")
    staff_hours: NonNegative = Field(
        8.0, le=200.0, description="staff-hours a day for community work (F37: most stores have "
        "fewer than 2 full-time community staff; one 8-hour shift)")
    open_hours: float = Field(12.0, ge=1.0, le=24.0, description="hours a day the store is open")


class O2OSection(_Section):
    """The community-to-store funnel of a retailer's stores: offer → visit → redemption."""

    hours_per_post: float = Field(3.6, gt=0.0, le=100.0,
                                  description="staff-hours one quality community post takes (F37)")
    fidelity: Share = Field(
        0.6, description="share of planned community posts actually delivered (execution "
        "fidelity; F37: 76.5 % of activities deviate from plan)")
    offer_reach: Share = Field(
        0.22, description="share of a store community's members who get the offer of one "
        "delivered post (F20: content reach ≈ 22 %)")
    offer_value: NonNegative = Field(15.0, description="yuan of discount per redeemed offer, "
                                     "paid from the stores line")
    visit_prob: Share = Field(
        0.35, description="probability a member who got an offer, living at the store, visits "
        "to redeem it (before distance and opening-hours friction)")
    distance_km: float = Field(2.0, gt=0.0, le=100.0,
                               description="distance decay: visit probability × exp(−km / this)")
    near_km: float = Field(1.5, gt=0.0, le=50.0,
                           description="mean distance (km) of consumers in a store's circles")
    far_km: float = Field(10.0, gt=0.0, le=500.0,
                          description="mean distance (km) of consumers in other circles "
                          "(Gamma, shape 4)")
    waking_hours: float = Field(
        16.0, ge=1.0, le=24.0, description="hours a day consumers could visit; opening-hours "
        "friction × min(1, open_hours / this)")
    redemption_quality: Share = Field(
        0.6, description="redemption-system quality: share of offer visits where redemption at "
        "the counter succeeds (F36: a better system targets +25 % redemption)")
    walkin_prob: Share = Field(0.01, description="daily probability a consumer living at a store "
                               "walks in (× distance decay)")
    member_visit_lift: float = Field(
        1.35, ge=1.0, le=10.0, description="walk-in probability × this for store-community "
        "members (F39: store visits +35 %)")
    purchase_prob: Share = Field(0.4, description="probability a visit without a redemption "
                                 "ends in a purchase (a redemption is always a purchase)")
    ticket: float = Field(110.0, gt=0.0, le=100_000.0,
                          description="yuan per store order (F26, F38: 85 × 1.3)")
    join_prob: Share = Field(0.1, description="probability a store visitor joins the store's "
                             "community")
    lead_join_prob: Share = Field(
        0.005, description="daily probability an engaged (interested) consumer of a store's "
        "circles joins its community online")
    shared_benefits: bool = Field(
        False, description="cross-store member benefits: an offer can be redeemed at the "
        "nearest open store instead of the member's own")
    staff_wage: NonNegative = Field(34.0, description="yuan per staff-hour (community work), "
                                    "booked on the stores line")


class DistributorSection(_Section):
    """Distributors recruited by the brand; they post into their circles and sell."""

    drive_days: int = Field(90, ge=0, le=3650, description="recruitment drive: days 1..this")
    direct_per_day: NonNegative = Field(
        100.0, le=1e6, description="distributors recruited directly a day, per reference market "
        "(from buyers and members; scaled to run.consumers)")
    direct_cost: NonNegative = Field(50.0, description="yuan per direct recruit (onboarding, "
                                     "starter kit)")
    referral_prob: Share = Field(
        0.02, description="daily probability an active distributor recruits one of its ties "
        "who is a buyer or member (F40: referral recruiting)")
    referral_reward: NonNegative = Field(30.0, description="yuan cash rebate per referred "
                                         "distributor (F40)")
    team_bonus: NonNegative = Field(200.0, description="yuan once a distributor has referred "
                                    "3 distributors (F40: team perks)")
    circle_reach: int = Field(150, ge=0, le=100_000,
                              description="consumers of its circle a post reaches besides its ties")
    activity: Share = Field(0.3, description="daily probability a distributor posts")
    activity_elasticity: float = Field(
        1.0, ge=0.0, le=20.0, description="activity × (1 + this × last 30 days' earnings / "
        "earnings_reference), capped at 1")
    earnings_reference: float = Field(300.0, gt=0.0, description="yuan of monthly earnings that "
                                      "lifts activity by activity_elasticity")
    sell_prob: Share = Field(0.05, description="probability a reached consumer with a session "
                             "buys, × need × tie trust")
    tiers: list[tuple[NonNegative, Share]] = Field(
        default_factory=lambda: [(0.0, 0.10), (600.0, 0.13), (1500.0, 0.16)],
        description="rebate steps: [last 30 days' sales in yuan, commission rate], ascending")
    min_earnings: NonNegative = Field(
        100.0, description="yuan of earnings over 30 days below which a distributor may quit")
    churn_prob: Share = Field(0.5, description="probability a distributor below min_earnings "
                              "quits at the monthly review")
    undercut_share: Share = Field(0.3, description="share of recruits who sell below list price")
    undercut_depth: Share = Field(0.1, description="price cut of an undercutting distributor")
    price_elasticity: float = Field(
        2.6, ge=0.0, le=20.0, description="sale probability × (1 + this × cut): the response "
        "to a price cut")
    price_discipline: Share = Field(
        0.0, description="probability a weekly price check catches an undercutting distributor "
        "and brings it back to list price")
    max_distributors: int = Field(5000, ge=1, le=1_000_000,
                                  description="cap on distributors recruited (simulated)")

    @model_validator(mode="after")
    def _tiers_ascending(self) -> "DistributorSection":
        steps = [t[0] for t in self.tiers]
        if not self.tiers or steps[0] != 0.0 or steps != sorted(steps):
            raise ValueError(f"tiers: steps must start at 0 and ascend (got {steps})")
        return self


class MembershipSection(_Section):
    """Member levels, points and value segments of a retailer's community members."""

    level_names: list[str] = Field(default_factory=lambda: ["ordinary", "silver", "gold"],
                                   min_length=1, description="level names, lowest first")
    level_thresholds: list[NonNegative] = Field(
        default_factory=lambda: [0.0, 250.0, 700.0],
        description="growth value (yuan spent + action points) to reach each level")
    level_boost: list[Annotated[float, Field(ge=0.0, le=10.0)]] = Field(
        default_factory=lambda: [1.0, 1.15, 1.35],
        description="repurchase hazard × per level (F42: CRM tiering, repurchase +45 %)")
    points_per_yuan: NonNegative = Field(1.0, description="points per yuan spent")
    checkin_prob: Share = Field(0.1, description="daily probability a member with a session "
                                "checks in (F44)")
    checkin_points: NonNegative = Field(5.0, description="points per check-in")
    review_prob: Share = Field(0.2, description="probability a member reviews an order")
    review_points: NonNegative = Field(20.0, description="points per review")
    referral_points: NonNegative = Field(
        50.0, description="points per member who joined through a referral, credited to one of "
        "the new member's ties who is a member (the inviter is not recorded)")
    yuan_per_point: NonNegative = Field(0.01, description="cost of a redeemed point, yuan "
                                        "(100 points = 1 yuan)")
    redeem_threshold: NonNegative = Field(500.0, description="points needed to redeem a reward")
    redeem_prob: Share = Field(0.05, description="daily probability a member above the "
                               "threshold redeems all its points")
    reward_boost: float = Field(1.5, ge=1.0, le=10.0, description="repurchase hazard × for "
                                "reward_days after a redemption")
    reward_days: int = Field(14, ge=0, le=365, description="days a redeemed reward lasts")
    segment_every: int = Field(30, ge=1, le=365, description="days between segmentations")
    high_value_share: Share = Field(0.2, description="top share of members by 90-day spend "
                                    "who are high-value")
    churn_risk_days: int = Field(60, ge=1, le=3650, description="days without an order that "
                                 "make a member churn-risk")
    exclusive_boost: float = Field(1.2, ge=1.0, le=10.0, description="repurchase hazard × of "
                                   "high-value members (exclusive offers)")
    exclusive_cost: NonNegative = Field(2.0, description="yuan per high-value member per "
                                        "segmentation period")
    winback: bool = Field(True, description="send win-back coupons to churn-risk members")
    winback_value: NonNegative = Field(5.0, description="yuan per win-back coupon redeemed")
    winback_return_prob: Share = Field(
        0.25, description="probability a churn-risk member who stopped buying comes back on a "
        "win-back coupon")
    winback_boost: float = Field(2.0, ge=1.0, le=20.0, description="repurchase hazard × while "
                                 "a win-back coupon is valid")
    winback_days: int = Field(30, ge=1, le=365, description="days a win-back coupon is valid")
    cost_per_member_month: NonNegative = Field(0.1, description="yuan per member per 30 days "
                                               "(CRM system, member service)")
    end_day: int | None = Field(None, ge=1, description="last day the programme runs "
                                "(default: run.days)")
    discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.08, description="annual discount rate of the ltv KPI")

    @model_validator(mode="after")
    def _levels(self) -> "MembershipSection":
        n = len(self.level_names)
        if len(self.level_thresholds) != n or len(self.level_boost) != n:
            raise ValueError(f"level_thresholds and level_boost need {n} entries, one per "
                             f"level_names entry (got {len(self.level_thresholds)} and "
                             f"{len(self.level_boost)})")
        if self.level_thresholds != sorted(self.level_thresholds):
            raise ValueError(f"level_thresholds must ascend (got {self.level_thresholds})")
        return self


RetailShape = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""(retail systems present, membership level names, retail budget lines in an allocation)."""

NO_RETAIL: RetailShape = ((), (), ())


def retail_shape(retailers) -> RetailShape:
    """Which retail KPIs a world with these retailer sections reports: the systems present
    (``stores``, ``distributors``, ``membership``), the membership level names (in retailer
    order, without repeats) and the retail budget lines some allocation names (each gets a
    ``spend_<line>`` KPI). :data:`NO_RETAIL` when no retailer has a retail section."""
    retailers = list(retailers)
    present = {"stores": any(r.stores for r in retailers),
               "distributors": any(r.distributors is not None for r in retailers),
               "membership": any(r.membership is not None for r in retailers)}
    systems = tuple(k for k, v in present.items() if v)
    if not systems:
        return NO_RETAIL
    levels = tuple(dict.fromkeys(name for r in retailers if r.membership is not None
                                 for name in r.membership.level_names))
    lines = tuple(ch for ch in RETAIL_CHANNELS if any(ch in r.allocation for r in retailers))
    return systems, levels, lines
