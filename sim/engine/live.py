"""Live-stream selling: sessions, viewers, the traffic pool, in-session buying, followers.

A retailer's ``[[retailers.NAME.live]]`` series holds ``sessions`` sessions, the first on
``start_day`` and then every ``every_days`` days, each ``hours`` long, hosted by the brand's own
account (``self``) or a creator (a tier's most-followed creator, or a roster creator by id).
On a session day, after the day's purchases:

1. **Audience**: the host's followers — a creator's followers, or for ``self`` every consumer
   at or past *interested* for the retailer — plus consumers who followed the host in earlier
   sessions.
2. **Followers attend** with probability ``attend_prob × activity × attention to the platform
   relative to an even split`` (capped at 1). They see the session (an exposure on the
   ``live`` channel, trust ``behaviour.follower_trust``) and respond like to any post
   (:func:`sim.engine.response.respond`: stages, reach, engagement, shares for tomorrow).
3. **Traffic pool**: the platform pushes ``pool × hours × N`` non-follower viewers (expected;
   drawn ∝ attention × activity), × (1 + the platform's ``amplification_factor``) when the
   followers' engaged share clears its ``amplification_threshold`` — a lively room is pushed
   further. Pool viewers trust the stream as strangers do (``stranger_trust × follower_trust``).
4. **Watching**: each viewer arrives uniformly during the session and stays an exponential
   time with mean ``watch_minutes`` (cut at the end); the peak is the most watching at once.
5. **Buying**: a viewer without a negative opinion buys with probability
   ``buy_prob × (0.5 + need) × (1 + deal_lift·discount) × (0.5 + credibility) × (2 if engaged)
   × (1 + scarcity_lift if stock is limited)``, capped at 1; with limited stock (``stock`` units
   for the reference market, scaled to N) the first buyers to arrive get it. Orders are booked
   at ``price × (1 − discount)`` with the list price's unit cost, credited to the ``live``
   channel (the session is the buyer's last touch), then satisfaction and posts as for any order.
6. **Followers**: engaged viewers follow the host with ``follow_prob``.
7. **Money**: the session fee (the series' ``fee`` plus a roster/tier creator's fee) and the
   CPS ``commission`` share of the session's GMV are booked as spend on ``live``.

Ranges and sources of the defaults: docs/formats.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.config.formats import LiveSeries
from sim.config.roster import RosterError
from sim.engine import response, sharing
from sim.engine.format_orders import book_format_orders
from sim.world.content import KIND, Exposures
from sim.world.population import INTERESTED
from sim.kernels.arrayops import sorted_union

if TYPE_CHECKING:
    from sim.engine.agents import Influencer
    from sim.engine.state import Context


def is_session_day(cfg: LiveSeries, day: int) -> bool:
    """True if series ``cfg`` holds a session on ``day``."""
    if day < cfg.start_day:
        return False
    gap = day - cfg.start_day
    if cfg.every_days == 0:
        return gap == 0
    return gap % cfg.every_days == 0 and gap // cfg.every_days < cfg.sessions


def attend(rows: np.ndarray, activity: np.ndarray, attention: np.ndarray, n_platforms: int,
           prob: float, rng: np.random.Generator) -> np.ndarray:
    """Which of the audience ``rows`` join: ``prob × activity × attention × n_platforms``."""
    p = np.minimum(1.0, prob * activity[rows] * attention[rows] * n_platforms)
    return rows[rng.random(len(rows)) < p]


def pool_draw(weights: np.ndarray, expected: float, rng: np.random.Generator) -> np.ndarray:
    """Rows drawn independently with probability ∝ ``weights`` (capped at 1), ``expected`` in
    total on average."""
    total = float(weights.sum())
    if expected <= 0 or total <= 0:
        return np.empty(0, np.int64)
    p = np.minimum(1.0, weights * (expected / total))
    return np.flatnonzero(rng.random(len(weights)) < p)


def watch_times(k: int, hours: float, watch_minutes: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Arrival and leaving minute of ``k`` viewers of a session of ``hours``."""
    length = hours * 60.0
    start = rng.random(k) * length
    return start, np.minimum(length, start + rng.exponential(watch_minutes, k))


def peak_concurrent(start: np.ndarray, end: np.ndarray) -> int:
    """Most viewers watching at the same moment (a leaving viewer leaves before an arrival at
    the same minute)."""
    if len(start) == 0:
        return 0
    times = np.concatenate([end, start])
    steps = np.concatenate([-np.ones(len(end), np.int64), np.ones(len(start), np.int64)])
    order = np.lexsort((steps, times))
    return int(np.cumsum(steps[order]).max())


def buy_probability(need: np.ndarray, engaged: np.ndarray, negative: np.ndarray,
                    credibility: float, cfg: LiveSeries) -> np.ndarray:
    """In-session purchase probability of each viewer (see the module docstring, step 5)."""
    lift = (1.0 + cfg.deal_lift * cfg.discount) * (0.5 + credibility)
    if cfg.stock > 0:
        lift *= 1.0 + cfg.scarcity_lift
    p = cfg.buy_prob * (0.5 + need) * lift * np.where(engaged, 2.0, 1.0)
    return np.where(negative, 0.0, np.minimum(1.0, p))


@dataclass
class LiveTally:
    """Counters of the live KPIs (cumulative)."""

    sessions: int = 0
    viewers: int = 0
    peak: int = 0
    orders: int = 0
    gmv: float = 0.0


@dataclass
class _Plan:
    retailer: int
    cfg: LiveSeries
    host: "Influencer | None"
    platform: int
    fans: np.ndarray  # bool N: consumers who followed this host in a session


@dataclass
class LiveDesk:
    """Every live series of a run, its hosts' new followers and the KPI tally."""

    plans: list[_Plan] = field(default_factory=list)
    tally: LiveTally = field(default_factory=LiveTally)
    last_session: dict = field(default_factory=dict)  # for the workshop page

    @classmethod
    def build(cls, ctx: "Context") -> "LiveDesk":
        """Resolve the hosts; raises RosterError for a host that is neither ``self``, a tier
        with creators nor a roster creator_id."""
        by_id = {c.creator_id: c for cs in ctx.creators_by_tier.values() for c in cs
                 if c.creator_id}
        desk, fans = cls(), {}
        for ret in ctx.retailers:
            for i, cfg in enumerate(ret.cfg.live):
                host = _host(cfg.host, by_id, ctx, f"retailers.{ret.cfg.name}.live[{i}].host")
                name = cfg.platform or ret.cfg.ad_platform
                platform = host.platform.index if host is not None else \
                    ctx.platform_by_name[name].index
                key = id(host) if host is not None else ("self", ret.index)
                fans.setdefault(key, np.zeros(ctx.population.n, dtype=bool))
                desk.plans.append(_Plan(ret.index, cfg, host, platform, fans[key]))
        return desk

    def day(self, ctx: "Context") -> None:
        """Hold today's sessions (after the day's purchases)."""
        for plan in self.plans:
            if is_session_day(plan.cfg, ctx.day):
                self._session(ctx, plan)

    def _session(self, ctx: "Context", plan: _Plan) -> None:
        pop, rng, beh, cfg, r = ctx.population, ctx.rng, ctx.beh, plan.cfg, plan.retailer
        host, n_p = plan.host, len(ctx.platforms)
        audience = (host.followers if host is not None
                    else np.flatnonzero(pop.stage[:, r] >= INTERESTED))
        audience = sorted_union(audience, np.flatnonzero(plan.fans))
        att = attend(audience, pop.activity, pop.attention[:, plan.platform], n_p,
                     cfg.attend_prob, rng)
        cred = host.credibility if host is not None else beh.ad_credibility
        b0 = host.b0 if host is not None else beh.b0
        post = ctx.publish(retailer=r, platform=plan.platform, channel=ctx.code["live"],
                           kind=int(KIND["promo"]), circle=-1, credibility=cred, b0=b0,
                           author=host.unique_id if host is not None else -1)
        first = self._watch(ctx, att, post, beh.follower_trust)
        platform = ctx.platforms[plan.platform]
        expected = cfg.pool * cfg.hours * pop.n
        if len(att) and first.mean() >= platform.cfg.amplification_threshold:
            expected *= 1.0 + platform.cfg.amplification_factor
        weights = pop.attention[:, plan.platform] * pop.activity
        weights[att] = 0.0  # followers already in the room
        pool = pool_draw(weights, expected, rng)
        second = self._watch(ctx, pool, post, beh.stranger_trust * beh.follower_trust)
        viewers, engaged = np.concatenate([att, pool]), np.concatenate([first, second])
        plan.fans[viewers[engaged & (rng.random(len(viewers)) < cfg.follow_prob)]] = True
        start, end = watch_times(len(viewers), cfg.hours, cfg.watch_minutes, rng)
        peak = peak_concurrent(start, end)
        p = buy_probability(pop.need[viewers], engaged, pop.negative[viewers, r], cred, cfg)
        buying = np.flatnonzero(rng.random(len(viewers)) < p)
        buyers = viewers[buying[np.argsort(start[buying], kind="stable")]]
        if cfg.stock > 0:
            buyers = buyers[:max(1, int(round(cfg.stock * ctx.money_scale)))]
        gmv = self._sell(ctx, plan, buyers)
        fee = cfg.fee + (host.fee / ctx.money_scale if host is not None else 0.0)
        ctx.retailers[r].book_contract("live", fee * ctx.money_scale + cfg.commission * gmv)
        t = self.tally
        t.sessions, t.viewers, t.peak = t.sessions + 1, t.viewers + len(viewers), max(t.peak, peak)
        self.last_session = {"day": ctx.day, "retailer": r, "viewers": len(viewers),
                             "peak": peak, "orders": len(buyers), "gmv": gmv}

    @staticmethod
    def _watch(ctx: "Context", rows: np.ndarray, post: int, trust: float) -> np.ndarray:
        """Viewers ``rows`` see the session: respond; shares go out tomorrow. Engaged flags."""
        if len(rows) == 0:
            return np.zeros(0, dtype=bool)
        exp = Exposures(rows.astype(np.int64), np.full(len(rows), post, np.int64),
                        np.full(len(rows), trust, np.float32),
                        np.full(len(rows), ctx.code["live"], np.int8))
        res = response.respond(ctx, exp)
        sharing.queue_shares(ctx, res.sharers, res.shared)
        return np.asarray(res.engaged, dtype=bool)

    def _sell(self, ctx: "Context", plan: _Plan, buyers: np.ndarray) -> float:
        """Book the session's orders at the flash-deal price; returns their GMV (yuan)."""
        price = ctx.retailers[plan.retailer].price * (1.0 - plan.cfg.discount)
        gmv = book_format_orders(ctx, plan.retailer, buyers, price)
        self.tally.orders += len(buyers)
        self.tally.gmv += gmv
        return gmv


def _host(name: str, by_id: dict, ctx: "Context", where: str) -> "Influencer | None":
    if name == "self":
        return None
    if name in by_id:
        return by_id[name]
    creators = ctx.creators_by_tier.get(name)
    if creators:
        return max(creators, key=lambda c: len(c.followers))
    raise RosterError(f"{where}: {name!r} is neither 'self', an influencer tier with creators "
                      f"({', '.join(ctx.creators_by_tier) or 'none'}) nor a roster creator_id")


def live_kpis(desk: "LiveDesk | None", gmv_total: float) -> dict[str, float]:
    """The live KPIs from the desk's tally (see sim.config.kpis.FORMAT_KPIS['live'])."""
    t = desk.tally if desk is not None else LiveTally()
    return {"live_sessions": t.sessions, "live_viewers": t.viewers, "peak_viewers": t.peak,
            "live_orders": t.orders, "live_gmv": t.gmv,
            "gpm": t.gmv * 1000.0 / t.viewers if t.viewers else 0.0,
            "live_share": t.gmv / gmv_total if gmv_total > 0 else 0.0}


__all__ = ["LiveDesk", "LiveTally", "attend", "buy_probability", "is_session_day",
           "live_kpis", "peak_concurrent", "pool_draw", "watch_times"]
