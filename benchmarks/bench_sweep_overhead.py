"""Per-run overhead of the sweep machinery (no simulation: a no-op run function).

    python benchmarks/bench_sweep_overhead.py [runs]

For each backend and chunk size: wall time of ``run_sweep`` (design, tasks, transfer, Parquet
writes, excluding cluster start-up) divided by the number of runs.

Recorded 2026-11-25, 2-core VM shared with other work (load 3-6), 4000 runs, ms per run:
serial (chunk 64) 0.17-0.32; process pool 2 workers: chunk 1 1.8-3.1, chunk 64 0.26-0.31;
Dask LocalCluster 2 workers: chunk 1 7.9-14, chunk 16 0.5-0.8, chunk 64 0.26-0.29.
(Raw Dask round trip of an empty task here: 2.7 ms with gather, 4-4.7 ms with as_completed.)
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sim.sweeps.driver import load_sweep, run_sweep


def noop_run(base: Any, params: dict[str, Any], seed: int, keep_timeseries: bool) -> dict[str, float]:
    """A run that costs nothing: the measured time is all overhead."""
    return {"y": float(params["behaviour.s0"]), "seed_mod": float(seed % 7)}


def main(runs: int = 4000) -> None:
    from distributed import LocalCluster

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    (tmp / "base.toml").write_text('name = "noop"\n')
    sweep = load_sweep(
        {
            "base": "base.toml",
            "design": "latin_hypercube",
            "samples": runs,
            "seed": 1,
            "parameters": [{"name": "behaviour.s0", "low": 0.0, "high": 1.0}],
        },
        source=tmp / "sweep.toml",
    )
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    try:
        cases = [
            ("serial", {"workers": 1}, None),
            ("process", {"workers": 2}, 1),
            ("process", {"workers": 2}, None),
            ("dask", {"scheduler": cluster.scheduler_address}, 1),
            ("dask", {"scheduler": cluster.scheduler_address}, 16),
            ("dask", {"scheduler": cluster.scheduler_address}, None),
        ]
        print(f"{'backend':8} {'chunk':>6} {'runs':>6} {'chunks':>6} {'s':>7} {'ms/run':>7}")
        for i, (name, kw, chunk) in enumerate(cases):
            t0 = time.perf_counter()
            res = run_sweep(sweep, tmp / f"out{i}", progress=False, chunk_size=chunk, run_fn=noop_run, **kw)
            dt = time.perf_counter() - t0
            label = str(chunk) if chunk else f"auto={-(-runs // res.chunks)}"
            print(f"{name:8} {label:>6} {res.ran:6d} {res.chunks:6d} {dt:7.2f} {1000 * dt / res.ran:7.3f}")
    finally:
        cluster.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
