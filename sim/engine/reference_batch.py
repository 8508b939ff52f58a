"""Replications of the independent-cascade and threshold reference modes without a model per
replication.

A replication of ``run.mode = "independent_cascade"`` or ``"threshold"``
(:mod:`sim.engine.reference`) touches nothing but the spread: the seeds engage on day 1, and
every later day either one generation of the cascade runs (each successful trial a delivered
and engaged word-of-mouth exposure) or the consumers whose engaged share of ties reached φ
engage (counted as engagements, no exposure). Every KPI that moves is therefore a function of
a few per-day counts (:class:`Counts`), and every other KPI keeps its day-0 value (nothing
books spend, orders, posts, reach per channel or funnel counts). So a batch of replications
needs no Mesa model, no consumer arrays and no daily KPI pass:

* per replication, the run's dynamics stream (the model's: child 3 of
  ``np.random.default_rng(seed).spawn(4)``) draws the seed consumers exactly as
  ``ReferenceStep._seed`` does. The cascade then draws one raw 64-bit word per day, of which
  generation ``g`` uses the ``g``-th exactly as ``cascade_generation`` would (the words after
  the cascade dies are drawn but never used; nothing reads the stream afterwards), and one
  compiled call (:func:`sim.kernels.cascade.cascade_by_generation`) returns the
  per-generation counts; the threshold rule draws nothing more and one compiled call
  (:func:`sim.kernels.threshold.threshold_by_day`) returns the flips per day;
* the KPI rows of all replications are one float64 array built by broadcasting: the day-0
  snapshot of one model of the scenario (built once per process and scenario,
  :func:`sim.execution.cascade_batch.batch_for`) for the still KPIs, the counts for the moving
  ones (:func:`moving_kpis`); the time series and attribution tables are cut from one frame
  each.

The outputs equal the model path's for the same seeds (same KPI names, order and dtypes,
same summary, attribution and creators tables; tests/engine/test_reference_batch.py). The
world is the model's: an edge list's ties are the same under every seed (the seed only draws
the ties' trust, which neither rule reads); any other graph comes from the world cache
(:func:`sim.world.builder.cached_world`) per seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.platform_funnel import creator_rows
from sim.kernels.cascade import cascade_by_generation
from sim.kernels.threshold import threshold_by_day
from sim.world.builder import cached_world
from sim.world.graph import SocialGraph

if TYPE_CHECKING:
    from sim.engine.state import Context

BATCH_MODES = ("independent_cascade", "threshold")
"""Reference modes whose replications can run in batches."""

DYNAMICS_STREAM = 3
"""The model's dynamics stream is child 3 of ``np.random.default_rng(seed).spawn(4)``
(:class:`sim.engine.model.SocialCommerceModel`)."""


def batchable(config) -> bool:
    """Whether ``config``'s replications can run in batches: a batch mode on a graph (the
    threshold rule needs ties; the cascade without ties only seeds)."""
    mode = config.run.mode
    return mode in BATCH_MODES and (mode == "independent_cascade"
                                    or config.graph.kind != "well_mixed")


def dynamics_rng(seed: int) -> np.random.Generator:
    """The dynamics stream of a model built with ``seed`` (what ``default_rng(seed).spawn(4)
    [3]`` gives, without building the other three)."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(DYNAMICS_STREAM,))
    return np.random.Generator(np.random.PCG64(seq))


@dataclass(frozen=True)
class Counts:
    """Per-day counts of one replication (int64 arrays over days 0..``run.days``).

    ``engaged``: consumers engaged by the end of the day (seeds included; in both rules every
    consumer reached is engaged, so it is also the reach); ``exposures``, ``engagements``: so
    far; ``daily_exposures``, ``daily_engagements``: today's.
    """

    seed: int
    engaged: np.ndarray
    exposures: np.ndarray
    engagements: np.ndarray
    daily_exposures: np.ndarray
    daily_engagements: np.ndarray


FIELDS = ("engaged", "exposures", "engagements", "daily_exposures", "daily_engagements")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Element-wise ``num / den``, 0 where ``den`` is 0 (:func:`sim.engine.metrics.ratio`)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


def moving_kpis(counts: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The KPIs the two rules move, from their counts (arrays of any one shape, keyed by
    :data:`FIELDS`; float64 back), as :func:`sim.engine.metrics.compute_kpis` computes them:
    only stage ``interested`` is ever set and everyone reached is engaged."""
    e, x, g, dx, dg = (np.asarray(counts[f], dtype=float) for f in FIELDS)
    return {
        "reach": e, "engaged": e, "aware": e, "interested": e, "stage_interested": e,
        "stage_unaware": n - e, "aware_of_reached": _ratio(e, e),
        "exposures": x, "engagements": g, "engagement_rate": _ratio(g, x),
        "daily_exposures": dx, "daily_engagements": dg,
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


class ReferenceBatch:
    """Replications of one independent-cascade or threshold scenario (module docstring).

    Args:
        ctx: the context of a model of the scenario at day 0 (before any step; any seed:
            nothing it gives here depends on the seed), read once and not kept.
        kpis: that model's day-0 KPI snapshot (names in registry order).
        attribution: that model's day-0 attribution table
            (:func:`sim.execution.runner.attribution_table`).
    """

    def __init__(self, ctx: "Context", kpis: dict[str, float], attribution: pd.DataFrame) -> None:
        config = ctx.config
        if not batchable(config):
            raise ValueError(f"run.mode: batches need one of {BATCH_MODES} on a graph (got "
                             f"{config.run.mode!r} on {config.graph.kind!r})")
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
        for name, value in moving_kpis(dict.fromkeys(FIELDS, zero), self.n).items():
            if name not in self.names or value[0] != self.start[self.names.index(name)]:
                raise RuntimeError(f"reference batch: KPI {name!r} does not follow the "
                                   "model's definition (sim/engine/reference_batch.py)")

    def graph_of(self, seed: int) -> SocialGraph | None:
        """The world's graph under ``seed`` (an edge list's ties are the same for every seed)."""
        return self.graph if self.graph is not None else cached_world(self.config, seed).graph

    def counts(self, seed: int) -> Counts:
        """One replication's per-day counts, from the same draws as the model's run."""
        ref, days = self.config.reference, self.config.run.days
        rng = dynamics_rng(seed)
        graph = self.graph_of(seed)
        seeds = rng.choice(self.n, size=min(ref.seeds, self.n), replace=False)
        engaged = np.zeros(days + 1, np.int64)
        engaged[1:] = len(seeds)
        new = daily_x = daily_g = np.zeros(days + 1, np.int64)
        if graph is not None and days > 1:
            if self.config.run.mode == "threshold":
                flips = threshold_by_day(graph, seeds, ref.phi, days - 1)
                new = daily_g = np.concatenate([[0, 0], flips])
            else:
                words = rng.bit_generator.random_raw(days - 1)
                fresh, hits = cascade_by_generation(graph, seeds, ref.transmissibility, words)
                new = np.concatenate([[0, 0], fresh])
                daily_x = daily_g = np.concatenate([[0, 0], hits])
        engaged += np.cumsum(new)
        return Counts(int(seed), engaged, np.cumsum(daily_x), np.cumsum(daily_g), daily_x,
                      daily_g)

    def kpi_rows(self, counts: list[Counts]) -> np.ndarray:
        """KPI rows of the replications: float64 (replications × days + 1 × KPIs), columns in
        :attr:`names` order."""
        days1 = self.config.run.days + 1
        rows = np.empty((len(counts), days1, len(self.names)))
        rows[...] = self.start
        stacked = {f: np.array([getattr(c, f) for c in counts]).reshape(-1, days1)
                   for f in FIELDS}
        for name, values in moving_kpis(stacked, self.n).items():
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

    def _attributions(self, counts: list[Counts]) -> list[pd.DataFrame]:
        """Each replication's attribution table: the day-0 table with word of mouth's
        exposures (every successful trial of a cascade) added."""
        base = self._attribution
        frame = pd.concat([base] * len(counts), ignore_index=True)
        exposures = np.tile(base["exposures"].to_numpy(), len(counts)).reshape(len(counts), -1)
        exposures[:, self.wom] += np.array([c.exposures[-1] for c in counts], dtype=np.int64)
        frame["exposures"] = exposures.reshape(-1)
        return _split(frame, len(counts))


def _split(frame: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    """``frame`` cut into ``parts`` equal consecutive blocks of rows, each indexed from 0."""
    size = len(frame) // parts if parts else 0
    return [frame.iloc[i * size:(i + 1) * size].reset_index(drop=True) for i in range(parts)]


__all__ = ["BATCH_MODES", "BatchOutputs", "Counts", "ReferenceBatch", "batchable",
           "dynamics_rng", "moving_kpis"]
