"""Group buying (拼团): a discount unlocked when ``group_size`` people join within a deadline.

For a retailer with ``[retailers.NAME.group_buying]``, every campaign day from its
``start_day``, after the day's purchases:

1. **Start**: a consumer at or past *interested* for the retailer, without a negative opinion
   and not already in an open group, opens a group with probability
   ``start_prob × (0.5 + need)``.
2. **Invite**: the initiator shares the group to ``invites`` of its ties
   (:func:`sim.engine.asks.sample_ties`); each invite is an exposure (``wom`` channel, tie
   trust) answered by :func:`sim.engine.response.respond`. An invited friend without a
   negative opinion will join with probability ``join_prob × trust × (0.5 + need) ×
   (1 + discount_lift × discount)`` on a day drawn uniformly in the group's window
   (``deadline_days`` days from the opening day).
3. **Join**: joins due today are counted (a friend already in an open group of the retailer
   does not join another).
4. **Complete**: a group with ``group_size − 1`` joiners completes: the initiator and every
   joiner order at ``price × (1 − discount)`` (:func:`book_format_orders`).
5. **Fail**: a group still short when its window ends fails; nobody pays (the initiator's
   prepayment is refunded), nothing is booked.

Everything is vectorised over today's groups and invites. KPIs: ``groups_started``,
``groups_completed``, ``group_completion_rate`` (completed / closed), ``group_orders``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.config.formats import GroupBuyingSection
from sim.engine import asks, response, sharing
from sim.engine.format_orders import book_format_orders
from sim.world.population import INTERESTED

if TYPE_CHECKING:
    from sim.engine.state import Context

def join_probability(need: np.ndarray, trust: np.ndarray, negative: np.ndarray,
                     cfg: GroupBuyingSection) -> np.ndarray:
    """Probability an invited friend joins (see the module docstring, step 2)."""
    p = cfg.join_prob * trust * (0.5 + need) * (1.0 + cfg.discount_lift * cfg.discount)
    return np.where(negative, 0.0, np.minimum(1.0, p))


@dataclass
class GroupTally:
    started: int = 0
    completed: int = 0
    failed: int = 0
    orders: int = 0


@dataclass
class _Groups:
    """One retailer's groups: the requests, and who joined which open group."""

    book: asks.RequestBook
    member_group: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    member_row: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    joined: np.ndarray = field(init=False)  # bool N: member of an open group

    def __post_init__(self) -> None:
        self.joined = np.zeros(self.book.n, dtype=bool)

    def take_joins(self, day: int) -> None:
        """Today's joins: one open group per friend, none for a friend already in one."""
        g, rows = self.book.due(day)
        ok = ~self.joined[rows] & ~self.book.busy[rows]
        rows, first = np.unique(rows[ok], return_index=True)
        g = g[ok][first]
        self.joined[rows] = True
        self.book.credit(g)
        self.member_group = np.concatenate([self.member_group, g])
        self.member_row = np.concatenate([self.member_row, rows])

    def settle(self, done: np.ndarray, failed: np.ndarray) -> np.ndarray:
        """Release the members of closed groups; returns the buyers of the completed ones."""
        buyers = np.concatenate([self.book.initiator[done],
                                 self.member_row[np.isin(self.member_group, done)]])
        closed = np.isin(self.member_group, np.concatenate([done, failed]))
        self.joined[self.member_row[closed]] = False
        self.member_group, self.member_row = self.member_group[~closed], self.member_row[~closed]
        return buyers


class GroupDesk:
    """Group buying of every retailer that runs it, and the KPI tally."""

    def __init__(self, ctx: "Context") -> None:
        self.groups = {r.index: _Groups(asks.RequestBook(ctx.population.n))
                       for r in ctx.retailers if r.cfg.group_buying is not None}
        self.tally = GroupTally()

    def day(self, ctx: "Context") -> None:
        for r, groups in self.groups.items():
            ret = ctx.retailers[r]
            cfg = ret.cfg.group_buying
            if cfg is None or ctx.day < cfg.start_day or not ret.in_campaign(ctx.day):
                continue
            self._start(ctx, r, groups, cfg)
            groups.take_joins(ctx.day)
            done, failed = groups.book.close(ctx.day, cfg.group_size - 1, cfg.deadline_days)
            buyers = groups.settle(done, failed)
            book_format_orders(ctx, r, buyers, ret.price * (1.0 - cfg.discount))
            t = self.tally
            t.completed, t.failed = t.completed + len(done), t.failed + len(failed)
            t.orders += len(buyers)

    def _start(self, ctx: "Context", r: int, groups: _Groups, cfg: GroupBuyingSection) -> None:
        pop, rng, book = ctx.population, ctx.rng, groups.book
        p = cfg.start_prob * (0.5 + pop.need)
        ok = (pop.stage[:, r] >= INTERESTED) & ~pop.negative[:, r] & ~book.busy & ~groups.joined
        rows = np.flatnonzero(ok & (rng.random(pop.n) < p))
        if len(rows) == 0 or ctx.graph is None:
            return
        ids = book.open(rows, ctx.day)
        self.tally.started += len(rows)
        who, friends, trust = asks.sample_ties(ctx.graph, rows, cfg.invites, rng)
        exp = asks.ask_exposures(ctx, r, asks.ask_platform(ctx, r), friends, trust)
        res = response.respond(ctx, exp)
        sharing.queue_shares(ctx, res.sharers, res.shared)
        p_join = join_probability(pop.need[friends], trust, pop.negative[friends, r], cfg)
        joins = rng.random(len(friends)) < p_join
        days = ctx.day + rng.integers(0, cfg.deadline_days, size=len(friends))
        book.add_answers(ids[who[joins]], friends[joins], days[joins])


def group_kpis(desk: "GroupDesk | None") -> dict[str, float]:
    """The group-buying KPIs (sim.config.kpis.FORMAT_KPIS['group_buying'])."""
    t = desk.tally if desk is not None else GroupTally()
    closed = t.completed + t.failed
    return {"groups_started": t.started, "groups_completed": t.completed,
            "group_completion_rate": t.completed / closed if closed else 0.0,
            "group_orders": t.orders}


__all__ = ["GroupDesk", "GroupTally", "group_kpis", "join_probability"]
