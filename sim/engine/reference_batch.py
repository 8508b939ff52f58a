"""Replications of the independent-cascade reference mode without a model per replication.

A replication of ``run.mode = "independent_cascade"`` (:mod:`sim.engine.reference`) touches
nothing but the cascade: the seeds engage on day 1, every later day one generation of the
compiled kernel runs, each successful trial is a delivered and engaged word-of-mouth exposure.
Every KPI that moves is therefore a function of three per-day counts (consumers engaged so
far, successful trials so far, today's trials), and every other KPI keeps its day-0 value
(nothing books spend, orders, posts, reach per channel or funnel counts). So a batch of
replications needs no Mesa model, no consumer arrays and no daily KPI pass:

* per replication, the run's dynamics stream (the model's: child 3 of
  ``np.random.default_rng(seed).spawn(4)``) draws the seed consumers exactly as
  ``ReferenceStep._seed`` does, then one raw 64-bit word per day, of which generation ``g``
  uses the ``g``-th exactly as ``cascade_generation`` would (the words after the cascade dies
  are drawn but never used; nothing reads the stream afterwards); one compiled call
  (:func:`sim.kernels.cascade.cascade_by_generation`) returns the per-generation counts;
* the KPI rows of all replications are one float64 array built by broadcasting: the day-0
  snapshot of one model of the scenario (built once per process and scenario,
  :func:`sim.execution.cascade_batch.batch_for`) for the still KPIs, the counts for the moving ones
  (:func:`moving_kpis`); the time series and attribution tables are cut from one frame each.

The outputs equal the model path's for the same seeds (same KPI names, order and dtypes,
same summary, attribution and creators tables; tests/engine/test_reference_batch.py). The
world is the model's: an edge list's ties are the same under every seed (the seed only draws
the ties' trust, which the cascade never reads); any other graph comes from the world cache
(:func:`sim.world.builder.cached_world`) per seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.platform_funnel import creator_rows
from sim.kernels.cascade import cascade_by_generation
from sim.world.builder import cached_world
from sim.world.graph import SocialGraph

if TYPE_CHECKING:
    from sim.engine.state import Context

DYNAMICS_STREAM = 3
"""The model's dynamics stream is child 3 of ``np.random.default_rng(seed).spawn(4)``
(:class:`sim.engine.model.SocialCommerceModel`)."""


def dynamics_rng(seed: int) -> np.random.Generator:
    """The dynamics stream of a model built with ``seed`` (what ``default_rng(seed).spawn(4)
    [3]`` gives, without building the other three)."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(DYNAMICS_STREAM,))
    return np.random.Generator(np.random.PCG64(seq))


@dataclass(frozen=True)
class CascadeCounts:
    """Per-day counts of one replication (int64 arrays, days 0..``run.days``).

    ``engaged``: consumers engaged by the end of the day (seeds included; every consumer
    reached by the cascade engaged, so it is also the reach); ``trials``: successful trials
    so far (the exposures and engagements); ``daily``: today's successful trials.
    """

    seed: int
    engaged: np.ndarray
    trials: np.ndarray
    daily: np.ndarray


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Element-wise ``num / den``, 0 where ``den`` is 0 (:func:`sim.engine.metrics.ratio`)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


def moving_kpis(engaged: np.ndarray, trials: np.ndarray, daily: np.ndarray,
                n: int) -> dict[str, np.ndarray]:
    """The KPIs an independent cascade moves, from its counts (any shape, float64 back), as
    :func:`sim.engine.metrics.compute_kpis` computes them: only stage ``interested`` is ever
    set, only word of mouth delivers, every delivery engages."""
    e = np.asarray(engaged, dtype=float)
    t = np.asarray(trials, dtype=float)
    d = np.asarray(daily, dtype=float)
    return {
        "reach": e, "engaged": e, "aware": e, "interested": e, "stage_interested": e,
        "stage_unaware": n - e,
        "exposures": t, "engagements": t, "engagement_rate": _ratio(t, t),
        "daily_engagements": d, "daily_exposures": d,
        "aware_of_reached": _ratio(e, e),
    }


@dataclass
class BatchOutputs:
    """What the model path gives per replication (see :class:`sim.execution.runner.RunResult`):
    final KPIs, time series (None unless kept), attribution and creators tables."""

    seeds: list[int]
    summaries: list[dict[str, float]]
    timeseries: list[pd.DataFrame] | None
    attributions: list[pd.DataFrame]
    creators: list[pd.DataFrame]


class CascadeBatch:
    """Replications of one independent-cascade scenario (see the module docstring).

    Args:
        ctx: the context of a model of the scenario at day 0 (before any step; any seed:
            nothing it gives here depends on the seed), read once and not kept.
        kpis: that model's day-0 KPI snapshot (names in registry order).
        attribution: that model's day-0 attribution table
            (:func:`sim.execution.runner.attribution_table`).
    """

    def __init__(self, ctx: "Context", kpis: dict[str, float], attribution: pd.DataFrame) -> None:
        config = ctx.config
        if config.run.mode != "independent_cascade":
            raise ValueError(f"run.mode: a cascade batch needs 'independent_cascade' "
                             f"(got {config.run.mode!r})")
        self.config = config
        self.n = ctx.population.n
        self.names = list(kpis)
        self.start = np.array([kpis[k] for k in self.names], dtype=float)
        self.graph = ctx.world.graph if config.graph.kind == "edgelist" else None
        self.wom = ctx.code["wom"]
        self._attribution = attribution.copy()
        self._creators = pd.DataFrame(creator_rows(ctx))
        self._check_start()

    def _check_start(self) -> None:
        """The moving KPIs' formulas give the model's day-0 values (fails loudly if a KPI's
        definition changed under them)."""
        zero = np.zeros(1, np.int64)
        for name, value in moving_kpis(zero, zero, zero, self.n).items():
            if name not in self.names or value[0] != self.start[self.names.index(name)]:
                raise RuntimeError(f"cascade batch: KPI {name!r} does not follow the model's "
                                   "definition (sim/engine/reference_batch.py)")

    def graph_of(self, seed: int) -> SocialGraph | None:
        """The world's graph under ``seed`` (an edge list's ties are the same for every seed)."""
        return self.graph if self.graph is not None else cached_world(self.config, seed).graph

    def counts(self, seed: int) -> CascadeCounts:
        """One replication's per-day counts, from the same draws as the model's run."""
        ref, days = self.config.reference, self.config.run.days
        rng = dynamics_rng(seed)
        graph = self.graph_of(seed)
        seeds = rng.choice(self.n, size=min(ref.seeds, self.n), replace=False)
        engaged = np.zeros(days + 1, np.int64)
        trials = np.zeros(days + 1, np.int64)
        daily = np.zeros(days + 1, np.int64)
        engaged[1:] = len(seeds)
        if graph is not None and days > 1:
            words = rng.bit_generator.random_raw(days - 1)
            new, hits = cascade_by_generation(graph, seeds, ref.transmissibility, words)
            engaged[2:] += np.cumsum(new)
            trials[2:] = np.cumsum(hits)
            daily[2:] = hits
        return CascadeCounts(int(seed), engaged, trials, daily)

    def kpi_rows(self, counts: list[CascadeCounts]) -> np.ndarray:
        """KPI rows of the replications: float64 (replications × days + 1 × KPIs), columns in
        :attr:`names` order."""
        days = self.config.run.days
        rows = np.empty((len(counts), days + 1, len(self.names)))
        rows[...] = self.start
        moving = moving_kpis(np.array([c.engaged for c in counts]).reshape(-1, days + 1),
                             np.array([c.trials for c in counts]).reshape(-1, days + 1),
                             np.array([c.daily for c in counts]).reshape(-1, days + 1), self.n)
        for name, values in moving.items():
            rows[:, :, self.names.index(name)] = values
        return rows

    def run(self, seeds: list[int], keep_timeseries: bool = True) -> BatchOutputs:
        """The replications ``seeds``: what ``run_single`` gives for each, from counts."""
        counts = [self.counts(s) for s in seeds]
        rows = self.kpi_rows(counts)
        summaries = [dict(zip(self.names, last)) for last in rows[:, -1, :].tolist()]
        series = _split(self._timeseries(rows), len(seeds)) if keep_timeseries else None
        return BatchOutputs([c.seed for c in counts], summaries, series,
                            self._attributions(counts), [self._creators.copy() for _ in seeds])

    def _timeseries(self, rows: np.ndarray) -> pd.DataFrame:
        """All replications' rows in one frame: ``step`` (int64) then the KPIs."""
        reps, days1, k = rows.shape
        frame = pd.DataFrame(rows.reshape(reps * days1, k), columns=self.names)
        frame.insert(0, "step", np.tile(np.arange(days1, dtype=np.int64), reps))
        return frame

    def _attributions(self, counts: list[CascadeCounts]) -> list[pd.DataFrame]:
        """Each replication's attribution table: the day-0 table with word of mouth's
        exposures (every successful trial) added."""
        base = self._attribution
        frame = pd.concat([base] * len(counts), ignore_index=True)
        exposures = np.tile(base["exposures"].to_numpy(), len(counts)).reshape(len(counts), -1)
        exposures[:, self.wom] += np.array([c.trials[-1] for c in counts], dtype=np.int64)
        frame["exposures"] = exposures.reshape(-1)
        return _split(frame, len(counts))


def _split(frame: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    """``frame`` cut into ``parts`` equal consecutive blocks of rows, each indexed from 0."""
    size = len(frame) // parts if parts else 0
    return [frame.iloc[i * size:(i + 1) * size].reset_index(drop=True) for i in range(parts)]


__all__ = ["BatchOutputs", "CascadeBatch", "CascadeCounts", "dynamics_rng", "moving_kpis"]
