"""Incremental orders per creator (sim/analysis/creator_lift.py): leave-one-creator-out runs
under common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis.creator_lift import (lift_candidates, lift_from_runs, lift_jobs,
                                       measure_creator_lift, run_lift_job, with_lift)
from sim.config.scenario import load_scenario
from sim.execution.runner import replicate, run_single

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 30})


@pytest.fixture(scope="module")
def base(scenario):
    return replicate(scenario, 2, 11, keep_timeseries=False)


def test_withheld_creator_publishes_nothing_and_others_keep_their_posts(scenario, base):
    table = base[0].creators
    top = int(table.sort_values("posts").iloc[-1]["creator"])
    cut = run_single(scenario, base[0].seed, keep_timeseries=False, withheld=(top,)).creators
    mine = cut.set_index("creator")
    assert mine.loc[top, "posts"] == 0 and mine.loc[top, "impressions"] == 0
    others = table[table.creator != top].set_index("creator")["posts"]
    assert (mine.loc[others.index, "posts"] == others).all()  # same commissions for the rest
    assert cut["fee"].equals(table["fee"])


def test_creator_without_posts_has_zero_incremental_orders_within_its_interval(scenario, base):
    idle = int(base[0].creators.query("posts == 0")["creator"].iloc[0])
    assert all(idle not in set(r.creators.query("posts > 0")["creator"]) for r in base)
    same = run_single(scenario, base[0].seed, keep_timeseries=False, withheld=(idle,))
    assert same.summary == base[0].summary  # withholding nothing changes nothing
    lift = lift_from_runs(base, [idle], [])
    row = lift.table.iloc[0]
    assert row.incremental_orders == 0 and row.lo <= 0 <= row.hi and row.n == 2
    assert lift_jobs(scenario, base, [idle]) == []  # not simulated: exactly 0 by construction


def test_measured_creators_are_the_top_spenders_paired_by_seed(scenario, base):
    ids = lift_candidates(base, 3)
    spend = {}
    for r in base:
        for row in r.creators.itertuples():
            spend[row.creator] = spend.get(row.creator, 0) + row.fee * row.posts
    assert sorted(spend.values(), reverse=True)[:3] == sorted((spend[c] for c in ids),
                                                              reverse=True)
    lift = measure_creator_lift(scenario, base, 3)
    assert list(lift.table.creator) == ids and lift.runs == len(lift_jobs(scenario, base, ids))
    job = lift_jobs(scenario, base, ids)[0]
    cf = run_lift_job(job)
    full = next(r for r in base if r.seed == job[1])
    got = lift.per_seed.query(f"seed == {job[1]} and creator == {job[3][0]}")
    assert got["incremental_orders"].item() == full.summary["orders"] - cf.summary["orders"]
    m = lift.per_seed.groupby("creator")["incremental_orders"].mean()
    assert np.allclose(lift.table.set_index("creator")["incremental_orders"], m[ids])


def test_unmeasured_creators_stay_empty_not_zero(scenario, base):
    lift = measure_creator_lift(scenario, base, 1)
    tables = with_lift(base, lift)
    both = [t.set_index("creator") for t in tables]
    measured = lift.table.creator.iloc[0]
    assert all(np.isfinite(t.loc[measured, "incremental_orders"]) for t in both)
    rest = [t.drop(index=measured) for t in both]
    assert all(t["incremental_orders"].isna().all() for t in rest)
    none = with_lift(base, None)
    assert all(t["incremental_orders_mean"].isna().all() for t in none)


def test_withheld_runs_keep_their_seeds_parameter_draw(scenario):
    """With --uncertainty each withheld run carries the parameter vector of its full run."""
    import pandas as pd

    from sim.execution.runner import RunResult

    table = pd.DataFrame({"creator": [5, 6], "tier": ["head", "head"], "fee": [10.0, 10.0],
                          "posts": [2, 0]})
    base = [RunResult(seed=s, summary={"orders": 3.0}, creators=table,
                      extra={"params": {"behaviour.s0": 0.1 * s}}) for s in (1, 2)]
    jobs = lift_jobs(scenario, base, [5, 6])
    assert [(j[1], j[2], j[3]) for j in jobs] == [(1, {"behaviour.s0": 0.1}, (5,)),
                                                  (2, {"behaviour.s0": 0.2}, (5,))]
