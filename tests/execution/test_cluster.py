"""A real Dask cluster over TCP: ``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1``
started as separate processes on loopback, as on separate machines. Replications, a comparison
with attribution and a sweep give the same numbers there as serially; the processes are gone
afterwards."""

from __future__ import annotations

import operator
import socket
from pathlib import Path

import pandas as pd
import pytest
from sweep_toys import write_sweep

from sim.config.scenario import load_scenario
from sim.execution.cluster import tcp_cluster
from sim.execution.executors import map_runs
from sim.execution.runner import replicate

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"run.consumers": 600, "run.days": 15}


@pytest.fixture(scope="module")
def cluster():
    with tcp_cluster(n_workers=2, nthreads=1, timeout=90) as address:
        yield address
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    with pytest.raises(OSError):  # torn down: nothing listens on the scheduler port any more
        socket.create_connection((host, int(port)), timeout=2).close()


@pytest.fixture(scope="module")
def small():
    return load_scenario(ROOT / "scenarios" / "baseline.toml", SMALL)


def test_cluster_has_two_single_threaded_worker_processes(cluster):
    from distributed import Client

    with Client(cluster, set_as_default=False) as client:
        info = client.scheduler_info(n_workers=-1)["workers"]
        pids = client.run(lambda: __import__("os").getpid())
    assert len(info) == 2 and all(w["nthreads"] == 1 for w in info.values())
    assert len(set(pids.values())) == 2 and __import__("os").getpid() not in pids.values()


def test_map_runs_keeps_job_order_and_reports_each(cluster):
    # the function must be importable on the workers (an installed module): operator.neg is
    jobs = list(range(23))
    seen = []
    out = map_runs(operator.neg, jobs, scheduler=cluster, on_done=seen.append, chunk_size=4)
    assert out == [-j for j in jobs]
    assert sorted(seen) == sorted(out)


def test_replications_identical_to_serial(cluster, small):
    serial = replicate(small, 3, seed=11, workers=1)
    remote = replicate(small, 3, seed=11, scheduler=cluster)
    assert [r.seed for r in remote] == [11, 12, 13]
    for a, b in zip(serial, remote):
        assert a.summary == b.summary
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(a.attribution, b.attribution, check_exact=True)


def test_compare_with_attribution_identical_to_serial(cluster, small):
    from sim.analysis.comparison import compare

    other = small.with_overrides({"retailers.0.allocation.ads": 0.4, "name": "ads_heavy"})
    serial = compare([small, other], reps=2, seed=3, workers=1, attribution_reps=1)
    remote = compare([small, other], reps=2, seed=3, scheduler=cluster, attribution_reps=1)
    pd.testing.assert_frame_equal(serial.table, remote.table, check_exact=True)
    assert serial.verdict == remote.verdict
    for name in serial.names:
        pd.testing.assert_frame_equal(serial.attribution[name].per_seed,
                                      remote.attribution[name].per_seed, check_exact=True)


def test_sweep_rows_identical_to_serial(cluster, tmp_path):
    from sim.sweeps.driver import query, run_sweep

    path = write_sweep(tmp_path, design="latin_hypercube", samples=6, replications=1, seed=4,
                       base=str(ROOT / "scenarios" / "baseline.toml"), timeseries=True,
                       set=SMALL, parameters=[{"name": "behaviour.s0", "low": 0.05, "high": 0.4}])
    run_sweep(path, tmp_path / "serial", workers=1, progress=False)
    res = run_sweep(path, tmp_path / "cluster", scheduler=cluster, chunk_size=1, progress=False)
    assert res.ran == 6
    rows = "SELECT * FROM runs ORDER BY run_id"
    pd.testing.assert_frame_equal(query(tmp_path / "serial", rows),
                                  query(tmp_path / "cluster", rows), check_exact=True)
    steps = "SELECT * FROM timeseries ORDER BY run_id, step"
    pd.testing.assert_frame_equal(query(tmp_path / "serial", steps),
                                  query(tmp_path / "cluster", steps), check_exact=True)


def test_workers_start_warm(cluster):
    # `dask worker --preload sim.execution.prewarm` warmed each worker at start: warm()
    # returns 0.0 in a warm process
    from sim.execution.warmup import warm

    assert map_runs(warm, [300, 300], scheduler=cluster, chunk_size=1) == [0.0, 0.0]


@pytest.mark.parametrize("mode", ["independent_cascade", "threshold"])
def test_cascade_replications_identical_to_the_model_path(cluster, mode):
    """Independent-cascade and threshold replications go out in batches (no model per
    replication, sim.execution.cascade_batch); on the cluster they equal one model per seed."""
    from sim.execution.runner import _run_job, replication_jobs, run_jobs

    scn = load_scenario(ROOT / "scenarios" / "reference" / f"{mode}.toml",
                        {"run.consumers": 3000, "run.days": 20})
    models = run_jobs(_run_job, replication_jobs(scn, list(range(5, 12))))
    remote = replicate(scn, 7, seed=5, scheduler=cluster)
    assert [r.seed for r in remote] == list(range(5, 12))
    for a, b in zip(models, remote):
        assert a.summary == b.summary
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
        pd.testing.assert_frame_equal(a.attribution, b.attribution, check_exact=True)
