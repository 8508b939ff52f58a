"""Distributors: recruitment, posting into their circles, selling, rebates, churn, conflict.

A retailer with a ``[distributors]`` section recruits distributors among its buyers and
community members. Every day (docs/retail.md for the parameters):

1. **Recruitment** (days 1..``drive_days``): ``direct_per_day`` (scaled, Poisson) direct
   recruits, ``direct_cost`` yuan each; each active distributor recruits one random tie who is
   a buyer or member with ``referral_prob``, for a ``referral_reward`` (plus ``team_bonus`` at its
   third referral). All of it is booked on the ``distributors`` budget line; a recruit the line
   cannot pay for is not made.
2. **Posting.** An active distributor posts with ``activity · (1 + activity_elasticity ·
   earnings_30d / earnings_reference)`` (≤ 1); a post reaches its graph ties (their trust) and
   ``circle_reach`` random consumers of its circle (weak-tie trust).
3. **Selling.** A reached consumer with a session who has not bought from the retailer today
   buys from the distributor with ``sell_prob · need · trust · (1 + price_elasticity · cut) ·
   (1 − negative_block · negative)``; one order per consumer a day. An undercutting distributor
   sells at list × (1 − ``undercut_depth``).
4. **Commission.** The rate of the distributor's rebate step (``tiers``, by its sales over the
   last 30 days) × the sale price is due to it, outside the budget, and lowers gross profit.
5. **Reviews.** Weekly, ``price_discipline`` is the probability an undercutter is caught and
   brought back to list price; every 30 days a distributor whose 30-day earnings are below
   ``min_earnings`` quits with ``churn_prob``.

``channel_conflict`` = distributor orders sold below list price / distributor orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine.agents.distributor import Distributor
from sim.world.population import CUSTOMER

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context

WINDOW = 30
"""Days of the rolling sales and earnings windows (rebate steps, activity, churn)."""


class DistributorLayer:
    """The distributors of one retailer, as arrays over recruitment slots."""

    def __init__(self, ctx: "Context", model: mesa.Model, ret: "Retailer",
                 rng: np.random.Generator) -> None:
        """``model`` only registers the :class:`Distributor` agents (views)."""
        self.model, self.ctx, self.ret, self.rng = model, ctx, ret, rng
        self.cfg = cfg = ret.cfg.distributors
        cap = cfg.max_distributors
        self.n = 0
        self.row = np.zeros(cap, dtype=np.int64)
        self.active = np.zeros(cap, dtype=bool)
        self.cut = np.zeros(cap)
        self.referrals = np.zeros(cap, dtype=np.int32)
        self.sales_hist = np.zeros((WINDOW, cap))
        self.earn_hist = np.zeros((WINDOW, cap))
        self.is_distributor = np.zeros(self.ctx.population.n, dtype=bool)
        steps = np.array([t[0] for t in cfg.tiers])
        self._steps, self._rates = steps, np.array([t[1] for t in cfg.tiers])
        self.quit = 0
        self.agents: list[Distributor] = []

    def rates(self) -> np.ndarray:
        """Commission rate of every slot, from its sales over the last 30 days."""
        sales = self.sales_hist[:, : self.n].sum(axis=0)
        return self._rates[np.searchsorted(self._steps, sales, side="right") - 1]

    # ------------------------------------------------------------------ day
    def day(self, day: int) -> None:
        slot = day % WINDOW
        self.sales_hist[slot] = 0.0
        self.earn_hist[slot] = 0.0
        if day <= self.cfg.drive_days:
            self._recruit_direct()
            self._recruit_referral()
        self._sell(slot)
        if day % 7 == 0 and self.cfg.price_discipline > 0:
            check = self.rng.random(self.n) < self.cfg.price_discipline
            caught = (self.cut[: self.n] > 0) & check
            self.cut[: self.n][caught] = 0.0
        if day % WINDOW == 0:
            earned = self.earn_hist[:, : self.n].sum(axis=0)
            low = self.active[: self.n] & (earned < self.cfg.min_earnings)
            leave = low & (self.rng.random(self.n) < self.cfg.churn_prob)
            self.active[: self.n][leave] = False
            self.quit += int(np.count_nonzero(leave))

    def _candidates(self) -> np.ndarray:
        pop, r = self.ctx.population, self.ret.index
        ok = ((pop.stage[:, r] >= CUSTOMER) | pop.member[:, r]) & ~self.is_distributor
        return ok

    def _pay(self, count: int, each: float) -> int:
        """How many of ``count`` recruits at ``each`` yuan the line pays; booked."""
        if each <= 0:
            return count
        k = min(count, int(self.ret.lines.get("distributors", 0.0) // each))
        self.ret.book("distributors", k * each)
        return k

    def _add(self, rows: np.ndarray) -> None:
        rows = rows[: len(self.row) - self.n]
        k = len(rows)
        sl = slice(self.n, self.n + k)
        self.row[sl] = rows
        self.active[sl] = True
        undercut = self.rng.random(k) < self.cfg.undercut_share
        self.cut[sl] = np.where(undercut, self.cfg.undercut_depth, 0.0)
        self.is_distributor[rows] = True
        self.agents.extend(Distributor(self, s) for s in range(self.n, self.n + k))
        self.n += k

    def _recruit_direct(self) -> None:
        k = int(self.rng.poisson(self.cfg.direct_per_day * self.ctx.money_scale))
        pool = np.flatnonzero(self._candidates())
        k = self._pay(min(k, len(pool), len(self.row) - self.n), self.cfg.direct_cost)
        if k:
            self._add(self.rng.choice(pool, size=k, replace=False))

    def _recruit_referral(self) -> None:
        g = self.ctx.graph
        act = np.flatnonzero(self.active[: self.n])
        if g is None or len(act) == 0 or self.cfg.referral_prob <= 0:
            return
        who = act[self.rng.random(len(act)) < self.cfg.referral_prob]
        who = who[g.degree[self.row[who]] > 0]
        rows = self.row[who]
        pick = g.indptr[rows] + (self.rng.random(len(who)) * g.degree[rows]).astype(np.int64)
        friend = g.indices[pick].astype(np.int64)
        ok = self._candidates()[friend]
        who, friend = who[ok], friend[ok]
        _, first = np.unique(friend, return_index=True)
        who, friend = who[np.sort(first)], friend[np.sort(first)]
        k = self._pay(min(len(friend), len(self.row) - self.n), self.cfg.referral_reward)
        who, friend = who[:k], friend[:k]
        self.referrals[who] += 1
        bonus = who[self.referrals[who] == 3]
        self._pay(len(bonus), self.cfg.team_bonus)
        self._add(friend)

    def _reach(self, posters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reached consumers, poster slot of each, trust of each) of today's posts."""
        ctx, g = self.ctx, self.ctx.graph
        rows = self.row[posters]
        parts_c, parts_s, parts_t = [], [], []
        if g is not None:
            deg = g.degree[rows].astype(np.int64)
            start = np.repeat(g.indptr[rows], deg)
            offset = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg)
            parts_c.append(g.indices[start + offset].astype(np.int64))
            parts_s.append(np.repeat(posters, deg))
            parts_t.append(g.trust[start + offset].astype(float))
        k = self.cfg.circle_reach
        if k:
            circle = ctx.population.circle[rows]
            starts, order = ctx.world.circle_starts, ctx.world.circle_order
            lo, hi = starts[circle], starts[circle + 1]
            u = self.rng.random((len(rows), k))
            pos = lo[:, None] + (u * (hi - lo)[:, None]).astype(np.int64)
            parts_c.append(order[pos.ravel()].astype(np.int64))
            parts_s.append(np.repeat(posters, k))
            parts_t.append(np.full(len(rows) * k, ctx.config.graph.trust_weak))
        return np.concatenate(parts_c), np.concatenate(parts_s), np.concatenate(parts_t)

    def _sell(self, slot: int) -> None:
        from sim.engine.retail import book_orders

        cfg, pop, r, beh = self.cfg, self.ctx.population, self.ret.index, self.ctx.beh
        act = np.flatnonzero(self.active[: self.n])
        if len(act) == 0:
            return
        earned = self.earn_hist[:, act].sum(axis=0)
        p_post = np.minimum(1.0, cfg.activity * (1.0 + cfg.activity_elasticity * earned
                                                 / cfg.earnings_reference))
        posters = act[self.rng.random(len(act)) < p_post]
        if len(posters) == 0:
            return
        who, by, trust = self._reach(posters)
        cut = self.cut[by]
        p = (cfg.sell_prob * pop.need[who] * trust * (1.0 + cfg.price_elasticity * cut)
             * (1.0 - beh.negative_block * pop.negative[who, r]) * pop.activity[who])
        buy = (self.rng.random(len(who)) < p) & ~self.ctx.retail.bought_today[r][who]
        buy &= ~self.is_distributor[who] | (self.row[by] != who)
        order = self.rng.permutation(np.flatnonzero(buy))
        _, first = np.unique(who[order], return_index=True)
        sale = np.sort(order[first])
        buyers, sellers = who[sale], by[sale]
        price = self.ret.price * (1.0 - self.cut[sellers])
        commission = self.rates()[sellers] * price
        book_orders(self.ctx, r, buyers, price, "distributor", commission)
        np.add.at(self.sales_hist[slot], sellers, price)
        np.add.at(self.earn_hist[slot], sellers, commission)
        book = self.ctx.retail.book
        book.commissions += float(commission.sum())
        book.below_list += int(np.count_nonzero(self.cut[sellers] > 0))

    # ------------------------------------------------------------------ outputs
    def kpis(self) -> dict[str, float]:
        recruited = self.n
        return {
            "distributors": int(np.count_nonzero(self.active[: self.n])),
            "distributors_recruited": recruited,
            "distributors_quit": self.quit,
        }
