"""Assist sharing (砍价/助力): friends' help unlocks a reward; asking too often annoys.

For a retailer with ``[retailers.NAME.assist]``, every campaign day from its ``start_day``,
after the day's purchases:

1. **Ask**: a consumer at or past *interested*, without a negative opinion and without an open
   request, starts one with probability ``ask_prob × (0.5 + need)`` and sends it to ``asks``
   of its ties (:func:`sim.engine.asks.sample_ties`). Each ask is an exposure for the friend
   (``wom`` channel, tie trust; :func:`sim.engine.response.respond`).
2. **Annoyance**: each ask adds ``annoyance_fatigue`` to the friend's fatigue (which dampens
   engagement and decays daily like exposure fatigue). An ask to a friend who has now had more
   than ``annoyance_threshold`` asks within 7 days (from anyone, for any retailer running
   assists) is an *annoying* ask: with ``annoyed_post_prob`` the friend turns negative about
   the retailer and posts so (:func:`sim.engine.consumer_posts.publish`).
3. **Help**: a friend helps with probability ``help_prob × trust`` (never if negative, nor when
   the ask annoyed them), on a day drawn uniformly in the request's window (``deadline_days``).
4. **Unlock**: a request with ``needed`` helps succeeds: the asker orders (at the list price)
   and the retailer pays ``reward`` yuan (booked as spend on coupons, like a coupon).
   Requests still short at the end of their window lapse.

KPIs: ``assists`` (helps), ``assist_exposures`` (asks delivered), ``assist_annoyance``
(annoying asks), ``participation_rate`` (consumers who asked or helped / N).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import asks, consumer_posts, response, sharing
from sim.engine.format_orders import book_format_orders
from sim.world.population import INTERESTED

if TYPE_CHECKING:
    from sim.engine.state import Context

WINDOW = 7
"""Days over which asks received are counted for annoyance."""


@dataclass
class AssistTally:
    assists: int = 0
    exposures: int = 0
    annoyance: int = 0
    unlocked: int = 0


class AssistDesk:
    """Assist campaigns of every retailer that runs one, the asks each consumer received over
    the last 7 days, participation and the KPI tally."""

    def __init__(self, ctx: "Context") -> None:
        n = ctx.population.n
        self.books = {r.index: asks.RequestBook(n) for r in ctx.retailers
                      if r.cfg.assist is not None}
        self.received = np.zeros((n, WINDOW), dtype=np.int32)  # asks received, by day mod 7
        self.participated = np.zeros(n, dtype=bool)
        self.tally = AssistTally()

    def day(self, ctx: "Context") -> None:
        self.received[:, ctx.day % WINDOW] = 0
        for r, book in self.books.items():
            ret = ctx.retailers[r]
            cfg = ret.cfg.assist
            if cfg is None or ctx.day < cfg.start_day or not ret.in_campaign(ctx.day):
                continue
            self._ask(ctx, r, book)
            req, rows = book.due(ctx.day)
            book.credit(req)
            self.participated[rows] = True
            self.tally.assists += len(rows)
            done, _ = book.close(ctx.day, cfg.needed, cfg.deadline_days)
            winners = book.initiator[done]
            book_format_orders(ctx, r, winners, ret.price)
            ret.book_contract("coupons", cfg.reward * len(winners))
            self.tally.unlocked += len(winners)

    def _ask(self, ctx: "Context", r: int, book: asks.RequestBook) -> None:
        pop, rng, cfg = ctx.population, ctx.rng, ctx.retailers[r].cfg.assist
        p = cfg.ask_prob * (0.5 + pop.need)
        ok = (pop.stage[:, r] >= INTERESTED) & ~pop.negative[:, r] & ~book.busy
        rows = np.flatnonzero(ok & (rng.random(pop.n) < p))
        if len(rows) == 0 or ctx.graph is None:
            return
        ids = book.open(rows, ctx.day)
        self.participated[rows] = True
        who, friends, trust = asks.sample_ties(ctx.graph, rows, cfg.asks, rng)
        res = response.respond(ctx, asks.ask_exposures(ctx, r, asks.ask_platform(ctx, r),
                                                       friends, trust))
        sharing.queue_shares(ctx, res.sharers, res.shared)
        annoyed = self._annoy(ctx, r, friends)
        p_help = np.where(pop.negative[friends, r] | annoyed, 0.0,
                          np.minimum(1.0, cfg.help_prob * trust))
        helps = rng.random(len(friends)) < p_help
        days = ctx.day + rng.integers(0, cfg.deadline_days, size=len(friends))
        book.add_answers(ids[who[helps]], friends[helps], days[helps])
        self.tally.exposures += len(friends)

    def _annoy(self, ctx: "Context", r: int, friends: np.ndarray) -> np.ndarray:
        """Book today's asks on the friends; returns which asks were annoying (step 2)."""
        pop, rng, cfg = ctx.population, ctx.rng, ctx.retailers[r].cfg.assist
        np.add.at(self.received[:, ctx.day % WINDOW], friends, 1)
        np.add.at(pop.fatigue, friends, np.float32(cfg.annoyance_fatigue))
        # the k-th ask a friend got today counts k asks (earlier ones in the week included)
        order = np.argsort(friends, kind="stable")
        sorted_f = friends[order]
        starts = np.searchsorted(sorted_f, sorted_f, side="left")
        rank = np.empty(len(friends), np.int64)
        rank[order] = np.arange(len(friends)) - starts + 1
        today = self.received[friends, ctx.day % WINDOW]
        before = self.received[friends].sum(axis=1) - today
        annoyed = before + rank > cfg.annoyance_threshold
        self.tally.annoyance += int(annoyed.sum())
        posting = np.unique(friends[annoyed & (rng.random(len(friends)) < cfg.annoyed_post_prob)])
        pop.negative[posting, r] = True
        consumer_posts.publish(ctx, r, posting, negative=True)
        return annoyed


def assist_kpis(desk: "AssistDesk | None", n: int) -> dict[str, float]:
    """The assist KPIs (sim.config.kpis.FORMAT_KPIS['assist'])."""
    if desk is None:
        return {"assists": 0, "assist_exposures": 0, "assist_annoyance": 0,
                "participation_rate": 0.0}
    t = desk.tally
    return {"assists": t.assists, "assist_exposures": t.exposures,
            "assist_annoyance": t.annoyance,
            "participation_rate": float(desk.participated.sum()) / n if n else 0.0}


__all__ = ["AssistDesk", "AssistTally", "assist_kpis"]
