"""The retail systems' hook in the daily step, their order book and their KPIs (docs/retail.md).

A scenario whose retailers have ``stores``, ``distributors`` or ``membership`` gets a
:class:`RetailSystems` object (``ctx.retail``); the day calls it at three points:

1. :meth:`RetailSystems.repurchase_boosts` before the online purchases: per retailer, a
   per-consumer multiplier on the repurchase hazard (member levels, rewards, treatments);
2. :meth:`RetailSystems.before_purchases` snapshots the order counts;
3. :meth:`RetailSystems.after_purchases` books today's online orders in the retail counters,
   then runs the stores' funnel, the distributors and the membership programme, in that order.

Orders sold in stores and by distributors are booked by :func:`book_orders`: on the consumers
(order counts, funnel stage), in the ledger (orders, GMV, gross profit) and in the
retail counters (per sales channel, and the part bought by members). A scenario without these
sections never builds this object, so its results are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.retail import retail_shape
from sim.engine.funnel import Purchases, record_orders
from sim.engine.metrics import ratio

if TYPE_CHECKING:
    from sim.engine.state import Context

SALES_CHANNELS = ("online", "store", "distributor")


@dataclass
class RetailBook:
    """Cumulative retail counters, summed over retailers (yuan unless stated)."""

    gmv: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SALES_CHANNELS, 0.0))
    orders: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SALES_CHANNELS, 0))
    member_gmv: float = 0.0
    commissions: float = 0.0  # commissions due to distributors (outside the budget)
    below_list: int = 0  # distributor orders sold below list price


def is_member(ctx: "Context", r: int, rows: np.ndarray) -> np.ndarray:
    """Whether consumers ``rows`` are members of retailer ``r``: of its online community or of
    one of its stores' communities."""
    member = ctx.population.member[rows, r].copy()
    retail = ctx.retail
    if retail is not None and r in retail.stores:
        member |= retail.stores[r].store_of[rows] >= 0
    return member


def book_orders(ctx: "Context", r: int, rows: np.ndarray,
                price: float | np.ndarray, channel: str, cost: float | np.ndarray = 0.0) -> None:
    """Book one order per consumer ``rows`` (distinct) of retailer ``r`` at ``price`` yuan (a
    scalar or one per order) sold through ``channel`` ('store' or 'distributor'); ``cost`` is
    extra yuan per order borne by the retailer outside its budget (a distributor's
    commission), deducted from gross profit."""
    if len(rows) == 0:
        return
    ret, retail = ctx.retailers[r], ctx.retail
    record_orders(ctx.population, Purchases(r, rows, np.ones(len(rows), bool),
                                            np.zeros(len(rows), bool)))
    n = len(rows)
    prices = np.broadcast_to(np.asarray(price, dtype=float), (n,))
    total = float(prices.sum())
    ctx.ledger.book_priced_orders(r, prices, ret.unit_cost, cost)
    retail.book.gmv[channel] += total
    retail.book.orders[channel] += n
    retail.book.member_gmv += float(prices[is_member(ctx, r, rows)].sum())
    retail.bought_today[r][rows] = True
    if retail.membership.get(r) is not None:
        retail.membership[r].spend_today(rows, prices)


class RetailSystems:
    """Stores, distributors and membership of every retailer that has them."""

    def __init__(self, ctx: "Context", model: mesa.Model) -> None:
        """``model`` registers the store and distributor agents and seeds the retail random
        streams (spawned from ``model.rng``: independent of the other streams)."""
        from sim.engine.distributors import DistributorLayer
        from sim.engine.membership import Programme
        from sim.engine.stores import StoreNetwork

        self.ctx = ctx
        self.book = RetailBook()
        self.shape = retail_shape(ctx.config.retailers)
        n, n_ret = ctx.population.n, len(ctx.retailers)
        store_rng, dist_rng, member_rng = model.rng.spawn(3)
        self._before = np.zeros((n, n_ret), dtype=np.int32)
        self.bought_today = [np.zeros(n, dtype=bool) for _ in range(n_ret)]
        self.stores: dict[int, StoreNetwork] = {}
        self.distributors: dict[int, DistributorLayer] = {}
        self.membership: dict[int, Programme] = {}
        for ret in ctx.retailers:
            cfg, r = ret.cfg, ret.index
            if cfg.stores:
                self.stores[r] = StoreNetwork(ctx, model, ret, store_rng)
            if cfg.distributors is not None:
                self.distributors[r] = DistributorLayer(ctx, model, ret, dist_rng)
            if cfg.membership is not None:
                self.membership[r] = Programme(ctx, ret, member_rng)


    # ------------------------------------------------------------------ hooks
    def repurchase_boosts(self) -> list[np.ndarray | None]:
        """Per retailer, the per-consumer repurchase-hazard multiplier of its membership
        programme today (None: no programme, or it has ended)."""
        day = self.ctx.day
        return [self.membership[r].boost(day) if r in self.membership else None
                for r in range(len(self.ctx.retailers))]

    def before_purchases(self) -> None:
        np.copyto(self._before, self.ctx.population.orders)
        for flags in self.bought_today:
            flags[:] = False

    def after_purchases(self, day: int) -> None:
        """Book today's online orders, then run stores, distributors and membership."""
        ctx = self.ctx
        for ret in ctx.retailers:
            r = ret.index
            rows = np.flatnonzero(ctx.population.orders[:, r] > self._before[:, r])
            self.bought_today[r][rows] = True
            values = ctx.ledger.basket_values(r, rows, ret.price)  # units × price per order
            self.book.gmv["online"] += float(values.sum())
            self.book.orders["online"] += len(rows)
            self.book.member_gmv += float(values[is_member(ctx, r, rows)].sum())
            if r in self.membership:
                self.membership[r].spend_today(rows, values)
        for net in self.stores.values():
            net.day(day)
        for layer in self.distributors.values():
            layer.day(day)
        for prog in self.membership.values():
            prog.day(day)

    # ------------------------------------------------------------------ outputs
    def kpis(self) -> dict[str, float]:
        """The retail KPIs present in this scenario (docs/kpis.md)."""
        b = self.book
        total = sum(b.gmv.values())
        out = {"online_gmv": b.gmv["online"], "member_revenue_share": ratio(b.member_gmv, total)}
        if self.stores:
            out |= _sum_dicts(net.kpis() for net in self.stores.values())
            out["redemption_rate"] = ratio(out["redemptions"], out["offers_received"])
            out["store_gmv"] = b.gmv["store"]
        if self.distributors:
            out |= _sum_dicts(layer.kpis() for layer in self.distributors.values())
            out["distributor_gmv"] = b.gmv["distributor"]
            out["distributor_gmv_share"] = ratio(b.gmv["distributor"], total)
            out["commissions"] = b.commissions
            out["channel_conflict"] = ratio(b.below_list, b.orders["distributor"])
            out["distributor_churn"] = ratio(out["distributors_quit"],
                                             out["distributors_recruited"])
        if self.membership:
            out |= _sum_dicts(prog.kpis() for prog in self.membership.values())
            n_members = out.pop("_members_ever")
            out["ltv"] = ratio(out.pop("_discounted_margin"), n_members)
            out["churn_risk_share"] = ratio(out["churn_risk_members"], out["programme_members"])
            out["winback_rate"] = ratio(out.pop("_won_back"), out["winback_sent"])
        return out

    def tables(self) -> dict[str, list[dict]]:
        """Per-store rows (``stores``) and per-level member counts, for ``--out``."""
        out: dict[str, list[dict]] = {}
        if self.stores:
            out["stores"] = [row for net in self.stores.values() for row in net.table()]
        return out


def _sum_dicts(parts) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, 0.0) + float(v)
    return out
