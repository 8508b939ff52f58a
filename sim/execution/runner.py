"""Running scenarios: one run, replications with common random numbers, summary statistics.

Replication ``i`` of a scenario runs with seed ``run.seed + i``. Every scenario compared under
the same base seed therefore sees the same worlds (graph, population, creators) and the same
random streams: differences between scenarios are not drowned by noise (common random numbers).

With parameter uncertainty (:mod:`sim.execution.uncertainty`) replication ``i`` also draws one
parameter vector from (base seed, ``i``), the same for every scenario: intervals then hold seed
noise and parameter uncertainty. The drawn values are in ``RunResult.extra["params"]``.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.scenario import Scenario
from sim.execution.executors import map_runs

if TYPE_CHECKING:
    from sim.execution.uncertainty import ParameterDraws


@dataclass
class RunResult:
    """Outputs of one run.

    ``summary``: final KPIs; ``timeseries``: one row per step (0..days) with a ``step`` column
    and one column per KPI; ``attribution``: per channel spend, first- and last-touch orders;
    ``creators``: one row per creator (:func:`sim.engine.platform_funnel.creator_rows`,
    built column by column by ``creator_frame``).
    """

    seed: int
    summary: dict[str, float]
    timeseries: pd.DataFrame | None = None
    attribution: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    creators: pd.DataFrame | None = None


def attribution_table(model) -> pd.DataFrame:
    """Per channel: spend, exposures, first-touch and last-touch orders and GMV (yuan), summed
    over retailers (an order's GMV is its retailer's price)."""
    book, ledger = model.metrics, model.ledger
    spend = ledger.spend_by_channel()
    price = np.array([r.cfg.price for r in model.retailers], dtype=float)
    if len(price) != ledger.first_touch_orders.shape[0]:  # reference modes: no retailers
        price = np.zeros(ledger.first_touch_orders.shape[0])
    return pd.DataFrame({
        "channel": model.channels,
        "spend": [spend.get(ch, 0.0) for ch in model.channels],
        "exposures": book.exposures_by_channel,
        "first_touch_orders": ledger.first_touch_orders.sum(axis=0),
        "last_touch_orders": ledger.last_touch_orders.sum(axis=0),
        "first_touch_gmv": price @ ledger.first_touch_orders,
        "last_touch_gmv": price @ ledger.last_touch_orders,
    })


_FROZEN = False


def freeze_long_lived() -> None:
    """Once per process: collect garbage, then move every object alive now (modules, classes,
    caches, loaded kernels) to the garbage collector's permanent generation (``gc.freeze``).

    Python's cyclic collector otherwise walks these ~160,000 import-time
    objects in every full collection, about once per 10,000-consumer run (≈ 5 % of its time);
    frozen, they are skipped. Objects are still freed by reference counting; only a reference
    cycle among objects alive at the freeze would never be collected. Called by
    :func:`run_single` before its first run; ``SOCSIM_GC_FREEZE=0`` turns it off. Results do
    not depend on it.
    """
    global _FROZEN
    if _FROZEN:
        return
    _FROZEN = True
    if os.environ.get("SOCSIM_GC_FREEZE", "1") != "0":
        gc.collect()
        gc.freeze()


def run_single(
    scenario: Scenario, seed: int | None = None, *, keep_timeseries: bool = True, graph=None,
    withheld: tuple[int, ...] = (),
) -> RunResult:
    """Build the model, run ``run.days`` steps and collect its outputs (``withheld``: creator
    ids whose posts are not published, :mod:`sim.analysis.creator_lift`)."""
    from sim.engine.model import SocialCommerceModel

    freeze_long_lived()
    seed = int(scenario.run.seed if seed is None else seed)
    model = SocialCommerceModel(scenario, seed=seed, graph=graph, withheld=withheld)
    model.keep_timeseries = keep_timeseries  # without: no daily KPI snapshot (same summary)
    while model.running:
        model.step()
    ts = None
    if keep_timeseries:
        ts = model.datacollector.get_model_vars_dataframe()
        ts.index.name = "step"
        ts = ts.reset_index()
    from sim.engine.platform_funnel import creator_frame

    extra = {"tables": model.retail.tables()} if getattr(model, "retail", None) else {}
    return RunResult(seed=seed, summary=dict(model.kpis), timeseries=ts,
                     attribution=attribution_table(model), extra=extra,
                     creators=creator_frame(model.ctx))


def replication_seeds(scenario: Scenario, reps: int | None = None, seed: int | None = None) -> list[int]:
    """Seeds of the replications: base seed + i (plain Python ints)."""
    base = scenario.run.seed if seed is None else seed
    n = scenario.run.replications if reps is None else reps
    return [int(base) + i for i in range(n)]


def _run_job(args: tuple) -> RunResult:
    """A runner job: ``(scenario, seed, keep_timeseries)`` or, with a parameter draw,
    ``(scenario, seed, keep_timeseries, params)`` (dotted key -> value, applied here)."""
    scenario, seed, keep, *rest = args
    params = rest[0] if rest else None
    if params:
        scenario = scenario.with_overrides(params)
    res = run_single(scenario, seed, keep_timeseries=keep)
    if params:
        res.extra["params"] = dict(params)
    return res


def replication_jobs(scenario: Scenario, seeds: list[int], keep_timeseries: bool = True,
                     uncertainty: "ParameterDraws | None" = None) -> list[tuple]:
    """Runner jobs of the replications ``seeds`` (base seed first). With ``uncertainty``,
    replication ``i`` carries the parameter vector ``uncertainty.draw(seeds[0], i)``, the same
    for every scenario run under these seeds (paired)."""
    if uncertainty is None:
        return [(scenario, int(s), keep_timeseries) for s in seeds]
    return [(scenario, int(s), keep_timeseries, uncertainty.draw(seeds[0], i))
            for i, s in enumerate(seeds)]


def replicate(
    scenario: Scenario, reps: int | None = None, seed: int | None = None, *,
    workers: int | None = 1, scheduler: str | None = None, keep_timeseries: bool = True,
    on_done: Callable[[RunResult], None] | None = None,
    uncertainty: "ParameterDraws | None" = None,
) -> list[RunResult]:
    """Run the replications of a scenario on any backend of :func:`map_runs`.

    Results come back in seed order whatever the backend (identical to serial): ``workers=1``
    serial, ``workers=n`` local processes, ``scheduler="tcp://HOST:PORT"`` a Dask cluster.
    ``on_done`` is called as each run finishes (for progress bars). ``uncertainty``: each
    replication draws one parameter vector (see :func:`replication_jobs`).

    Replications of the ``independent_cascade`` and ``threshold`` reference modes (without
    ``uncertainty``) run in batches that build no model per replication
    (:mod:`sim.execution.cascade_batch`): the results of one model per seed, many times faster.
    """
    from sim.engine.reference_batch import batchable

    seeds = replication_seeds(scenario, reps, seed)
    if uncertainty is None and batchable(scenario):
        from sim.execution.cascade_batch import cascade_replications

        return cascade_replications(scenario, seeds, keep_timeseries, workers, scheduler,
                                    on_done)
    jobs = replication_jobs(scenario, seeds, keep_timeseries, uncertainty)
    return run_jobs(_run_job, jobs, workers=workers, scheduler=scheduler, on_done=on_done)


def run_jobs(fn: Callable[[Any], RunResult], jobs: list[Any], *, workers: int | None = 1,
             scheduler: str | None = None,
             on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run ``fn`` over ``jobs``; results in job order, identical on every backend.

    The runs of ``run --reps``, ``compare`` and attribution go through here to
    :func:`sim.execution.executors.map_runs` (serial, local processes or a Dask cluster).
    """
    return map_runs(fn, jobs, workers=workers, scheduler=scheduler, on_done=on_done)


def t_interval(values: Any, level: float = 0.95) -> tuple[Any, Any, Any]:
    """Mean over the first axis and its Student-t confidence interval (``level`` 0–1).

    The interval holds the uncertainty of the *mean over replications* (seed-to-seed noise),
    not of a single run. ``values`` is 1-d (one KPI: floats back) or 2-d (rows = replications,
    columns = e.g. days: arrays back). With one replication, or no spread, the interval is the
    mean itself.
    """
    x = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    m = x.mean(axis=0)
    n = x.shape[0]
    if n < 2:
        return (float(m), float(m), float(m)) if x.ndim == 1 else (m, m, m)
    sd = x.std(axis=0, ddof=1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
    if x.ndim == 1:
        if float(sd) == 0.0:
            return float(m), float(m), float(m)
        return float(m), float(m - half), float(m + half)
    return m, m - half, m + half


def mean_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and 95 % t-interval of one KPI over replications (see :func:`t_interval`)."""
    return t_interval(values, level)


def summarize(results: list[RunResult], kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """Per KPI: mean, 95 % interval (lo, hi), sd and n over replications."""
    names = list(kpis) if kpis is not None else list(results[0].summary)
    rows = []
    for k in names:
        vals = [r.summary[k] for r in results]
        m, lo, hi = mean_interval(vals)
        rows.append({"kpi": k, "mean": m, "lo": lo, "hi": hi,
                     "sd": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0, "n": len(vals)})
    return pd.DataFrame(rows)


def timeseries_frame(results: list[RunResult]) -> pd.DataFrame:
    """All replications' time series stacked, with a ``replication`` column first."""
    frames = []
    for i, r in enumerate(results):
        if r.timeseries is None:
            continue
        ts = r.timeseries.copy()
        ts.insert(0, "replication", i)
        frames.append(ts)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def retail_tables(results: list[RunResult]) -> dict[str, pd.DataFrame]:
    """Per-store (and other retail) tables of every replication, stacked with a ``replication``
    column first; {} when the scenario has no retail systems."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for i, r in enumerate(results):
        for name, rows in r.extra.get("tables", {}).items():
            frame = pd.DataFrame(rows)
            frame.insert(0, "replication", i)
            frames.setdefault(name, []).append(frame)
    return {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
