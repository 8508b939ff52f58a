"""Stores and online-to-offline: the community-to-store funnel of a retailer's stores.

Every day, for each open store of the retailer (docs/retail.md for the parameters):

1. **Community work.** Staff hours pay for posts: planned posts = ``staff_hours /
   hours_per_post``; delivered posts ~ Poisson(planned × ``fidelity``). Staff cost
   (``staff_hours × staff_wage`` yuan, scaled) is booked on the ``stores`` line; when the line
   cannot pay, the store runs no community work that day (walk-ins continue).
2. **Joining.** Engaged consumers of the store's circles join its community online with
   ``lead_join_prob`` a day; visitors join with ``join_prob`` (below). A consumer belongs to at
   most one store community.
3. **Offers.** A member with a session today gets an offer with probability
   ``1 − (1 − offer_reach)^posts delivered``.
4. **Visit.** An offered member visits with ``visit_prob · exp(−km / distance_km) ·
   min(1, open_hours / waking_hours)``, where km is the distance to its own store (to the
   nearest open store with ``shared_benefits``, where it then redeems).
5. **Walk-ins.** Every consumer walks in with ``walkin_prob · exp(−km / distance_km) · hours
   friction`` (× ``member_visit_lift`` for the store's members). One store visit a day at most.
6. **Capacity.** A store serves at most ``capacity`` visits a day; beyond it, a random subset.
7. **Redemption and purchase.** An offer visit redeems with ``redemption_quality`` (the
   discount ``offer_value`` booked on the stores line; a failed or unpaid redemption falls back
   to an ordinary visit); a redemption is an order of ``ticket`` yuan, another visit an order
   with ``purchase_prob``.

``redemption_rate`` = redemptions / offers received. Nothing loops over consumers in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine.agents.store import Store
from sim.world.population import INTERESTED

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context


class StoreNetwork:
    """The stores of one retailer and their communities (``store_of``: the store community
    index of each consumer, −1 for none)."""

    def __init__(self, ctx: "Context", model: mesa.Model, ret: "Retailer",
                 rng: np.random.Generator) -> None:
        """``model`` only registers the :class:`Store` agents."""
        self.ctx, self.ret, self.rng = ctx, ret, rng
        self.cfg = ret.cfg.o2o
        pop = self.ctx.population
        self.store_of = np.full(pop.n, -1, dtype=np.int16)
        self.stores: list[Store] = []
        for s, (name, cfg) in enumerate(ret.cfg.stores.items()):
            near = np.isin(pop.circle, cfg.circles)
            km = np.where(near, rng.exponential(self.cfg.near_km, pop.n),
                          rng.gamma(4.0, self.cfg.far_km / 4.0, pop.n)).astype(np.float32)
            self.stores.append(Store(model, ret.index, s, name, cfg, km, self.ctx.money_scale))
        self.km = np.stack([st.km for st in self.stores])  # stores × consumers
        self.offers = self.redemptions = 0

    # ------------------------------------------------------------------ day
    def day(self, day: int) -> None:
        """One day of every open store (see the module docstring)."""
        open_ = [st for st in self.stores if st.is_open(day)]
        if not open_:
            return
        pop, rng = self.ctx.population, self.rng
        session = rng.random(pop.n) < pop.activity
        posts = [self._community_work(st) for st in open_]
        self._lead_joins(open_)
        offer_visit, target = self._offers(open_, posts, session)
        visited = np.zeros(pop.n, dtype=bool)
        for st in open_:
            rows, redeem = self._visitors(st, offer_visit & (target == st.index), visited)
            visited[rows] = True
            self._serve(st, rows, redeem)

    def _community_work(self, st: Store) -> int:
        """Book today's staff hours; the number of posts delivered (0 when unpaid)."""
        cfg = self.cfg
        cost = st.cfg.staff_hours * cfg.staff_wage * self.ctx.money_scale
        if st.cfg.staff_hours <= 0 or not self.ret.book("stores", cost):
            return 0
        st.staff_cost += cost
        planned = st.cfg.staff_hours / cfg.hours_per_post
        st.posts_planned += planned
        delivered = int(self.rng.poisson(planned * cfg.fidelity))
        st.posts_delivered += delivered
        return delivered

    def _lead_joins(self, open_: list[Store]) -> None:
        """Engaged consumers of a store's circles join its community online."""
        pop, r = self.ctx.population, self.ret.index
        for st in open_:
            cand = np.flatnonzero(np.isin(pop.circle, st.cfg.circles)
                                  & (pop.stage[:, r] >= INTERESTED) & (self.store_of < 0))
            joined = cand[self.rng.random(len(cand)) < self.cfg.lead_join_prob]
            self.store_of[joined] = st.index

    def _offers(self, open_: list[Store], posts: list[int],
                session: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(members visiting today on an offer, index of the store they visit)."""
        cfg, n = self.cfg, len(self.store_of)
        delivered = np.zeros(len(self.stores))
        for st, k in zip(open_, posts):
            delivered[st.index] = k
        own = np.maximum(self.store_of, 0)
        p_offer = np.where(self.store_of >= 0, 1.0 - (1.0 - cfg.offer_reach) ** delivered[own],
                           0.0)
        offered = session & (self.rng.random(n) < p_offer)
        for st in open_:
            st.offers += int(np.count_nonzero(offered & (self.store_of == st.index)))
        self.offers += int(np.count_nonzero(offered))
        target = own.astype(np.int64)
        if cfg.shared_benefits:
            idx = np.array([st.index for st in open_])
            target = idx[np.argmin(self.km[idx], axis=0)]
        km = self.km[target, np.arange(n)]
        p_visit = cfg.visit_prob * np.exp(-km / cfg.distance_km) * self._hours(target)
        visit = offered & (self.rng.random(n) < p_visit)
        open_mask = np.zeros(len(self.stores), dtype=bool)
        open_mask[[st.index for st in open_]] = True
        return visit & open_mask[target], target

    def _hours(self, target: np.ndarray | int) -> np.ndarray:
        hours = np.array([st.cfg.open_hours for st in self.stores])
        return np.minimum(1.0, hours[target] / self.cfg.waking_hours)

    def _visitors(self, st: Store, offer_visit: np.ndarray,
                  visited: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(today's visitors of ``st`` within capacity, whether each came to redeem)."""
        cfg, n = self.cfg, len(self.store_of)
        lift = np.where(self.store_of == st.index, cfg.member_visit_lift, 1.0)
        p_walk = cfg.walkin_prob * np.exp(-st.km / cfg.distance_km) * self._hours(st.index) * lift
        walk = self.rng.random(n) < p_walk
        come = (walk | offer_visit) & ~visited
        rows = np.flatnonzero(come)
        if len(rows) > st.capacity:
            rows = np.sort(self.rng.choice(rows, size=st.capacity, replace=False))
        st.visits_today = len(rows)
        st.visits += len(rows)
        redeem_intent = offer_visit[rows]
        st.walkins += int(np.count_nonzero(~redeem_intent))
        return rows, redeem_intent

    def _serve(self, st: Store, rows: np.ndarray, intent: np.ndarray) -> None:
        """Redemptions, purchases and joins of the visitors ``rows`` of store ``st``."""
        from sim.engine.retail import book_orders

        cfg, rng = self.cfg, self.rng
        u = rng.random((len(rows), 3))
        redeem = np.flatnonzero(intent & (u[:, 0] < cfg.redemption_quality))
        if cfg.offer_value > 0 and len(redeem):
            redeem = redeem[: int(self.ret.lines.get("stores", 0.0) // cfg.offer_value)]
            self.ret.book("stores", len(redeem) * cfg.offer_value)
        redeemed = np.zeros(len(rows), dtype=bool)
        redeemed[redeem] = True
        buy = redeemed | (u[:, 1] < cfg.purchase_prob)
        st.redemptions += len(redeem)
        self.redemptions += len(redeem)
        st.orders += int(np.count_nonzero(buy))
        st.gmv += float(np.count_nonzero(buy)) * cfg.ticket
        book_orders(self.ctx, self.ret.index, rows[buy], cfg.ticket, "store")
        joiners = rows[(self.store_of[rows] < 0) & (u[:, 2] < cfg.join_prob)]
        self.store_of[joiners] = st.index

    # ------------------------------------------------------------------ outputs
    def kpis(self) -> dict[str, float]:
        return {
            "store_visits": sum(st.visits for st in self.stores),
            "store_walkins": sum(st.walkins for st in self.stores),
            "redemptions": self.redemptions,
            "offers_received": self.offers,
            "store_orders": sum(st.orders for st in self.stores),
            "store_members": int(np.count_nonzero(self.store_of >= 0)),
        }

    def table(self) -> list[dict]:
        counts = np.bincount(self.store_of[self.store_of >= 0], minlength=len(self.stores))
        return [{"retailer": self.ret.name, **st.row(int(counts[st.index]))} for st in self.stores]
