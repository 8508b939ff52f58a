"""Gamification: check-ins, points and badges that raise participation and retention at a
cost, with a novelty that wears off.

For a retailer with ``[retailers.NAME.gamification]``, every campaign day from its
``start_day``, after the day's purchases:

1. **Check-in**: each customer (not churned) or community member of the retailer checks in
   with probability ``checkin_prob × activity × novelty``, where the novelty
   ``floor + (1 − floor) · exp(−days since start / novelty_days)`` starts at 1 and wears off to
   ``floor``.
2. **Participation**: a check-in is an exposure of the retailer's game content on its community
   platform (``community`` channel, the trust of a group tie, ``graph.trust_strong``): it keeps the brand in mind (stages, fatigue,
   word of mouth through :func:`sim.engine.response.respond`).
3. **Points**: each check-in costs ``point_cost`` yuan (points, badges, leaderboard prizes),
   booked as contracted spend on ``community``.
4. **Retention**: today's churn hazard of a consumer who checked in is
   ``× (1 − retention_lift)`` (:func:`sim.engine.churn.churn`).

KPIs: ``checkins`` (cumulative) and ``checkin_rate`` (today's check-ins / today's eligible
customers and members: the novelty curve).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import asks, response, sharing
from sim.world.content import KIND, Exposures
from sim.world.population import CUSTOMER

if TYPE_CHECKING:
    from sim.engine.state import Context


def novelty(days: float, novelty_days: float, floor: float) -> float:
    """Share of the check-in probability left after ``days`` of the game (1 at the start)."""
    return floor + (1.0 - floor) * math.exp(-max(0.0, days) / novelty_days)


class GamificationDesk:
    """Check-ins of every retailer running a game; today's retention multipliers."""

    def __init__(self, ctx: "Context") -> None:
        pop = ctx.population
        self.retailers = [r.index for r in ctx.retailers if r.cfg.gamification is not None]
        self.checked = np.zeros((pop.n, pop.stage.shape[1]), dtype=bool)  # today
        self.checkins = 0
        self.eligible_today = 0

    def day(self, ctx: "Context") -> None:
        pop, rng = ctx.population, ctx.rng
        self.checked[:] = False
        self.eligible_today = 0
        for r in self.retailers:
            ret = ctx.retailers[r]
            cfg = ret.cfg.gamification
            if cfg is None or ctx.day < cfg.start_day or not ret.in_campaign(ctx.day):
                continue
            eligible = ((pop.stage[:, r] >= CUSTOMER) & ~pop.churned[:, r]) | pop.member[:, r]
            p = cfg.checkin_prob * pop.activity * novelty(ctx.day - cfg.start_day,
                                                          cfg.novelty_days, cfg.floor)
            rows = np.flatnonzero(eligible & (rng.random(pop.n) < p))
            self.eligible_today += int(eligible.sum())
            self.checked[rows, r] = True
            self.checkins += len(rows)
            ret.book_contract("community", cfg.point_cost * len(rows))
            self._show(ctx, r, rows)

    @staticmethod
    def _show(ctx: "Context", r: int, rows: np.ndarray) -> None:
        """Check-ins as exposures of the game content (community channel, group-tie trust)."""
        if len(rows) == 0:
            return
        beh = ctx.beh
        post = ctx.publish(retailer=r, platform=asks.ask_platform(ctx, r),
                           channel=ctx.code["community"], kind=int(KIND["promo"]), circle=-1,
                           credibility=beh.ugc_credibility, b0=beh.b0, author=-1)
        exp = Exposures(rows.astype(np.int64), np.full(len(rows), post, np.int64),
                        np.full(len(rows), ctx.config.graph.trust_strong, np.float32),
                        np.full(len(rows), ctx.code["community"], np.int8))
        res = response.respond(ctx, exp)
        sharing.queue_shares(ctx, res.sharers, res.shared)

    def retention(self, ctx: "Context") -> np.ndarray:
        """Today's churn-hazard multipliers (N × R float64)."""
        lift = np.array([ret.cfg.gamification.retention_lift
                         if ret.cfg.gamification is not None else 0.0
                         for ret in ctx.retailers])
        return np.where(self.checked, 1.0 - lift[None, :], 1.0)


def retention(ctx: "Context") -> np.ndarray | None:
    """The gamification desk's churn multipliers for today, None without a game."""
    desk = ctx.formats.get("gamification")
    return desk.retention(ctx) if desk is not None else None


def gamification_kpis(desk: "GamificationDesk | None") -> dict[str, float]:
    """The gamification KPIs (sim.config.kpis.FORMAT_KPIS['gamification'])."""
    if desk is None:
        return {"checkins": 0, "checkin_rate": 0.0}
    today = int(desk.checked.sum())
    return {"checkins": desk.checkins,
            "checkin_rate": today / desk.eligible_today if desk.eligible_today else 0.0}


__all__ = ["GamificationDesk", "gamification_kpis", "novelty", "retention"]
