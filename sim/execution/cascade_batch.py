"""Replications of the independent-cascade and threshold reference modes in batches, on any
backend.

:func:`sim.execution.runner.replicate` sends ``run.mode = "independent_cascade"`` and
``"threshold"`` here (:func:`sim.engine.reference_batch.batchable`; unless parameters are
drawn per replication): consecutive seeds go out in batches
(:func:`cascade_replications`), and each batch runs in one process through
:class:`sim.engine.reference_batch.ReferenceBatch`, which builds no model per replication. The
batch's templates come from one model of the scenario at day 0, built once per process and
scenario (:func:`batch_for`). Each seed's result depends on the seed alone, so results are
identical whatever the backend (serial, local processes, a Dask cluster) and the batching,
and identical to one model per seed (tests/engine/test_reference_batch.py).
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from sim.config.scenario import Scenario
from sim.engine.reference_batch import ReferenceBatch
from sim.execution.executors import map_runs
from sim.execution.runner import RunResult, attribution_table
from sim.world.graph import edgelist_identity

CASCADE_CHUNK = 50
"""Most replications per batch (a batch reports its results together)."""

_BATCHES: OrderedDict[tuple, ReferenceBatch] = OrderedDict()
BATCH_CACHE = 2
"""Scenarios whose templates are kept per process (least recently used dropped first)."""


def batch_for(config: Scenario, seed: int) -> ReferenceBatch:
    """The process's :class:`ReferenceBatch` of ``config``, built the first time from a model
    under ``seed`` at day 0 (the templates do not depend on the seed; an edge list is known
    by its path, size and modification time, as in the world cache)."""
    from sim.engine.model import SocialCommerceModel

    path = config.graph.path
    source = edgelist_identity(Path(path)) if config.graph.kind == "edgelist" and path else None
    key = (config.model_dump_json(), source)  # an edge list by its path, size and mtime
    batch = _BATCHES.get(key)
    if batch is None:
        model = SocialCommerceModel(config, seed=seed)
        batch = _BATCHES[key] = ReferenceBatch(model.ctx, model.kpis, attribution_table(model))
        while len(_BATCHES) > BATCH_CACHE:
            _BATCHES.popitem(last=False)
    else:
        _BATCHES.move_to_end(key)
    return batch


def cascade_replications(scenario: Scenario, seeds: list[int], keep_timeseries: bool = True,
                         workers: int | None = 1, scheduler: str | None = None,
                         on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """The replications ``seeds`` of a batchable reference scenario, in seed order: batches
    of consecutive seeds (about two per worker, at most :data:`CASCADE_CHUNK`) on the backend
    of :func:`map_runs` (``workers``, ``scheduler`` as there); ``on_done`` gets each result."""
    slots = 1 if workers == 1 and not scheduler else (workers or os.cpu_count() or 1)
    size = max(1, min(CASCADE_CHUNK, math.ceil(len(seeds) / (2 * slots))))
    jobs = [(scenario, seeds[i:i + size], keep_timeseries) for i in range(0, len(seeds), size)]
    report = None if on_done is None else (lambda part: [on_done(r) for r in part])
    parts = map_runs(cascade_job, jobs, workers=workers, scheduler=scheduler, on_done=report,
                     chunk_size=1)
    return [res for part in parts for res in part]


def cascade_job(job: tuple) -> list[RunResult]:
    """One batch: ``(scenario, seeds, keep_timeseries)`` -> a :class:`RunResult` per seed,
    as :func:`sim.execution.runner.run_single` gives it."""
    scenario, seeds, keep = job
    out = batch_for(scenario, seeds[0]).run(seeds, keep)
    series = out.timeseries if out.timeseries is not None else [None] * len(seeds)
    return [RunResult(seed=s, summary=summary, timeseries=ts, attribution=attr, creators=c)
            for s, summary, ts, attr, c in zip(out.seeds, out.summaries, series,
                                               out.attributions, out.creators)]


__all__ = ["CASCADE_CHUNK", "batch_for", "cascade_job", "cascade_replications"]
