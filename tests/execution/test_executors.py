"""Executors: serial, process pool and Dask give the same results; chunking; errors."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
import sweep_toys
from sweep_toys import CONSUMERS, S0, write_sweep

from sim.execution.executors import (
    ENV_SCHEDULER,
    DaskExecutor,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    auto_chunk_size,
    chunked,
    make_executor,
    map_runs,
)
from sim.sweeps.driver import query, run_sweep


def square_sum(chunk: list[int]) -> tuple[int, int]:
    if -1 in chunk:
        raise ValueError("bad chunk")
    return chunk[0], sum(x * x for x in chunk)


@pytest.fixture(scope="module")
def dask_address():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_chunked_and_auto_size():
    assert chunked(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunked([], 3) == []
    with pytest.raises(ValueError):
        chunked([1], 0)
    assert auto_chunk_size(10_000, 2) == 64  # capped
    assert auto_chunk_size(100, 2) == 7  # ~8 chunks per worker
    assert auto_chunk_size(3, 8) == 1 and auto_chunk_size(0, 2) == 1


def test_backend_selection(monkeypatch):
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    with make_executor(1) as ex:
        assert isinstance(ex, SerialExecutor) and ex.workers == 1
    with make_executor(2) as ex:
        assert isinstance(ex, ProcessExecutor) and ex.workers == 2
    monkeypatch.setenv(ENV_SCHEDULER, "tcp://127.0.0.1:1")
    with make_executor(1) as ex:  # an explicit single worker stays serial
        assert isinstance(ex, SerialExecutor)
    with pytest.raises(ExecutorError, match="workers must be >= 1"):
        make_executor(0)


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'"):
        DaskExecutor("tcp://127.0.0.1:1", timeout=1)


def test_map_chunks_same_on_every_backend(dask_address):
    chunks = chunked(list(range(50)), 6)
    expected = sorted(square_sum(c) for c in chunks)
    for make in (lambda: make_executor(1), lambda: make_executor(2), lambda: make_executor(scheduler=dask_address)):
        with make() as ex:
            assert sorted(ex.map_chunks(square_sum, chunks)) == expected, ex.describe()


def test_errors_propagate(dask_address):
    chunks = [[1, 2], [3, -1], [4]]
    for make in (lambda: make_executor(1), lambda: make_executor(2), lambda: make_executor(scheduler=dask_address)):
        with make() as ex, pytest.raises(ValueError, match="bad chunk"):
            list(ex.map_chunks(square_sum, chunks))


def test_sweep_identical_on_serial_process_and_dask(tmp_path, dask_address):
    path = write_sweep(tmp_path, design="sobol", samples=8, replications=3, seed=9, timeseries=True,
                       parameters=[S0, CONSUMERS])
    frames = {}
    for name, kw in {
        "serial": {"workers": 1},
        "process": {"workers": 2},
        "dask": {"scheduler": dask_address},
    }.items():
        out = tmp_path / name
        res = run_sweep(path, out, progress=False, chunk_size=5, run_fn=sweep_toys.toy_run, **kw)
        assert res.ran == 8 * 4 * 3
        assert res.backend.startswith(name)
        frames[name] = (
            query(out, "SELECT * FROM runs ORDER BY run_id"),
            query(out, "SELECT * FROM timeseries ORDER BY run_id, step"),
        )
    for name in ("process", "dask"):
        pd.testing.assert_frame_equal(frames[name][0], frames["serial"][0])
        pd.testing.assert_frame_equal(frames[name][1], frames["serial"][1])


def test_dask_sweep_from_environment(tmp_path, dask_address, monkeypatch):
    monkeypatch.setenv(ENV_SCHEDULER, dask_address)
    path = write_sweep(tmp_path, design="grid", replications=2, parameters=[{**S0, "levels": 3}])
    res = run_sweep(path, tmp_path / "out", progress=False, run_fn=sweep_toys.toy_run)
    assert res.backend.startswith("dask") and res.ran == 6


def negate(x: int) -> int:
    if x == 13:
        raise ValueError("unlucky job")
    return -x


def test_map_runs_job_order_on_every_backend(dask_address):
    jobs = list(range(13)) + list(range(14, 30))  # no 13
    for kw in ({"workers": 1}, {"workers": 2}, {"scheduler": dask_address}):
        seen: list[int] = []
        out = map_runs(negate, jobs, on_done=seen.append, chunk_size=3, **kw)
        assert out == [-j for j in jobs], kw
        assert sorted(seen) == sorted(out), kw
    assert map_runs(negate, [], workers=2) == []


def test_map_runs_raises_the_job_error(dask_address):
    for kw in ({"workers": 1}, {"workers": 2}, {"scheduler": dask_address}):
        with pytest.raises(ValueError, match="unlucky job"):
            map_runs(negate, [1, 13, 2], **kw)
