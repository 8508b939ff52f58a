"""Store agents: one physical store of a retailer, with its neighbourhood and its community.

A store is a Mesa agent because there are few of them and users inspect them one by one (the
workshop page, per-store tables). Its consumer-side state (each consumer's distance to the store,
membership of its community) lives in arrays; the daily funnel is drawn by
:mod:`sim.engine.stores` over all consumers at once.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.retail import StoreSection


class Store(mesa.Agent):
    """Store ``name`` of retailer ``retailer`` (index ``index`` among that retailer's stores).

    Attributes:
        km: float32 array, each consumer's distance to the store (km, ≥ 0).
        capacity: visits a day the store can serve (≥ 1, scaled to the simulated market).
        visits, redemptions, offers, orders, gmv, posts_planned, posts_delivered: cumulative
            counters (gmv in yuan); ``visits_today`` is today's visits (≤ capacity).
    """

    def __init__(self, model: mesa.Model, retailer: int, index: int, name: str,
                 cfg: StoreSection, km: np.ndarray, scale: float) -> None:
        super().__init__(model)
        self.retailer = retailer
        self.index = index
        self.name = name
        self.cfg = cfg
        self.km = km
        self.capacity = max(1, int(round(cfg.capacity * scale)))
        self.visits = self.redemptions = self.offers = self.orders = 0
        self.walkins = self.posts_delivered = 0
        self.posts_planned = 0.0
        self.gmv = 0.0
        self.staff_cost = 0.0
        self.visits_today = 0

    def is_open(self, day: int) -> bool:
        return day >= self.cfg.opening_day

    def row(self, members: int) -> dict[str, float | str | int]:
        """The store's line of the per-store table (cumulative)."""
        return {
            "store": self.name, "opening_day": self.cfg.opening_day, "capacity": self.capacity,
            "members": members, "posts_planned": self.posts_planned,
            "posts_delivered": self.posts_delivered, "offers": self.offers,
            "visits": self.visits, "walkins": self.walkins, "redemptions": self.redemptions,
            "redemption_rate": self.redemptions / self.offers if self.offers else float("nan"),
            "orders": self.orders, "gmv": self.gmv, "staff_cost": self.staff_cost,
        }
