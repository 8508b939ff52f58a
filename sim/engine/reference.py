"""The textbook reference modes: Bass diffusion, independent cascade, Watts threshold.

They are presets of the same machinery (one retailer column, no retailers or creators, the
same consumers, graph, metrics and ledger) with the response rule replaced:

* ``bass``: adoption (a first order) with per-step hazard ``1 − exp(−(p + q·F)·dt)``, F the
  adopted share of one's ties (the population share without a graph);
* ``independent_cascade``: every consumer engaged yesterday gets one chance per tie to engage
  it, with probability T (bond percolation: the final size solves S = 1 − exp(−zTS) on an
  Erdős–Rényi graph);
* ``threshold``: a consumer engages once the engaged share of its ties reaches φ.

Day 1 seeds ``reference.seeds`` engaged consumers (cascade, threshold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import diffusion
from sim.kernels.cascade import cascade_generation
from sim.world.content import KIND
from sim.world.population import CUSTOMER, INTERESTED

if TYPE_CHECKING:
    from sim.engine.state import Context


class ReferenceStep:
    """One day of a reference mode over a context (keeps the cascade's frontier)."""

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self.frontier = np.empty(0, np.int64)  # engaged yesterday (cascade)
        self.active = np.zeros(ctx.population.n, dtype=bool)  # ever engaged (cascade)

    def __call__(self, day: int) -> bool:
        """Run ``day``; False if it changed nothing (no consumer, post, ledger or metrics
        total: the day's KPIs then follow from yesterday's, :func:`sim.engine.metrics.carry_kpis`)."""
        match self.ctx.mode:
            case "bass":
                self.bass()
                return True
            case "independent_cascade":
                return self.cascade(day)
            case "threshold":
                return self.threshold(day)
        return True

    def _seed(self) -> np.ndarray:
        pop, k = self.ctx.population, self.ctx.config.reference.seeds
        seeds = self.ctx.rng.choice(pop.n, size=min(k, pop.n), replace=False)
        pop.stage[seeds, 0] = INTERESTED
        pop.ever_exposed[seeds] = True
        return seeds.astype(np.int64)

    def cascade(self, day: int) -> bool:
        """Independent cascade: one generation a day, drawn by the compiled kernel
        :func:`sim.kernels.cascade.cascade_generation`. Every successful trial is a delivered
        word-of-mouth exposure, engaged with probability 1. False once the frontier is empty
        (nothing changes)."""
        ctx = self.ctx
        pop, wom = ctx.population, ctx.code["wom"]
        if len(ctx.posts) == 0:  # the one post every exposure is to
            ctx.publish(retailer=0, platform=0, channel=wom, kind=KIND["scene"], circle=-1,
                        credibility=1.0, b0=0.0, author=-1)
        if day == 1:
            self.frontier = self._seed()
            self.active = pop.stage[:, 0] >= INTERESTED
            return True
        if ctx.graph is None or len(self.frontier) == 0:
            return False
        new, hits = cascade_generation(ctx.graph, self.frontier,
                                       ctx.config.reference.transmissibility, self.active,
                                       ctx.rng, record_hits=True)
        self.frontier = new
        ctx.metrics.count_exposures(len(hits), 0, np.full(len(hits), wom, np.int8),
                                    len(ctx.metrics.channels))
        ctx.metrics.count_engagements(len(hits))
        pop.ever_exposed[hits] = True
        np.add.at(pop.exposures, hits, np.ones(len(hits), dtype=np.int32))
        pop.stage[new, 0] = INTERESTED
        pop.source_trust[new, 0] = 1.0
        untouched = new[pop.first_touch[new, 0] < 0]
        pop.first_touch[untouched, 0] = wom
        pop.last_touch[hits, 0] = wom
        pop.last_platform[hits, 0] = 0
        return True

    def threshold(self, day: int) -> bool:
        """Watts threshold model: engage once the engaged share of ties reaches phi. False
        on a day on which nobody flips (nothing changes)."""
        ctx = self.ctx
        pop = ctx.population
        if day == 1:
            self._seed()
            return True
        degree = ctx.graph.degree if ctx.graph is not None else None
        adjacency = _adjacency(ctx) if ctx.graph is not None else None
        atm = diffusion.atmosphere(adjacency, pop.stage[:, :1] >= INTERESTED, degree)[:, 0]
        flip = (pop.stage[:, 0] < INTERESTED) & (atm >= ctx.config.reference.phi) & (degree > 0)
        pop.stage[flip, 0] = INTERESTED
        pop.ever_exposed[flip] = True
        flipped = int(flip.sum())
        ctx.metrics.count_engagements(flipped)
        return flipped > 0

    def bass(self) -> None:
        """Bass diffusion: adoption with per-step hazard 1 − exp(−(p + q·F)·dt)."""
        ctx = self.ctx
        pop, ref = ctx.population, ctx.config.reference
        adopted = pop.stage[:, 0] >= CUSTOMER
        if ctx.graph is None:
            f = np.full(pop.n, adopted.mean())
        else:
            f = diffusion.atmosphere(_adjacency(ctx), adopted[:, None], ctx.graph.degree)[:, 0]
        hazard = 1.0 - np.exp(-(ref.p + ref.q * f) * ref.dt)
        new = ~adopted & (ctx.rng.random(pop.n) < hazard)
        pop.stage[new, 0] = CUSTOMER
        pop.orders[new, 0] += 1
        pop.ever_exposed[:] = True
        ctx.ledger.book_adoptions(int(new.sum()))
        ctx.metrics.count_exposures(int((~adopted).sum()), 0, np.zeros(0, np.int8),
                                    len(ctx.metrics.channels))


def _adjacency(ctx: "Context"):
    """The adjacency matrix of the context's graph (the world's, built once, when it is the
    world's graph)."""
    return ctx.world.adjacency if ctx.graph is ctx.world.graph else ctx.graph.adjacency()


__all__ = ["ReferenceStep"]
