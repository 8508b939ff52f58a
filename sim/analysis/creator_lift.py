"""Incremental orders per creator: leave-one-creator-out under common random numbers.

A creator's incremental orders in one seed are the orders of the full run minus the orders of
the same run (same seed, same world, same random streams, same parameter draw) in which that
creator's posts are *withheld*: the retailer still commissions and pays the creator (so every
budget, allowance and commission draw stays as it was) but none of its posts is published
(:class:`sim.engine.agents.Influencer`, ``withheld``). The difference is what the creator's
posts caused, word of mouth and search they set off included.

Over the seeds of a run the creator gets the mean and a 95 % Student-t interval of the mean
(:func:`sim.execution.runner.mean_interval`): the interval holds seed-to-seed noise (and the
parameter draws when the run has ``--uncertainty``); it does not hold the choice of which
creators were measured. One seed gives the value without an interval.

Cost. One extra run per measured creator and per seed in which the creator published at
least one post; in a seed where it published nothing, the withheld run is identical to the full
run, so its incremental orders are exactly 0 and nothing is simulated. ``limit`` caps the
creators measured: the ``limit`` creators with the most spend (fee × posts, summed over seeds:
where the money went, an input of the plan rather than an outcome). Creators not measured get
no value (NaN, an empty cell in ``creators.csv``), never 0. The runs are batched through
:func:`sim.execution.runner.run_jobs` (serial, processes or Dask), seed by seed, so a chunk of
jobs shares its process's world cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario
from sim.execution.runner import RunResult, mean_interval, run_jobs, run_single

LIFT_COLUMNS = ["incremental_orders", "incremental_orders_mean", "incremental_orders_lo",
                "incremental_orders_hi"]
"""Columns :func:`with_lift` adds to each run's creator table (``creators.csv``). Orders:
``incremental_orders`` this seed's full − withheld orders; ``*_mean``/``*_lo``/``*_hi`` the mean
over the run's seeds and its 95 % t-interval (seed uncertainty). NaN where not measured."""


def lift_candidates(base: Sequence[RunResult], limit: int) -> list[int]:
    """Ids of the creators to measure: at most ``limit`` (≥ 0) creators with posts in some
    seed, most spend (fee × posts over seeds) first, ties by id."""
    frames = [r.creators for r in base if r.creators is not None and len(r.creators)]
    if not frames or limit <= 0:
        return []
    table = pd.concat(frames, ignore_index=True)
    table = table.assign(spend=table["fee"] * table["posts"])
    per = table.groupby("creator").agg(spend=("spend", "sum"), posts=("posts", "sum"))
    per = per[per["posts"] > 0].reset_index().sort_values(["spend", "creator"],
                                                          ascending=[False, True])
    return [int(c) for c in per["creator"].head(limit)]


def _posted(res: RunResult) -> set[int]:
    c = res.creators
    return set() if c is None or not len(c) else {int(x) for x in c.loc[c["posts"] > 0, "creator"]}


def lift_jobs(scenario: Scenario, base: Sequence[RunResult],
              creators: Sequence[int]) -> list[tuple]:
    """Jobs ``(scenario, seed, params, (creator,))`` of the withheld runs, seed by seed: one per
    creator and seed in which the creator posted (each keeps its seed's parameter draw)."""
    jobs = []
    for res in base:
        posted = _posted(res)
        params = res.extra.get("params")
        jobs += [(scenario, res.seed, params, (c,)) for c in creators if c in posted]
    return jobs


def run_lift_job(args: tuple) -> RunResult:
    """One withheld run (see :func:`lift_jobs`); only its seed and final KPIs come back."""
    scenario, seed, params, withheld = args
    if params:
        scenario = scenario.with_overrides(params)
    res = run_single(scenario, seed, keep_timeseries=False, withheld=tuple(withheld))
    return RunResult(seed=res.seed, summary=res.summary, extra={"withheld": tuple(withheld)})


@dataclass
class CreatorLift:
    """Incremental orders of the measured creators.

    ``per_seed``: one row per measured creator and seed (``creator``, ``seed``,
    ``incremental_orders``); ``table``: one row per measured creator (``creator``, ``tier``,
    ``incremental_orders`` mean, ``lo``, ``hi``, ``n`` seeds); ``runs``: withheld runs made.
    """

    per_seed: pd.DataFrame
    table: pd.DataFrame
    runs: int


def lift_from_runs(base: Sequence[RunResult], creators: Sequence[int],
                   withheld: Sequence[RunResult]) -> CreatorLift:
    """Pair the withheld runs (in :func:`lift_jobs` order) with their full runs."""
    got = {(r.seed, r.extra["withheld"][0]): r.summary["orders"] for r in withheld}
    rows = []
    for res in base:
        full = res.summary["orders"]
        for c in creators:  # a creator that did not post in this seed changes nothing: 0
            rows.append({"creator": int(c), "seed": res.seed,
                         "incremental_orders": full - got.get((res.seed, c), full)})
    per_seed = pd.DataFrame(rows, columns=["creator", "seed", "incremental_orders"])
    tiers = {}
    for res in base:
        if res.creators is not None and len(res.creators):
            tiers.update(zip(res.creators["creator"].astype(int), res.creators["tier"]))
    out = []
    for c, g in per_seed.groupby("creator", sort=False):
        m, lo, hi = mean_interval(g["incremental_orders"])
        n = len(g)
        out.append({"creator": int(c), "tier": tiers.get(int(c), ""), "incremental_orders": m,
                    "lo": lo if n > 1 else np.nan, "hi": hi if n > 1 else np.nan, "n": n})
    table = pd.DataFrame(out, columns=["creator", "tier", "incremental_orders", "lo", "hi", "n"])
    return CreatorLift(per_seed, table, len(withheld))


def measure_creator_lift(
    scenario: Scenario, base: Sequence[RunResult], limit: int, *, workers: int = 1,
    scheduler: str | None = None, on_done: Callable[[RunResult], None] | None = None,
) -> CreatorLift:
    """Incremental orders of the ``limit`` top-spend creators of the full runs ``base`` (see
    the module docstring); ``lift_runs_needed(base, limit)`` runs on ``workers`` processes or
    the Dask cluster at ``scheduler``."""
    if scenario.run.mode != "full":
        raise ValueError(f"creator lift: needs run.mode 'full' (got {scenario.run.mode!r})")
    creators = lift_candidates(base, limit)
    jobs = lift_jobs(scenario, base, creators)
    withheld = run_jobs(run_lift_job, jobs, workers=workers, scheduler=scheduler,
                        on_done=on_done) if jobs else []
    return lift_from_runs(base, creators, withheld)


def lift_runs_needed(base: Sequence[RunResult], limit: int) -> int:
    """Withheld runs :func:`measure_creator_lift` makes (for progress bars and cost notes)."""
    creators = lift_candidates(base, limit)
    return sum(len(_posted(r) & set(creators)) for r in base)


def with_lift(results: Sequence[RunResult], lift: CreatorLift | None) -> list[pd.DataFrame]:
    """Each run's creator table with :data:`LIFT_COLUMNS` (NaN where not measured, or all NaN
    when ``lift`` is None) and a ``seed`` column."""
    tables = []
    summary = (lift.table.set_index("creator") if lift is not None
               else pd.DataFrame(columns=["incremental_orders", "lo", "hi"]))
    per_seed = (lift.per_seed.set_index(["seed", "creator"])["incremental_orders"]
                if lift is not None else pd.Series(dtype=float))
    for r in results:
        if r.creators is None or not len(r.creators):
            continue
        t = r.creators.assign(seed=r.seed)
        ids = t["creator"].astype(int)
        t["incremental_orders"] = [per_seed.get((r.seed, c), np.nan) for c in ids]
        for col, src in (("incremental_orders_mean", "incremental_orders"),
                         ("incremental_orders_lo", "lo"), ("incremental_orders_hi", "hi")):
            t[col] = ids.map(summary[src]).astype(float) if len(summary) else np.nan
        tables.append(t)
    return tables


__all__ = ["LIFT_COLUMNS", "CreatorLift", "lift_candidates", "lift_from_runs", "lift_jobs",
           "lift_runs_needed", "measure_creator_lift", "run_lift_job", "with_lift"]
