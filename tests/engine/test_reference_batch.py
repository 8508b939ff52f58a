"""Independent-cascade and threshold replications without a model per replication
(sim.engine.reference_batch, through sim.execution.runner.replicate) give exactly what one
model per seed gives: every column of every time series, the summaries, the attribution and
creators tables, on an edge-list world and on generated graphs, whatever the batching."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.engine import reference_batch
from sim.engine.model import SocialCommerceModel
from sim.engine.reference_batch import dynamics_rng, moving_kpis
from sim.execution import cascade_batch
from sim.execution.cascade_batch import batch_for, cascade_replications
from sim.execution.runner import (_run_job, replicate, replication_jobs, replication_seeds,
                                  run_jobs, summarize)

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "reference" / "independent_cascade.toml"


@pytest.fixture(scope="module")
def edgelist(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ba") / "ba_3000.txt"
    g = nx.barabasi_albert_graph(3000, 3, seed=5)
    np.savetxt(path, np.array(g.edges(), dtype=np.int64), fmt="%d")
    return path


def cascade(**overrides):
    return load_scenario(SCENARIO, {"run.consumers": 2000, "run.days": 25} | overrides)


def model_path(config, reps: int, seed: int):
    """One model per replication (the path every other mode takes)."""
    jobs = replication_jobs(config, replication_seeds(config, reps, seed), True)
    return run_jobs(_run_job, jobs)


def assert_same_results(fast, slow) -> None:
    assert [r.seed for r in fast] == [r.seed for r in slow]
    for a, b in zip(fast, slow):
        assert list(a.summary) == list(b.summary) and a.summary == b.summary
        assert all(type(v) is float for v in a.summary.values())
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
        assert (a.timeseries.dtypes == b.timeseries.dtypes).all()
        pd.testing.assert_frame_equal(a.attribution, b.attribution, check_exact=True)
        pd.testing.assert_frame_equal(a.creators, b.creators, check_exact=True)
        assert a.extra == b.extra
    pd.testing.assert_frame_equal(summarize(fast), summarize(slow), check_exact=True)


@pytest.mark.parametrize("overrides", [
    {"reference.transmissibility": 0.15, "reference.seeds": 4},  # dies out on most seeds
    {"reference.transmissibility": 0.4, "reference.seeds": 30},  # saturates within the run
], ids=["sparse", "saturating"])
def test_edgelist_replications_equal_the_model_path(edgelist, overrides):
    config = cascade(**{"graph.kind": "edgelist", "graph.path": str(edgelist)} | overrides)
    fast = replicate(config, 5, seed=21)
    assert_same_results(fast, model_path(config, 5, 21))
    assert len({r.summary["engaged"] for r in fast}) > 1  # the seeds differ


@pytest.mark.parametrize("kind", ["erdos_renyi", "circles", "barabasi_albert"])
def test_generated_graph_replications_equal_the_model_path(kind):
    config = cascade(**{"graph.kind": kind, "graph.mean_degree": 6,
                        "reference.transmissibility": 0.25})
    assert_same_results(replicate(config, 4, seed=3), model_path(config, 4, 3))


@pytest.mark.parametrize("overrides", [
    {"reference.transmissibility": 0.0},  # nothing spreads
    {"reference.transmissibility": 1.0, "run.days": 3},  # every tie, cut short by the run
    {"run.days": 1},  # seeding only
    {"reference.seeds": 5000},  # more seeds than consumers: everyone is a seed
    {"graph.kind": "well_mixed"},  # no ties to spread on
])
def test_edge_cases_equal_the_model_path(overrides):
    config = cascade(**{"run.consumers": 600} | overrides)
    assert_same_results(replicate(config, 2, seed=8), model_path(config, 2, 8))


@pytest.mark.slow  # starts a process pool (about 10 s on a loaded machine)
def test_batching_and_processes_do_not_change_results(edgelist):
    config = cascade(**{"graph.kind": "edgelist", "graph.path": str(edgelist),
                        "reference.transmissibility": 0.2})
    serial = replicate(config, 7, seed=100)
    chunked = cascade_replications(config, list(range(100, 107)), True, 4)
    assert_same_results(chunked, serial)  # batches of one: a pool of four, two jobs each
    seen = []
    pooled = replicate(config, 7, seed=100, workers=2, on_done=seen.append)
    assert_same_results(pooled, serial)
    assert sorted(r.seed for r in seen) == list(range(100, 107))  # each result reported once


def test_a_rewritten_edge_list_is_read_again(tmp_path):
    path = tmp_path / "ties.txt"
    results = []
    for n, m in ((400, 2), (400, 4)):  # same node count, other ties
        g = nx.barabasi_albert_graph(n, m, seed=1)
        np.savetxt(path, np.array(g.edges(), dtype=np.int64), fmt="%d")
        os.utime(path, ns=(m * 10**9, m * 10**9))  # the file's version changes
        config = cascade(**{"graph.kind": "edgelist", "graph.path": str(path),
                            "reference.transmissibility": 0.3, "reference.seeds": 3})
        fast = replicate(config, 2, seed=4)
        assert_same_results(fast, model_path(config, 2, 4))
        results.append(fast[0].summary["exposures"])
    assert results[0] != results[1]


def test_no_model_is_built_per_replication(edgelist, monkeypatch):
    config = cascade(**{"graph.kind": "edgelist", "graph.path": str(edgelist), "run.days": 7})
    cascade_batch._BATCHES.clear()
    built = []
    init = SocialCommerceModel.__init__
    monkeypatch.setattr(SocialCommerceModel, "__init__",
                        lambda self, *a, **k: built.append(1) or init(self, *a, **k))
    replicate(config, 12, seed=1, keep_timeseries=False)
    replicate(config, 12, seed=50, keep_timeseries=False)
    assert len(built) == 1  # the day-0 template, once per process and scenario


def test_the_dynamics_stream_is_the_models():
    config = cascade()
    for seed in (0, 7, 2**40):
        model = SocialCommerceModel(config, seed=seed)
        assert model.ctx.rng.bit_generator.state == dynamics_rng(seed).bit_generator.state


def test_counts_follow_the_cascade():
    config = cascade(**{"reference.transmissibility": 0.3, "reference.seeds": 10})
    batch = batch_for(config, 1)
    c = batch.counts(4)
    assert c.engaged[0] == 0 and c.engaged[1] == 10 and c.exposures[1] == 0
    assert (np.diff(c.engaged) >= 0).all() and (np.diff(c.exposures) >= 0).all()
    np.testing.assert_array_equal(np.diff(c.exposures), c.daily_exposures[1:])
    np.testing.assert_array_equal(c.engagements, c.exposures)  # every delivery engages
    # engaging someone new takes a successful trial: newly engaged ≤ today's trials
    assert (np.diff(c.engaged)[1:] <= c.daily_exposures[2:]).all() and c.engaged[-1] > 10


def test_moving_kpis_guard_against_a_changed_definition(monkeypatch):
    def drifted(counts, n):
        out = moving_kpis(counts, n)
        out["stage_unaware"] = n - out["engaged"] + 1  # no longer the model's definition
        return out

    monkeypatch.setattr(reference_batch, "moving_kpis", drifted)
    cascade_batch._BATCHES.clear()
    with pytest.raises(RuntimeError, match="stage_unaware"):
        batch_for(cascade(), 1)


@pytest.mark.parametrize("mode", ["independent_cascade", "threshold"])
def test_the_bundled_scenario_keeps_its_recorded_fingerprint(mode):
    """The batch path reproduces the bundled scenario's recorded time series
    (scripts/fingerprints.py: seed 7, 30 days, each column's values to 12 digits, hashed)."""
    name = f"scenarios/reference/{mode}.toml"
    recorded = json.loads((ROOT / "tests" / "data" / "fingerprints.json").read_text())[name]
    ts = replicate(load_scenario(ROOT / name, {"run.days": 30}), 1, seed=7)[0].timeseries
    assert set(ts.columns) == set(recorded)
    for col in sorted(ts.columns):
        text = ",".join(f"{v:.12g}" for v in np.asarray(ts[col], dtype=float))
        assert hashlib.sha256(text.encode()).hexdigest()[:16] == recorded[col], col


def threshold(**overrides):
    return load_scenario(ROOT / "scenarios" / "reference" / "threshold.toml",
                         {"run.consumers": 2000, "run.days": 25} | overrides)


@pytest.mark.parametrize("overrides", [
    {},  # the bundled question's φ = 0.18 on Erdős–Rényi, mean degree 5
    {"reference.phi": 0.1, "reference.seeds": 40},  # goes global
    {"graph.kind": "circles", "graph.mean_degree": 8, "reference.phi": 0.12},
    {"reference.phi": 0.0},  # everyone with a tie engages on day 2
    {"reference.phi": 1.0, "reference.seeds": 300},  # only consumers all of whose ties engaged
    {"reference.phi": 0.5, "reference.seeds": 1},  # nobody flips: every later day carried over
    {"run.days": 1},
], ids=["bundled", "global", "circles", "phi0", "phi1", "still", "one_day"])
def test_threshold_replications_equal_the_model_path(overrides):
    config = threshold(**overrides)
    assert_same_results(replicate(config, 4, seed=12), model_path(config, 4, 12))


def test_threshold_on_an_edge_list_equals_the_model_path(edgelist):
    config = threshold(**{"graph.kind": "edgelist", "graph.path": str(edgelist),
                          "reference.phi": 0.15, "reference.seeds": 30})
    fast = replicate(config, 4, seed=2)
    assert_same_results(fast, model_path(config, 4, 2))
    assert max(r.summary["engaged"] for r in fast) > 60  # it spread beyond the seeds
