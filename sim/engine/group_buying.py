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

OPEN, DONE, FAILED = 0, 1, 2


def join_probability(need: np.ndarray, trust: np.ndarray, negative: np.ndarray,
                     cfg: GroupBuyingSection) -> np.ndarray:
    """Probability an invited friend joins (see the module docstring, step 2)."""
    p = cfg.join_prob * trust * (0.5 + need) * (1.0 + cfg.discount_lift * cfg.discount)
    return np.where(negative, 0.0, np.minimum(1.0, p))


@dataclass
class GroupBook:
    """Groups and pending joins of one retailer (arrays grow by concatenation)."""

    n: int
    initiator: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    opened: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    joined: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    status: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    join_group: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    join_row: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    join_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    member_group: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    member_row: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    busy: np.ndarray = field(init=False)  # bool N: in an open group (initiator or joiner)

    def __post_init__(self) -> None:
        self.busy = np.zeros(self.n, dtype=bool)

    def open_groups(self, rows: np.ndarray, day: int) -> np.ndarray:
        """Open one group per row; returns the new group ids."""
        ids = np.arange(len(self.initiator), len(self.initiator) + len(rows))
        self.initiator = np.concatenate([self.initiator, rows])
        self.opened = np.concatenate([self.opened, np.full(len(rows), day)])
        self.joined = np.concatenate([self.joined, np.zeros(len(rows), np.int64)])
        self.status = np.concatenate([self.status, np.full(len(rows), OPEN, np.int8)])
        self.busy[rows] = True
        return ids

    def add_joins(self, groups: np.ndarray, rows: np.ndarray, days: np.ndarray) -> None:
        self.join_group = np.concatenate([self.join_group, groups])
        self.join_row = np.concatenate([self.join_row, rows])
        self.join_day = np.concatenate([self.join_day, days])

    def take_due_joins(self, day: int) -> None:
        """Count today's joins into open groups (one open group per consumer)."""
        due = self.join_day == day
        g, rows = self.join_group[due], self.join_row[due]
        keep = ~due
        self.join_group, self.join_row = self.join_group[keep], self.join_row[keep]
        self.join_day = self.join_day[keep]
        ok = (self.status[g] == OPEN) & ~self.busy[rows]
        g, rows = g[ok], rows[ok]
        rows, first = np.unique(rows, return_index=True)  # one group per friend today
        g = g[first]
        self.busy[rows] = True
        np.add.at(self.joined, g, 1)
        self.member_group = np.concatenate([self.member_group, g])
        self.member_row = np.concatenate([self.member_row, rows])

    def close(self, day: int, size: int, deadline: int) -> tuple[np.ndarray, int, np.ndarray]:
        """Complete groups with enough joiners and fail expired ones; returns (completed ids,
        number failed, the completed groups' buyers: initiators and joiners)."""
        open_ = self.status == OPEN
        done = np.flatnonzero(open_ & (self.joined >= size - 1))
        failed = np.flatnonzero(open_ & (self.joined < size - 1)
                                & (self.opened + deadline - 1 <= day))
        self.status[done], self.status[failed] = DONE, FAILED
        closed = np.concatenate([done, failed])
        in_closed = np.isin(self.member_group, closed)
        buyers = np.concatenate([self.initiator[done],
                                 self.member_row[np.isin(self.member_group, done)]])
        self.busy[self.initiator[closed]] = False
        self.busy[self.member_row[in_closed]] = False
        self.member_group = self.member_group[~in_closed]
        self.member_row = self.member_row[~in_closed]
        return done, len(failed), buyers


@dataclass
class GroupTally:
    started: int = 0
    completed: int = 0
    failed: int = 0
    orders: int = 0


class GroupDesk:
    """Group buying of every retailer that runs it, and the KPI tally."""

    def __init__(self, ctx: "Context") -> None:
        self.books = {r.index: GroupBook(ctx.population.n) for r in ctx.retailers
                      if r.cfg.group_buying is not None}
        self.tally = GroupTally()

    def day(self, ctx: "Context") -> None:
        for r, book in self.books.items():
            ret = ctx.retailers[r]
            cfg = ret.cfg.group_buying
            if cfg is None or ctx.day < cfg.start_day or not ret.in_campaign(ctx.day):
                continue
            self._start(ctx, r, book, cfg)
            book.take_due_joins(ctx.day)
            done, failed, buyers = book.close(ctx.day, cfg.group_size, cfg.deadline_days)
            self.tally.completed += len(done)
            self.tally.failed += failed
            book_format_orders(ctx, r, buyers, ret.price * (1.0 - cfg.discount))
            self.tally.orders += len(buyers)

    def _start(self, ctx: "Context", r: int, book: GroupBook, cfg: GroupBuyingSection) -> None:
        pop, rng = ctx.population, ctx.rng
        p = cfg.start_prob * (0.5 + pop.need)
        ok = (pop.stage[:, r] >= INTERESTED) & ~pop.negative[:, r] & ~book.busy
        rows = np.flatnonzero(ok & (rng.random(pop.n) < p))
        if len(rows) == 0 or ctx.graph is None:
            return
        groups = book.open_groups(rows, ctx.day)
        self.tally.started += len(rows)
        who, friends, trust = asks.sample_ties(ctx.graph, rows, cfg.invites, rng)
        platform = asks.ask_platform(ctx, r)
        res = response.respond(ctx, asks.ask_exposures(ctx, r, platform, friends, trust))
        sharing.queue_shares(ctx, res.sharers, res.shared)
        p_join = join_probability(pop.need[friends], trust, pop.negative[friends, r], cfg)
        joins = rng.random(len(friends)) < p_join
        days = ctx.day + rng.integers(0, cfg.deadline_days, size=len(friends))
        book.add_joins(groups[who[joins]], friends[joins], days[joins])


def group_kpis(desk: "GroupDesk | None") -> dict[str, float]:
    """The group-buying KPIs (sim.config.kpis.FORMAT_KPIS['group_buying'])."""
    t = desk.tally if desk is not None else GroupTally()
    closed = t.completed + t.failed
    return {"groups_started": t.started, "groups_completed": t.completed,
            "group_completion_rate": t.completed / closed if closed else 0.0,
            "group_orders": t.orders}


__all__ = ["GroupBook", "GroupDesk", "GroupTally", "group_kpis", "join_probability"]
