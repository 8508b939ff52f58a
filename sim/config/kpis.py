"""The KPI registry: every KPI a run reports, with its label, unit, direction, kind and bounds.

One definition read by the metrics (:func:`sim.engine.metrics.compute_kpis` computes exactly
:func:`kpi_names`), the comparison (direction, money and ratio formatting), the HTML report,
the command line, the workshop page and the generated KPI table in ``docs/kpis.md``
(``python scripts/scenario_reference.py --write``).

Two sorts of KPI:

* **core** KPIs (:data:`CORE_KPIS`), reported by every run;
* **families**, one KPI per stage, channel, platform or retailer of the scenario
  (``stage_<stage>``, ``spend_<channel>``, ``reach_<channel>``, ``orders_<platform>``,
  ``organic_<platform>``, ``<retailer>_orders`` …; :data:`FAMILIES`), generated from the
  scenario's tier, platform and retailer names by :func:`kpis` — no model is built.

Every KPI is cumulative from day 1 unless its name starts with ``daily_`` (or is ``organic_*``,
today's delivered exposures). Ratios whose denominator is zero are reported as 0 (never NaN).
Money is yuan in the simulated market (see :mod:`sim.config.scenario`).

Longer than ~400 lines on purpose: it is the one table of every KPI (docs/kpis.md is generated
from it), kept whole so a KPI's label, unit, direction and bounds are read in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from sim.config.channels import channel_label, channel_names, paid_channel_names
from sim.config.retail import NO_RETAIL, RETAIL_KPI_SPECS, RetailShape, retail_shape

if TYPE_CHECKING:
    from sim.config.scenario import Scenario

Direction = Literal["higher", "lower", "neither"]
"""Which way is better: ``higher``, ``lower``, or ``neither`` (no natural direction, e.g. spend;
comparisons then count a higher value as "beats")."""
Kind = Literal["count", "money", "ratio", "share"]
"""``count`` (consumers, orders, exposures), ``money`` (yuan), ``ratio`` (a quotient that is not
bounded by 1, e.g. ROI), ``share`` (a proportion in [0, 1])."""

STAGES = ("unaware", "aware", "interested", "customer", "loyal")
"""Funnel stages, in stage-code order (``sim.world.population`` codes 0–4)."""

INF = float("inf")


@dataclass(frozen=True)
class Kpi:
    """One KPI.

    Attributes:
        name: the key in a run's summary and timeseries (``roi``, ``spend_ads``).
        label: human name used mid-sentence (``ROI``, ``repurchase rate``).
        unit: unit of the value (``yuan``, ``consumers``; ``""`` for ratios and shares).
        direction: ``higher`` / ``lower`` is better, or ``neither``.
        kind: ``count``, ``money``, ``ratio`` or ``share``.
        bounds: (lowest, highest) value a run can report (``INF`` for no upper bound).
        definition: one line: what is counted or divided by what.
        formula: short formula for figure titles (``GMV / spend``), if any.
        family: the family pattern (``spend_{channel}``) or ``""`` for a core KPI.
    """

    name: str
    label: str
    unit: str
    direction: Direction
    kind: Kind
    bounds: tuple[float, float]
    definition: str
    formula: str = ""
    family: str = ""

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"

    @property
    def is_money(self) -> bool:
        return self.kind == "money"

    @property
    def is_ratio(self) -> bool:
        """Ratios and shares: a relative change ("+20 %") of them would mislead."""
        return self.kind in ("ratio", "share")

    @property
    def title(self) -> str:
        """Figure title: ``ROI = (profit − spend) / spend``, ``GMV (yuan)``, ``Orders``."""
        head = self.label[:1].upper() + self.label[1:]
        if self.formula:
            return f"{head} = {self.formula}"
        return f"{head} ({self.unit})" if self.unit and self.unit != self.label else head


_SIGNED = ("roi", "profit")


def _k(name: str, label: str, unit: str, direction: Direction, kind: Kind, definition: str,
       formula: str = "") -> Kpi:
    low = -INF if name in _SIGNED else 0.0  # a price cut below unit cost makes profit < 0
    high = 1.0 if kind == "share" else INF
    return Kpi(name, label, unit, direction, kind, (low, high), definition, formula)


_CORE: list[Kpi] = [
    _k("reach", "reach", "consumers", "higher", "count",
       "consumers exposed at least once (unique, cumulative)"),
    _k("exposures", "exposures", "exposures", "neither", "count", "total delivered exposures"),
    _k("engagements", "engagements", "engagements", "higher", "count",
       "exposures that led to engagement"),
    _k("engagement_rate", "engagement rate", "", "higher", "share", "engagements / exposures",
       "engagements / exposures"),
    _k("engaged", "engaged consumers", "consumers", "higher", "count",
       "consumers interested in (engaged with) at least one retailer"),
    _k("aware", "aware consumers", "consumers", "higher", "count",
       "consumers at or past the aware stage for some retailer"),
    _k("interested", "interested consumers", "consumers", "higher", "count",
       "consumers at or past the interested stage"),
    _k("buyers", "buyers", "consumers", "higher", "count", "consumers with at least one order"),
    _k("orders", "orders", "orders", "higher", "count", "orders placed"),
    _k("gmv", "GMV", "yuan", "higher", "money", "Σ price × units, yuan"),
    _k("spend", "spend", "yuan", "neither", "money", "booked spend over all channels, yuan"),
    _k("roas", "ROAS", "", "higher", "ratio", "GMV / spend", "GMV / spend"),
    _k("roi", "ROI", "", "higher", "ratio",
       "(profit − spend) / spend, profit = Σ (price − unit cost) over orders",
       "(GMV × margin − spend) / spend"),
    _k("cac", "CAC", "yuan per buyer", "lower", "money", "spend / buyers, yuan"),
    _k("repurchase_rate", "repurchase rate", "", "higher", "share",
       "buyers with ≥ 2 orders / buyers"),
    _k("ugc_share", "UGC share", "", "higher", "share",
       "consumer posts (UGC and negative) / all posts"),
    _k("negative_sentiment", "negative sentiment", "", "lower", "share",
       "negative exposures / all exposures over the last 7 days"),
    _k("platform_dependence", "platform dependence", "", "lower", "share",
       "largest platform's share of orders"),
    _k("platform_hhi", "platform HHI", "", "lower", "share",
       "Herfindahl index of orders over platforms"),
    _k("members", "members", "members", "higher", "count", "community members over all retailers"),
    _k("referred_members", "referred members", "members", "higher", "count",
       "community members who joined through a member's referral"),
    _k("fission", "fission coefficient", "", "higher", "ratio",
       "referred members per member who joined otherwise (F28)"),
    _k("cost_per_member", "cost per member", "yuan per member", "lower", "money",
       "community spend / members, yuan"),
    _k("engagement_rate_targeted", "engagement rate in targeted circles", "", "higher", "share",
       "engagement rate of exposures to consumers in the circles the campaigns targeted "
       "(creators' home circles and target circles)"),
    _k("profit", "gross profit", "yuan", "higher", "money",
       "gross profit Σ (price − unit cost) over orders, yuan"),
    _k("breakout", "breakout share", "", "higher", "share",
       "buyers outside the circles the campaigns targeted / buyers"),
    _k("daily_engagements", "engagements today", "engagements", "neither", "count",
       "engagements today"),
    _k("daily_orders", "orders today", "orders", "neither", "count", "orders today"),
    _k("daily_exposures", "exposures today", "exposures", "neither", "count", "exposures today"),
    _k("reach_creators", "creator reach", "consumers", "higher", "count",
       "consumers reached by at least one creator post (any tier; unique)"),
    _k("impressions", "impressions", "impressions", "neither", "count",
       "posts shown to consumers (every delivered exposure, viewed or not)"),
    _k("views", "views", "views", "higher", "count",
       "impressions viewed (video played, note opened, message read); = exposures"),
    _k("clicks", "clicks", "clicks", "higher", "count",
       "click-throughs from an engaged view to the product page"),
    _k("ctr", "CTR", "", "higher", "share", "clicks / impressions", "clicks / impressions"),
    _k("cvr", "CVR", "", "higher", "share",
       "orders whose buyer clicked the retailer's content in the last 7 days / clicks",
       "click-attributed orders / clicks"),
    _k("cpm", "CPM", "yuan per 1,000 impressions", "lower", "money",
       "paid media spend (creator tiers, ads, search) / their impressions × 1,000, yuan",
       "paid media spend / paid impressions × 1000"),
    _k("cpc", "CPC", "yuan per click", "lower", "money",
       "paid media spend / clicks on paid media content, yuan", "paid media spend / paid clicks"),
    _k("cpe", "CPE", "yuan per engagement", "lower", "money",
       "paid media spend / engagements with paid media content, yuan",
       "paid media spend / paid engagements"),
    _k("aov", "AOV", "yuan per order", "higher", "money", "average order value: GMV / orders, yuan",
       "GMV / orders"),
    _k("aware_of_reached", "aware share of reached", "", "higher", "share",
       "consumers aware of (or further along with) some retailer / consumers reached"),
    _k("likes", "likes", "engagements", "higher", "count",
       "engaged views that are likes (platforms.<p>.engagement_mix; 0 in reference modes)"),
    _k("comments", "comments", "engagements", "higher", "count",
       "engaged views that are comments (platforms.<p>.engagement_mix)"),
    _k("saves", "saves", "engagements", "higher", "count",
       "engaged views that are saves (collects; platforms.<p>.engagement_mix)"),
    _k("shares", "shares", "engagements", "higher", "count",
       "engaged views that are shares as a platform reports them (a label: word of mouth is "
       "the sharing rule's, sim/engine/sharing.py)"),
]
CORE_KPIS: dict[str, Kpi] = {k.name: k for k in _CORE}
"""Core KPIs by name, reported by every run (in this order)."""

FORMAT_KPIS: dict[str, list[Kpi]] = {
    "live": [
        _k("live_sessions", "live sessions", "sessions", "neither", "count",
           "live-stream sessions held"),
        _k("live_viewers", "live viewers", "viewers", "higher", "count",
           "viewers summed over sessions (a consumer watching two sessions counts twice)"),
        _k("peak_viewers", "peak concurrent viewers", "viewers", "higher", "count",
           "highest number watching at the same minute, over all sessions"),
        _k("live_orders", "live orders", "orders", "higher", "count", "orders placed in sessions"),
        _k("live_gmv", "live GMV", "yuan", "higher", "money", "GMV of orders placed in sessions"),
        _k("gpm", "GPM", "yuan per 1,000 viewers", "higher", "money",
           "live GMV per thousand viewers (0 before the first viewer)",
           "live GMV × 1000 / viewers"),
        _k("live_share", "live share of GMV", "", "neither", "share", "live GMV / GMV",
           "live GMV / GMV"),
    ],
    "group_buying": [
        _k("groups_started", "groups started", "groups", "neither", "count", "groups opened"),
        _k("groups_completed", "groups completed", "groups", "higher", "count",
           "groups that reached their size before the deadline"),
        _k("group_completion_rate", "group completion rate", "", "higher", "share",
           "completed / closed groups (completed or expired; 0 before the first closes)",
           "completed / closed"),
        _k("group_orders", "group orders", "orders", "higher", "count",
           "orders of members of completed groups"),
    ],
    "assist": [
        _k("assists", "assists", "assists", "neither", "count", "friends who helped"),
        _k("assist_exposures", "assist exposures", "exposures", "neither", "count",
           "asks delivered to friends (each one an exposure)"),
        _k("assist_annoyance", "annoyed friends", "consumers", "lower", "count",
           "asks beyond the annoyance threshold (7-day window) received"),
        _k("participation_rate", "assist participation rate", "", "higher", "share",
           "consumers who asked or helped / consumers"),
    ],
    "gamification": [
        _k("checkins", "check-ins", "check-ins", "neither", "count", "check-ins made"),
        _k("checkin_rate", "check-in rate today", "", "higher", "share",
           "consumers who checked in today / customers and members today (0 with none)"),
    ],
}
"""KPIs of the commerce formats, reported only by scenarios that use the format
(:func:`sim.config.formats.scenario_formats`)."""


@dataclass(frozen=True)
class Family:
    """KPIs generated per stage, channel, platform or retailer: ``pattern.format(x=name)``.

    ``over`` says which names: ``stage``, ``channel`` (all channels), ``paid_channel``,
    ``platform`` or ``retailer`` (only with two or more retailers). ``label`` and
    ``definition`` are templates over ``{x}`` (the name) and ``{X}`` (its display name).
    """

    pattern: str
    over: Literal["stage", "channel", "paid_channel", "platform", "retailer", "level"]
    label: str
    unit: str
    direction: Direction
    kind: Kind
    definition: str

    def make(self, x: str) -> Kpi:
        shown = channel_label(x) if "channel" in self.over else x
        high = 1.0 if self.kind == "share" else INF
        return Kpi(self.pattern.format(x=x), self.label.format(x=x, X=shown), self.unit,
                   self.direction, self.kind, (0.0, high),
                   self.definition.format(x=x, X=shown), family=self.pattern)

    def match(self, name: str) -> str | None:
        """The ``x`` this family would make ``name`` from, else None."""
        head, _, tail = self.pattern.partition("{x}")
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
            return name[len(head):len(name) - len(tail)]
        return None


FAMILIES: tuple[Family, ...] = (
    Family("impressions_on_{x}", "platform", "impressions on {x}", "impressions", "neither",
           "count", "impressions of posts on platform {x}"),
    Family("clicks_on_{x}", "platform", "clicks on {x}", "clicks", "higher", "count",
           "product-page clicks from posts on platform {x}"),
    Family("stage_{x}", "stage", "{x} consumers", "consumers", "neither", "count",
           "consumers whose furthest stage over all retailers is {x} (the stages sum to N)"),
    Family("spend_{x}", "paid_channel", "spend on {X}", "yuan", "neither", "money",
           "booked spend on the {x} channel over all retailers, yuan"),
    Family("orders_{x}", "platform", "orders on {x}", "orders", "neither", "count",
           "orders whose last touch was on platform {x}"),
    Family("organic_{x}", "platform", "organic exposures on {x} today", "exposures", "neither",
           "count", "organic creator exposures delivered on platform {x} today"),
    Family("reach_{x}", "channel", "reach of {X}", "consumers", "higher", "count",
           "consumers who got at least one exposure credited to the {x} channel (unique)"),
    Family("impressions_{x}", "channel", "impressions of {X}", "impressions", "neither",
           "count", "impressions credited to the {x} channel"),
    Family("views_{x}", "channel", "views of {X}", "views", "higher", "count",
           "views credited to the {x} channel"),
    Family("clicks_{x}", "channel", "clicks from {X}", "clicks", "higher", "count",
           "product-page clicks credited to the {x} channel"),
    Family("engagement_rate_{x}", "channel", "engagement rate of {X}", "", "higher", "share",
           "engagements / views of the {x} channel's content (realised, not configured)"),
    Family("{x}_orders", "retailer", "{x} orders", "orders", "higher", "count",
           "orders placed with retailer {x} (with two or more retailers)"),
    Family("{x}_gmv", "retailer", "{x} GMV", "yuan", "higher", "money",
           "GMV of retailer {x}, yuan (with two or more retailers)"),
    Family("{x}_share", "retailer", "{x} market share", "", "higher", "share",
           "retailer {x}'s share of all orders (with two or more retailers)"),
    Family("{x}_price", "retailer", "{x} price", "yuan per unit", "neither", "money",
           "retailer {x}'s price today, yuan per unit (with two or more retailers)"),
)
"""KPI families, in the order a run reports them (after the core KPIs)."""


_RETAIL: dict[str, list[Kpi]] = {
    system: [_k(*spec) for spec in specs] for system, specs in RETAIL_KPI_SPECS.items()}
"""Retail KPIs, reported when some retailer has stores, distributors or a membership
programme (``any``), and per system present (docs/retail.md)."""

RETAIL_KPIS: dict[str, Kpi] = {k.name: k for group in _RETAIL.values() for k in group}

LEVEL_FAMILY = Family("members_by_level_{x}", "level", "{x} members", "members", "neither",
                      "count", "programme members at level {x}")
"""One KPI per membership level of the scenario."""


def _retail_kpis(shape: RetailShape) -> list[Kpi]:
    systems, levels, lines = shape
    if not systems:
        return []
    out = list(_RETAIL["any"])
    for system in systems:
        out += _RETAIL[system]
    out += [LEVEL_FAMILY.make(x) for x in levels]
    spend = next(f for f in FAMILIES if f.pattern == "spend_{x}")
    return out + [spend.make(x) for x in lines]


def _names_over(family: Family, tiers: list[str], platforms: list[str],
                retailers: list[str], formats: list[str]) -> list[str]:
    match family.over:
        case "stage":
            return list(STAGES)
        case "channel":
            return channel_names(tiers, formats)
        case "paid_channel":
            return paid_channel_names(tiers, formats)
        case "platform":
            return platforms
        case _:
            return retailers if len(retailers) > 1 else []


def kpis_for(tiers: Iterable[str], platforms: Iterable[str],
             retailers: Iterable[str], retail: RetailShape = NO_RETAIL,
             formats: Iterable[str] = ()) -> list[Kpi]:
    """Every KPI of a world with these tier, platform and retailer names (core first), the
    retail KPIs of ``retail`` (:func:`sim.config.retail.retail_shape`), then the KPIs of the
    commerce ``formats`` it uses (the ``live`` channel's family KPIs too)."""
    tiers, platforms, retailers = list(tiers), list(platforms), list(retailers)
    formats = list(formats)
    out = list(_CORE)
    for fam in FAMILIES:
        out += [fam.make(x) for x in _names_over(fam, tiers, platforms, retailers, formats)]
    out += _retail_kpis(retail)
    for f in formats:
        out += FORMAT_KPIS[f]
    return out


@lru_cache(maxsize=64)
def kpi_names_for(tiers: tuple[str, ...], platforms: tuple[str, ...],
                  retailers: tuple[str, ...], retail: RetailShape = NO_RETAIL,
                  formats: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Names of :func:`kpis_for` (cached: the metrics call it every step)."""
    return tuple(k.name for k in kpis_for(tiers, platforms, retailers, retail, formats))


def kpis(scenario: "Scenario") -> list[Kpi]:
    """Every KPI a run of ``scenario`` reports. The reference modes (bass, cascade, threshold)
    have no creators and no retailers, so no tier channels and no per-retailer KPIs."""
    from sim.config.formats import scenario_formats

    full = scenario.run.mode == "full"
    return kpis_for(scenario.influencers if full else [], scenario.platforms,
                    [r.name for r in scenario.retailers] if full else [],
                    retail_shape(scenario.retailers) if full else NO_RETAIL,
                    scenario_formats(scenario))


def kpi_names(scenario: "Scenario") -> list[str]:
    """Names of :func:`kpis` (the keys of a run's summary and timeseries columns)."""
    return [k.name for k in kpis(scenario)]


def lookup(name: str) -> Kpi | None:
    """The registry entry of a KPI name, without a scenario: a core KPI, else the first family
    whose pattern fits (``spend_tv`` -> spend on channel ``tv``); None for an unknown name."""
    if name in CORE_KPIS:
        return CORE_KPIS[name]
    if name in RETAIL_KPIS:
        return RETAIL_KPIS[name]
    level = LEVEL_FAMILY.match(name)
    if level is not None:
        return LEVEL_FAMILY.make(level)
    for group in FORMAT_KPIS.values():
        for k in group:
            if k.name == name:
                return k
    for fam in FAMILIES:
        x = fam.match(name)
        if x is not None and (fam.over != "stage" or x in STAGES):
            return fam.make(x)
    return None


def kpi_info(name: str) -> Kpi:
    """Like :func:`lookup`, but an unknown name gets a neutral entry (label from the name)."""
    found = lookup(name)
    if found is not None:
        return found
    return Kpi(name, name.replace("_", " "), "", "neither", "count", (-INF, INF), "")


def kpi_label(name: str) -> str:
    """Human name of a KPI (``roi`` -> ``ROI``, ``spend_ads`` -> ``spend on paid ads``)."""
    return kpi_info(name).label


def lower_is_better(name: str) -> bool:
    return kpi_info(name).lower_is_better


def is_money(name: str) -> bool:
    """True if the KPI is an amount of yuan."""
    return kpi_info(name).is_money


def is_ratio(name: str) -> bool:
    """True for ratios and shares (ROI, rates, dependence), where a relative change misleads."""
    return kpi_info(name).is_ratio


LOWER_IS_BETTER = frozenset(k.name for k in _CORE if k.lower_is_better)
"""Core KPIs where a lower value is better (CAC, negative sentiment, platform dependence, HHI,
cost per member); :func:`lower_is_better` also knows the retail and family KPIs."""

RETAIL_HEADLINE_KPIS = (
    "online_gmv", "store_gmv", "member_revenue_share", "store_visits", "redemptions",
    "redemption_rate", "distributors", "distributor_gmv", "distributor_gmv_share",
    "commissions", "distributor_churn", "channel_conflict", "points_issued", "points_redeemed",
    "ltv", "churn_risk_share", "winback_rate",
)
"""Retail KPIs shown with the headline KPIs when a scenario reports them."""

HEADLINE_KPIS = ["reach", "exposures", "engagement_rate", "engaged", "buyers", "orders", "gmv",
                 "spend", "roas", "roi", "cac", "repurchase_rate", "ugc_share",
                 "negative_sentiment", "platform_dependence", "members", "breakout",
                 *RETAIL_HEADLINE_KPIS]
"""The KPIs the command line shows (``socsim run``, ``socsim compare``)."""

KEY_KPIS = ["roi", "roas", "gmv", "orders", "buyers", "reach", "spend", "cac",
            "repurchase_rate", "members", "platform_dependence", "negative_sentiment", "breakout",
            *RETAIL_HEADLINE_KPIS]
"""The KPIs of the report's key-number table (the verdict metric is put first)."""

DIAGNOSTIC_PREFIXES = ("stage_", "organic_", "daily_")
"""KPIs that are diagnostics rather than outcomes (left out of "allowed metric" lists)."""


__all__ = ["CORE_KPIS", "DIAGNOSTIC_PREFIXES", "Direction", "FAMILIES", "FORMAT_KPIS", "Family",
           "HEADLINE_KPIS", "LEVEL_FAMILY", "RETAIL_HEADLINE_KPIS", "RETAIL_KPIS",
           "KEY_KPIS", "Kind", "Kpi", "LOWER_IS_BETTER", "STAGES", "is_money", "is_ratio",
           "kpi_info", "kpi_label", "kpi_names", "kpi_names_for", "kpis", "kpis_for", "lookup", "lower_is_better"]
