"""KPI definitions (one place, DESIGN.md §7) and the DataCollector reporters.

Every KPI is cumulative from day 1 unless its name says otherwise. Ratios whose denominator is
zero are reported as 0 (never NaN) so that tables and invariants stay well defined.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from .population import AWARE, INTERESTED, STAGES

if TYPE_CHECKING:
    from .model import SocialCommerceModel

KPI_DEFINITIONS: dict[str, str] = {
    "reach": "consumers exposed at least once (unique, cumulative)",
    "exposures": "total delivered exposures",
    "engagements": "exposures that led to engagement",
    "engagement_rate": "engagements / exposures",
    "engaged": "consumers interested in (engaged with) at least one retailer",
    "aware": "consumers at or past the aware stage for some retailer",
    "interested": "consumers at or past the interested stage",
    "buyers": "consumers with at least one order",
    "orders": "orders placed",
    "gmv": "Σ price × units, yuan",
    "spend": "booked spend over all channels, yuan",
    "roas": "GMV / spend",
    "roi": "(profit − spend) / spend",
    "cac": "spend / buyers",
    "repurchase_rate": "buyers with ≥ 2 orders / buyers",
    "ugc_share": "consumer posts (UGC and negative) / all posts",
    "negative_sentiment": "negative exposures / all exposures over the last 7 days (0–1)",
    "platform_dependence": "largest platform's share of orders (0–1)",
    "platform_hhi": "Herfindahl index of orders over platforms (0–1)",
    "members": "community members over all retailers",
    "referred_members": "community members who joined through a member's referral",
    "fission": "referred members per member who joined otherwise (fission coefficient, F28)",
    "cost_per_member": "community spend / members, yuan",
    "engagement_rate_targeted": "engagement rate of exposures to consumers in the circles the "
    "campaigns targeted (creators' home circles and target circles)",
    "profit": "gross profit Σ (price − unit cost) over orders, yuan",
    "reach_creators": "consumers reached by at least one creator post (any tier; unique)",
    "breakout": "buyers outside the circles the campaigns targeted / buyers",
    "daily_engagements": "engagements today",
    "daily_orders": "orders today",
    "daily_exposures": "exposures today",
}
"""Core KPIs. Per-stage counts (``stage_<name>``), per-channel spend (``spend_<channel>``),
per-platform orders and organic creator exposures delivered today (``orders_<platform>``,
``organic_<platform>``), unique reach per channel (``reach_<channel>``: consumers who got at
least one exposure credited to that channel) and per-retailer orders, GMV, market share and
price (``<retailer>_orders``, ``<retailer>_gmv``, ``<retailer>_share``, ``<retailer>_price``)
are added per scenario."""


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else 0.0


class MetricsBook:
    """Cumulative counters the model updates during a step, and the KPI snapshot."""

    def __init__(self, channels: list[str], n_platforms: int, n_retailers: int,
                 n_circles: int = 1) -> None:
        self.exposures = 0
        self.engagements = 0
        self.orders = 0
        self.daily_exposures = 0
        self.daily_engagements = 0
        self.daily_orders = 0
        self.gmv = np.zeros(n_retailers)
        self.profit = np.zeros(n_retailers)  # Σ (price − unit cost), yuan
        self.exposures_by_circle = np.zeros(n_circles, dtype=np.int64)
        self.engagements_by_circle = np.zeros(n_circles, dtype=np.int64)
        self.orders_by_retailer = np.zeros(n_retailers, dtype=np.int64)
        self.orders_by_platform = np.zeros(n_platforms, dtype=np.int64)
        self.first_touch_orders = np.zeros((n_retailers, len(channels)), dtype=np.int64)
        self.last_touch_orders = np.zeros((n_retailers, len(channels)), dtype=np.int64)
        self.exposures_by_channel = np.zeros(len(channels), dtype=np.int64)
        self.neg_window: deque[tuple[int, int]] = deque(maxlen=7)
        self._neg_today = 0

    def start_day(self) -> None:
        self.daily_exposures = self.daily_engagements = self.daily_orders = 0
        self._neg_today = 0

    def count_exposures(self, total: int, negative: int, channel: np.ndarray, n_channels: int) -> None:
        self.exposures += total
        self.daily_exposures += total
        self._neg_today += negative
        self.exposures_by_channel += np.bincount(channel, minlength=n_channels)[:n_channels]

    def count_engagements(self, k: int) -> None:
        self.engagements += k
        self.daily_engagements += k

    def end_day(self) -> None:
        self.neg_window.append((self._neg_today, self.daily_exposures))

    @property
    def negative_sentiment(self) -> float:
        neg = sum(n for n, _ in self.neg_window)
        tot = sum(t for _, t in self.neg_window)
        return ratio(neg, tot)


def compute_kpis(model: "SocialCommerceModel") -> dict[str, float]:
    """The KPI snapshot of the model at the end of the current step."""
    pop, book = model.population, model.metrics
    # one pass over the consumers per array; counts via count_nonzero (bool sums are slow)
    overall = pop.overall_stage()
    stage_counts = np.bincount(overall, minlength=len(STAGES))
    orders_each = pop.orders[:, 0] if pop.orders.shape[1] == 1 else pop.orders.sum(axis=1)
    buyers_mask = orders_each > 0  # orders are counts (≥ 0)
    buyers = np.count_nonzero(buyers_mask)
    repeat = np.count_nonzero(orders_each >= 2)
    members = np.count_nonzero(pop.member)
    referred = np.count_nonzero(pop.referred)
    spend_by_channel = model.spend_by_channel()
    spend = float(sum(spend_by_channel.values()))
    gmv = float(book.gmv.sum())
    margin_gmv = float(book.profit.sum())
    consumer_posts = model.consumer_post_count
    platform_orders = book.orders_by_platform
    total_orders = int(platform_orders.sum())
    shares = platform_orders / total_orders if total_orders else np.zeros_like(platform_orders, float)
    targeted = model.targeted_circle_mask()
    breakout_buyers = np.count_nonzero(~targeted[pop.circle[buyers_mask]])
    kpis: dict[str, float] = {
        "reach": float(np.count_nonzero(pop.ever_exposed)),
        "exposures": float(book.exposures),
        "engagements": float(book.engagements),
        "engagement_rate": ratio(book.engagements, book.exposures),
        "engaged": float(stage_counts[INTERESTED:].sum()),
        "aware": float(stage_counts[AWARE:].sum()),
        "interested": float(stage_counts[INTERESTED:].sum()),
        "buyers": float(buyers),
        "orders": float(book.orders),
        "gmv": gmv,
        "spend": spend,
        "roas": ratio(gmv, spend),
        "roi": ratio(margin_gmv - spend, spend),
        "cac": ratio(spend, buyers),
        "repurchase_rate": ratio(repeat, buyers),
        "ugc_share": ratio(consumer_posts, len(model.posts)),
        "negative_sentiment": book.negative_sentiment,
        "platform_dependence": float(shares.max()) if total_orders else 0.0,
        "platform_hhi": float((shares**2).sum()) if total_orders else 0.0,
        "members": float(members),
        "referred_members": float(referred),
        "fission": ratio(referred, members - referred),
        "cost_per_member": ratio(spend_by_channel.get("community", 0.0), members),
        "engagement_rate_targeted": ratio(book.engagements_by_circle[targeted].sum(),
                                          book.exposures_by_circle[targeted].sum()),
        "profit": margin_gmv,
        "breakout": ratio(breakout_buyers, buyers),
        "daily_engagements": float(book.daily_engagements),
        "daily_orders": float(book.daily_orders),
        "daily_exposures": float(book.daily_exposures),
    }
    for i, name in enumerate(STAGES):
        kpis[f"stage_{name}"] = float(stage_counts[i])
    for ch, v in spend_by_channel.items():
        kpis[f"spend_{ch}"] = float(v)
    for p in model.platforms:
        kpis[f"orders_{p.name}"] = float(platform_orders[p.index])
        kpis[f"organic_{p.name}"] = float(p.delivered_organic)
    reached_by = getattr(model, "reached_by", None)
    if reached_by is not None:
        counts = [np.count_nonzero(reached_by[:, c]) for c in range(reached_by.shape[1])]
        for ch, count in zip(model.channels, counts):
            kpis[f"reach_{ch}"] = float(count)
        kpis["reach_creators"] = float(np.count_nonzero(model.reached_by_creator))
    if len(model.retailers) > 1:
        total = book.orders_by_retailer.sum()
        for ret in model.retailers:
            kpis[f"{ret.name}_orders"] = float(book.orders_by_retailer[ret.index])
            kpis[f"{ret.name}_gmv"] = float(book.gmv[ret.index])
            kpis[f"{ret.name}_share"] = ratio(book.orders_by_retailer[ret.index], total)
            kpis[f"{ret.name}_price"] = float(ret.price)
    return kpis


def read_kpi(model: "SocialCommerceModel", key: str) -> float:
    """Reporter body: one KPI from the step's snapshot ``model.kpis``."""
    return model.kpis[key]


def model_reporters(names: list[str]) -> dict[str, Any]:
    """DataCollector model reporters (picklable partials) reading the step's KPI snapshot."""
    return {name: partial(read_kpi, key=name) for name in names}


__all__ = ["KPI_DEFINITIONS", "MetricsBook", "compute_kpis", "model_reporters", "ratio"]
