"""Membership: member levels, points, value segments and their treatments, lifetime value.

A retailer with a ``[membership]`` section runs a programme for its members (its community's
members and its stores' communities' members) from day 1 through ``end_day`` (default: the
whole run, which may be longer than the campaign). Every day while it runs (docs/retail.md):

* **Points.** Members earn ``points_per_yuan`` per yuan of every order (online, store,
  distributor), ``review_points`` for a review (``review_prob`` per order),
  ``checkin_points`` for a check-in (``checkin_prob`` a day with a session) and
  ``referral_points`` per referred new member (credited to a member tie of the new member). A member holding
  ``redeem_threshold`` points or more redeems them all with ``redeem_prob`` a day at
  ``yuan_per_point`` each (booked on the ``membership`` line); the reward lifts its repurchase
  hazard × ``reward_boost`` for ``reward_days``.
* **Levels.** Growth value = yuan spent + action points; a member's level is the highest
  ``level_thresholds`` step it reaches; its repurchase hazard is × ``level_boost`` of the level.
* **Segments**, every ``segment_every`` days: *churn-risk* = members with an order but none for
  ``churn_risk_days``; *high-value* = the top ``high_value_share`` of the others by spend over
  the period; *potential* = the rest. High-value members get exclusive offers (hazard ×
  ``exclusive_boost``, ``exclusive_cost`` yuan each per period); churn-risk members get a
  win-back coupon (``winback``): one who had stopped buying comes back with
  ``winback_return_prob``, and the coupon lifts the hazard × ``winback_boost`` for
  ``winback_days``; ``winback_value`` yuan is booked when it is used (an order in that time).
* **Costs** of ``cost_per_member_month`` yuan per member every 30 days. When the membership line
  cannot pay them the programme stops: no more points, levels or treatments, and no boost.

``ltv`` = Σ over members' orders of the gross margin discounted at ``discount_rate`` a year to
day 0, divided by the members the programme ever had. The boosts act through the funnel's
repurchase hazard (:func:`sim.engine.funnel.repurchase_probability`); no Python loop over
consumers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.metrics import ratio

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context

NONE, HIGH, POTENTIAL, RISK = 0, 1, 2, 3
"""Value segment codes (NONE: not a member)."""


class Programme:
    """The membership programme of one retailer (consumer state as arrays)."""

    def __init__(self, ctx: "Context", ret: "Retailer", rng: np.random.Generator) -> None:
        self.ctx, self.ret, self.rng = ctx, ret, rng
        self.cfg = cfg = ret.cfg.membership
        n = self.ctx.population.n
        self.end_day = cfg.end_day or self.ctx.config.run.days
        self.running = True
        self.points = np.zeros(n)
        self.growth = np.zeros(n)
        self.level = np.zeros(n, dtype=np.int8)
        self.spend = np.zeros(n)  # yuan since the last segmentation
        self.last_order = np.full(n, -1, dtype=np.int32)
        self.segment = np.zeros(n, dtype=np.int8)
        self.reward_until = np.zeros(n, dtype=np.int32)
        self.winback_until = np.zeros(n, dtype=np.int32)
        self.winback_open = np.zeros(n, dtype=bool)  # coupon sent, not used yet
        self.ever_member = np.zeros(n, dtype=bool)
        self.ever_risk = np.zeros(n, dtype=bool)
        self._referred_seen = np.zeros(n, dtype=bool)
        self._boost = np.array(cfg.level_boost, dtype=np.float32)
        self._thresholds = np.array(cfg.level_thresholds)
        self.points_issued = self.points_redeemed = 0.0
        self.winback_sent = self.won_back = 0
        self.discounted_margin = 0.0

    def _members(self, rows: np.ndarray | None = None) -> np.ndarray:
        from sim.engine.retail import is_member

        rows = np.arange(self.ctx.population.n) if rows is None else rows
        return is_member(self.ctx, self.ret.index, rows)

    def active(self, day: int) -> bool:
        return self.running and day <= self.end_day

    # ------------------------------------------------------------------ hooks
    def boost(self, day: int) -> np.ndarray | None:
        """Per-consumer repurchase-hazard multiplier today (None when the programme is off)."""
        if not self.active(day):
            return None
        cfg = self.cfg
        b = self._boost[self.level]
        b = b * np.where(self.reward_until >= day, cfg.reward_boost, 1.0)
        b = b * np.where(self.segment == HIGH, cfg.exclusive_boost, 1.0)
        b = b * np.where(self.winback_until >= day, cfg.winback_boost, 1.0)
        return np.where(self._members(), b, 1.0).astype(np.float32)

    def spend_today(self, rows: np.ndarray, price: float | np.ndarray) -> None:
        """Book today's orders of consumers ``rows`` at ``price`` yuan (scalar or per order)."""
        day = self.ctx.day
        if not self.active(day) or len(rows) == 0:
            return
        prices = np.broadcast_to(np.asarray(price, dtype=float), (len(rows),))
        keep = self._members(rows)
        rows, prices = rows[keep], prices[keep]
        if len(rows) == 0:
            return
        cfg = self.cfg
        earned = prices * cfg.points_per_yuan
        earned = earned + np.where(self.rng.random(len(rows)) < cfg.review_prob,
                                   cfg.review_points, 0.0)
        np.add.at(self.points, rows, earned)
        np.add.at(self.growth, rows, prices + earned - prices * cfg.points_per_yuan)
        np.add.at(self.spend, rows, prices)
        self.points_issued += float(earned.sum())
        self.last_order[rows] = day
        margin = prices - self.ret.unit_cost
        self.discounted_margin += float(margin.sum()) * (1.0 + cfg.discount_rate) ** (-day / 365)
        used = rows[self.winback_open[rows] & (self.winback_until[rows] >= day)]
        used = used[: int(self.ret.lines.get("membership", 0.0) // max(cfg.winback_value, 1e-9))]
        self.ret.book("membership", len(used) * cfg.winback_value)
        self.winback_open[used] = False
        self.won_back += len(used)

    def day(self, day: int) -> None:
        """Costs, check-ins, levels, redemptions and (periodically) segments and treatments."""
        if not self.active(day):
            return
        cfg, rng, pop = self.cfg, self.rng, self.ctx.population
        members = self._members()
        self.ever_member |= members
        if day % 30 == 0:
            cost = cfg.cost_per_member_month * int(np.count_nonzero(members))
            if not self.ret.book("membership", cost):
                self.running = False
                self.segment[:] = NONE
                return
        rows = np.flatnonzero(members)
        checkin = rows[rng.random(len(rows)) < cfg.checkin_prob * pop.activity[rows]]
        self.points[checkin] += cfg.checkin_points
        self.growth[checkin] += cfg.checkin_points
        self.points_issued += len(checkin) * cfg.checkin_points
        self._referral_points(members)
        self.level[rows] = np.searchsorted(self._thresholds, self.growth[rows], side="right") - 1
        self._redeem(rows, day)
        if day % cfg.segment_every == 0:
            self._segment(rows, day)

    def _referral_points(self, members: np.ndarray) -> None:
        """``referral_points`` for each member who joined through a referral since yesterday,
        credited to one of its ties who is a member (the community does not record who invited
        whom, so a random member tie stands for the inviter)."""
        referred = self.ctx.population.referred[:, self.ret.index]
        new = np.flatnonzero(referred & ~self._referred_seen)
        self._referred_seen |= referred
        g = self.ctx.graph
        if self.cfg.referral_points <= 0 or len(new) == 0 or g is None:
            return
        new = new[g.degree[new] > 0]
        pick = g.indptr[new] + (self.rng.random(len(new)) * g.degree[new]).astype(np.int64)
        inviter = g.indices[pick].astype(np.int64)
        inviter = inviter[members[inviter]]
        np.add.at(self.points, inviter, self.cfg.referral_points)
        np.add.at(self.growth, inviter, self.cfg.referral_points)
        self.points_issued += len(inviter) * self.cfg.referral_points

    def _redeem(self, rows: np.ndarray, day: int) -> None:
        cfg = self.cfg
        ready = rows[self.points[rows] >= cfg.redeem_threshold]
        ready = ready[self.rng.random(len(ready)) < cfg.redeem_prob]
        cost = self.points[ready] * cfg.yuan_per_point
        afford = int(np.searchsorted(np.cumsum(cost), self.ret.lines.get("membership", 0.0),
                                     side="right"))
        ready, cost = ready[:afford], cost[:afford]
        if len(ready) and self.ret.book("membership", float(cost.sum())):
            self.points_redeemed += float(self.points[ready].sum())
            self.points[ready] = 0.0
            self.reward_until[ready] = day + self.cfg.reward_days

    def _segment(self, rows: np.ndarray, day: int) -> None:
        """Recompute value segments of members ``rows`` and apply the treatments."""
        cfg, pop, r = self.cfg, self.ctx.population, self.ret.index
        self.segment[:] = NONE
        risk = (self.last_order[rows] >= 0) & (day - self.last_order[rows] > cfg.churn_risk_days)
        self.segment[rows] = np.where(risk, RISK, POTENTIAL)
        others = rows[~risk & (self.spend[rows] > 0)]
        k = int(round(cfg.high_value_share * len(others)))
        if k:
            top = others[np.argsort(-self.spend[others], kind="stable")[:k]]
            line = self.ret.lines.get("membership", 0.0)
            paid = min(k, int(line // max(cfg.exclusive_cost, 1e-9)))
            self.ret.book("membership", paid * cfg.exclusive_cost)
            self.segment[top[:paid]] = HIGH
        self.spend[:] = 0.0
        at_risk = rows[risk]
        self.ever_risk[at_risk] = True
        if cfg.winback:
            send = at_risk[self.winback_until[at_risk] < day]
            self.winback_until[send] = day + cfg.winback_days
            self.winback_open[send] = True
            self.winback_sent += len(send)
            returns = self.rng.random(len(send)) < cfg.winback_return_prob
            back = send[pop.churned[send, r] & returns]
            pop.churned[back, r] = False

    # ------------------------------------------------------------------ outputs
    def kpis(self) -> dict[str, float]:
        members = self._members()
        r = self.ret.index
        out = {
            "points_issued": self.points_issued,
            "points_redeemed": self.points_redeemed,
            "programme_members": int(np.count_nonzero(members)),
            "churn_risk_members": int(np.count_nonzero(members & (self.segment == RISK))),
            "high_value_members": int(np.count_nonzero(members & (self.segment == HIGH))),
            "winback_sent": self.winback_sent,
            "churned_among_risk": ratio(
                np.count_nonzero(self.ever_risk & self.ctx.population.churned[:, r]),
                np.count_nonzero(self.ever_risk)),
            "_won_back": self.won_back,
            "_members_ever": int(np.count_nonzero(self.ever_member)),
            "_discounted_margin": self.discounted_margin,
        }
        counts = np.bincount(self.level[members], minlength=len(self.cfg.level_names))
        for name, c in zip(self.cfg.level_names, counts.tolist()):
            out[f"members_by_level_{name}"] = c
        return out
