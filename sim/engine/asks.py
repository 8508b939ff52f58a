"""Asking ties: the shared step of group buying and assist sharing.

A consumer who starts a group or an assist request sends it to ``m`` of its ties, drawn
uniformly with replacement from its CSR row (duplicates dropped, so a consumer with few ties
asks fewer than ``m``). Each ask is an exposure for the friend on a post of the retailer (the
``wom`` channel, the tie's trust), answered by the friend on a day drawn uniformly in the
request's open window. All vectorised over today's askers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.world.content import KIND, Exposures

if TYPE_CHECKING:
    from sim.engine.state import Context
    from sim.world.graph import SocialGraph


def sample_ties(graph: "SocialGraph", askers: np.ndarray, m: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to ``m`` distinct ties of each asker: (asker index into ``askers``, friend row,
    tie trust), asker by asker."""
    askers = np.asarray(askers, dtype=np.int64)
    deg = (graph.indptr[askers + 1] - graph.indptr[askers]).astype(np.int64)
    has = np.flatnonzero(deg > 0)
    if len(has) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)
    who = np.repeat(has, m)
    slot = graph.indptr[askers[who]] + (rng.random(len(who)) * deg[who]).astype(np.int64)
    pair = np.unique(who * (int(graph.indptr[-1]) + 1) + slot)  # distinct (asker, tie)
    who, slot = pair // (int(graph.indptr[-1]) + 1), pair % (int(graph.indptr[-1]) + 1)
    return who, graph.indices[slot].astype(np.int64), graph.trust[slot]


def ask_platform(ctx: "Context", r: int) -> int:
    """Platform asks travel on: the retailer's community platform, else the first platform."""
    name = ctx.retailers[r].cfg.community.platform
    return ctx.platform_by_name[name].index if name else 0


def ask_exposures(ctx: "Context", r: int, platform: int, friends: np.ndarray,
                  trust: np.ndarray) -> Exposures:
    """The asks as exposures: one promo post of retailer ``r`` on ``platform`` (the retailer's
    community platform: asks travel over messaging), ``wom`` channel."""
    post = ctx.publish(retailer=r, platform=platform, channel=ctx.code["wom"], kind=int(KIND["promo"]),
                       circle=-1, credibility=ctx.beh.ugc_credibility, b0=ctx.beh.b0, author=-1)
    return Exposures(friends, np.full(len(friends), post, np.int64),
                     np.asarray(trust, np.float32),
                     np.full(len(friends), ctx.code["wom"], np.int8))


OPEN, DONE, FAILED = 0, 1, 2
"""Request status codes."""


def _empty() -> np.ndarray:
    return np.empty(0, np.int64)


@dataclass
class RequestBook:
    """Open requests (groups, assist requests) of one retailer and their pending answers.

    Arrays grow by concatenation; a consumer has at most one open request (``busy``).
    """

    n: int
    initiator: np.ndarray = field(default_factory=_empty)
    opened: np.ndarray = field(default_factory=_empty)
    count: np.ndarray = field(default_factory=_empty)  # answers credited so far
    status: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    answer_req: np.ndarray = field(default_factory=_empty)
    answer_row: np.ndarray = field(default_factory=_empty)
    answer_day: np.ndarray = field(default_factory=_empty)
    busy: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.busy = np.zeros(self.n, dtype=bool)

    def open(self, rows: np.ndarray, day: int) -> np.ndarray:
        """One new request per row (opened ``day``); returns their ids."""
        ids = np.arange(len(self.initiator), len(self.initiator) + len(rows))
        self.initiator = np.concatenate([self.initiator, rows])
        self.opened = np.concatenate([self.opened, np.full(len(rows), day)])
        self.count = np.concatenate([self.count, np.zeros(len(rows), np.int64)])
        self.status = np.concatenate([self.status, np.full(len(rows), OPEN, np.int8)])
        self.busy[rows] = True
        return ids

    def add_answers(self, req: np.ndarray, rows: np.ndarray, days: np.ndarray) -> None:
        """Friends ``rows`` will answer requests ``req`` on ``days``."""
        self.answer_req = np.concatenate([self.answer_req, req])
        self.answer_row = np.concatenate([self.answer_row, rows])
        self.answer_day = np.concatenate([self.answer_day, days])

    def due(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Answers due ``day`` to still-open requests (removed from the pending list):
        (request ids, friend rows). The caller credits those it accepts."""
        now = self.answer_day == day
        req, rows = self.answer_req[now], self.answer_row[now]
        keep = ~now
        self.answer_req, self.answer_row = self.answer_req[keep], self.answer_row[keep]
        self.answer_day = self.answer_day[keep]
        ok = self.status[req] == OPEN
        return req[ok], rows[ok]

    def credit(self, req: np.ndarray) -> None:
        np.add.at(self.count, req, 1)

    def close(self, day: int, target: int, window: int) -> tuple[np.ndarray, np.ndarray]:
        """Requests with ``target`` answers succeed; those still short on the last day of
        their ``window`` (days from opening) fail. Returns (succeeded ids, failed ids)."""
        open_ = self.status == OPEN
        done = np.flatnonzero(open_ & (self.count >= target))
        failed = np.flatnonzero(open_ & (self.count < target) & (self.opened + window - 1 <= day))
        self.status[done], self.status[failed] = DONE, FAILED
        self.busy[self.initiator[done]] = False
        self.busy[self.initiator[failed]] = False
        return done, failed


__all__ = ["DONE", "FAILED", "OPEN", "RequestBook", "ask_exposures", "ask_platform", "sample_ties"]
