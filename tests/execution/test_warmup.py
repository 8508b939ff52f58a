"""Warm worker processes: the forkserver of local pools and Dask workers load the engine's
compiled kernels before their first run; warming leaves results, and the world cache, as they
were. Guided chunks: decreasing sizes, every job once, in order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.config.scenario import load_scenario
from sim.execution import warmup
from sim.execution.executors import guided_chunks, map_runs
from sim.execution.runner import run_single
from sim.world.builder import WORLDS

ROOT = Path(__file__).resolve().parents[2]


def test_warming_changes_no_result_and_no_cache():
    scn = load_scenario(ROOT / "scenarios" / "baseline.toml",
                        {"run.consumers": 800, "run.days": 12})
    before = run_single(scn, seed=5)
    cached, builds = len(WORLDS), WORLDS.builds
    first = warmup.warm(consumers=300, days=3)
    assert warmup.warm() == 0.0  # once per process
    assert warmup.warmed_seconds() is not None
    if first > 0:  # this test warmed the process: nothing entered the world cache
        assert (len(WORLDS), WORLDS.builds) == (cached, builds)
    after = run_single(scn, seed=5)
    assert before.summary == after.summary
    pd.testing.assert_frame_equal(before.timeseries, after.timeseries)
    pd.testing.assert_frame_equal(before.attribution, after.attribution)


def test_pool_workers_start_warm():
    # warm() returns 0.0 in a process that is warm already: the pool's workers are forked
    # from a forkserver that warmed itself (sim.execution.prewarm in PRELOAD)
    assert map_runs(warmup.warm, [300, 300, 300], workers=2, chunk_size=1) == [0.0, 0.0, 0.0]


def test_guided_chunks_decrease_and_cover_every_job_once():
    items = list(range(96))
    parts = guided_chunks(items, 2)
    sizes = [len(p) for p in parts]
    assert [x for p in parts for x in p] == items
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1] == 1
    assert len(parts) < len(items)
    assert max(len(p) for p in guided_chunks(list(range(10_000)), 2, max_size=16)) == 16
    assert guided_chunks([], 2) == [] and guided_chunks([7], 4) == [[7]]
