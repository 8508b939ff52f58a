"""The ledger: every yuan spent and every order booked, in one place.

Spend is booked per retailer × channel (yuan, already scaled to the simulated market) by the
retailers' budget lines (:meth:`sim.engine.agents.retailer.Retailer.book`), orders by the
purchases mechanism (:mod:`sim.engine.purchases`). The KPIs (:mod:`sim.engine.metrics`), the
attribution table and the retailers' weekly re-allocation read it.

Sums are plain Python float additions in booking order, so totals do not depend on how the
ledger is read.
"""

from __future__ import annotations

import numpy as np


class Ledger:
    """Spend and orders of one run.

    Args:
        n_retailers: retailers R (1 in the reference modes, which have none).
        channels: channel names, in channel-code order (creator tiers first).
        spend_channels: channels money can be booked on (tiers, then ads, coupons, community).

    Attributes (cumulative from day 1 unless named daily/week):
        spent: per retailer, yuan per spend channel.
        week_spend: per retailer, yuan per spend channel since the last weekly review.
        orders, daily_orders: orders over all retailers; units: units in them.
        orders_by_retailer: int64 R.
        gmv, profit: float64 R, yuan (Σ price; Σ price − unit cost).
        orders_by_platform: int64 per platform of the buyer's last touch.
        first_touch_orders, last_touch_orders: int64 R × channels.
        week_last_touch: int64 R × channels, orders per channel of the last engagement this week.
        week_coupon_orders: int64 R, orders that redeemed a coupon this week.
    """

    def __init__(self, n_retailers: int, channels: list[str], spend_channels: list[str],
                 n_platforms: int) -> None:
        self.channels = list(channels)
        self.spend_channels = list(spend_channels)
        self.spent = [{ch: 0.0 for ch in spend_channels} for _ in range(n_retailers)]
        self.week_spend = [{ch: 0.0 for ch in spend_channels} for _ in range(n_retailers)]
        self.orders = 0
        self.daily_orders = 0
        self.units = 0
        # today's online orders per retailer: (buyer rows, yuan per order)
        self.baskets: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.orders_by_retailer = np.zeros(n_retailers, dtype=np.int64)
        self.gmv = np.zeros(n_retailers)
        self.profit = np.zeros(n_retailers)
        self.orders_by_platform = np.zeros(n_platforms, dtype=np.int64)
        self.first_touch_orders = np.zeros((n_retailers, len(channels)), dtype=np.int64)
        self.last_touch_orders = np.zeros((n_retailers, len(channels)), dtype=np.int64)
        self.week_last_touch = np.zeros((n_retailers, len(channels)), dtype=np.int64)
        self.week_coupon_orders = np.zeros(n_retailers, dtype=np.int64)

    def start_day(self) -> None:
        self.daily_orders = 0
        self.baskets = {}

    # ------------------------------------------------------------------ spend
    def book_spend(self, retailer: int, channel: str, amount: float) -> None:
        """Book ``amount`` yuan (≥ 0) of ``retailer`` on ``channel``."""
        self.spent[retailer][channel] += amount
        self.week_spend[retailer][channel] += amount

    def spend_by_channel(self) -> dict[str, float]:
        """Yuan per spend channel, summed over retailers."""
        return {ch: sum(s.get(ch, 0.0) for s in self.spent) for ch in self.spend_channels}

    def total_spent(self, retailer: int) -> float:
        return sum(self.spent[retailer].values())

    # ----------------------------------------------------------------- orders
    def book_orders(self, retailer: int, count: int, price: float, unit_cost: float,
                    units: int | None = None) -> None:
        """Book ``count`` orders of ``retailer`` holding ``units`` units in all (default one
        each) at ``price`` yuan per unit (unit cost ``unit_cost``)."""
        units = count if units is None else units
        self.orders += count
        self.daily_orders += count
        self.units += units
        self.orders_by_retailer[retailer] += count
        self.gmv[retailer] += units * price
        self.profit[retailer] += units * (price - unit_cost)

    def book_priced_orders(self, retailer: int, prices: np.ndarray, unit_cost: float,
                           extra_cost: np.ndarray | float = 0.0) -> None:
        """Book one order per entry of ``prices`` (yuan) of ``retailer``; ``extra_cost`` (yuan
        per order, e.g. a distributor's commission) is deducted from gross profit."""
        count, total = len(prices), float(np.sum(prices))
        self.orders += count
        self.daily_orders += count
        self.units += count  # a store ticket or a distributor's order: one basket
        self.orders_by_retailer[retailer] += count
        self.gmv[retailer] += total
        self.profit[retailer] += (total - count * unit_cost
                                  - float(np.sum(np.broadcast_to(extra_cost, (count,)))))

    def basket_values(self, retailer: int, rows: np.ndarray, price: float) -> np.ndarray:
        """Yuan of today's online order of each of ``rows`` with ``retailer`` (``price`` for a
        row without a recorded basket)."""
        got = self.baskets.get(retailer)
        out = np.full(len(rows), float(price))
        if got is None or len(rows) == 0:
            return out
        brows, values = got
        order = np.argsort(brows, kind="stable")
        pos = np.clip(np.searchsorted(brows[order], rows), 0, len(brows) - 1)
        hit = brows[order][pos] == rows
        out[hit] = values[order][pos[hit]]
        return out

    def book_adoptions(self, count: int) -> None:
        """Book ``count`` first orders without a retailer (the Bass reference mode)."""
        self.orders += count
        self.daily_orders += count

    def weekly_returns(self, retailer: int) -> dict[str, float]:
        """Last-click orders per yuan over the past week, per channel with spend (coupons:
        orders that redeemed a coupon); then the week's counters restart.

        Orders are credited to the channel of the buyer's last engagement, as ad platforms
        report conversions; exposures that were merely seen earn no credit here.
        """
        out = {}
        for ch, spent in self.week_spend[retailer].items():
            if spent <= 0 or (ch != "coupons" and ch not in self.channels):
                continue  # nothing spent, or a retail line (no touches are credited to it)
            orders = (self.week_coupon_orders[retailer] if ch == "coupons"
                      else self.week_last_touch[retailer, self.channels.index(ch)])
            out[ch] = orders / spent
        self.week_last_touch[retailer] = 0
        self.week_coupon_orders[retailer] = 0
        self.week_spend[retailer] = {ch: 0.0 for ch in self.week_spend[retailer]}
        return out


__all__ = ["Ledger"]
