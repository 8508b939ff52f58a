"""Sweep throughput on the real engine: runs/s serial vs a 2-worker process pool vs Dask.

    python benchmarks/bench_sweep_engine.py [runs] [consumers] [days]

The same ``runs`` runs (default 12 replications of the baseline at 10,000 consumers and 60
days) go through ``run_sweep`` on each backend; the script checks that every backend wrote
identical KPIs (same seeds -> same results) and prints runs/s with the load average (the
machine may be shared). Times include pool / cluster start-up and Parquet writes.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(runs: int = 12, consumers: int = 10_000, days: int = 60) -> None:
    from sim.sweep import load_sweep, query, run_sweep

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-engine-"))
    sweep = load_sweep(
        {
            "base": str(ROOT / "scenarios" / "baseline.toml"),
            "design": "grid",
            "replications": runs,
            "seed": 42,
            "kpis": ["reach", "orders", "gmv", "roi"],
            "set": {"run": {"consumers": consumers, "days": days}},
            "parameters": [{"name": "behaviour.s0", "values": [0.25]}],
        },
        source=tmp / "sweep.toml",
    )
    cases = [("serial", {"workers": 1}), ("process pool", {"workers": 2}),
             ("dask LocalCluster", {"scheduler": "local", "workers": 2})]
    frames = {}
    print(f"{runs} runs of the baseline, {consumers:,} consumers, {days} days")
    print(f"{'backend':18} {'s':>7} {'runs/s':>7} {'s/run':>6}  load average before -> after")
    for i, (name, kw) in enumerate(cases):
        before = os.getloadavg()
        t0 = time.perf_counter()
        run_sweep(sweep, tmp / f"out{i}", progress=False, chunk_size=1, **kw)
        dt = time.perf_counter() - t0
        after = os.getloadavg()
        frames[name] = query(tmp / f"out{i}", "SELECT * FROM runs ORDER BY run_id")
        print(f"{name:18} {dt:7.1f} {runs / dt:7.3f} {dt / runs:6.2f}  "
              f"{' '.join(f'{x:.2f}' for x in before)} -> {' '.join(f'{x:.2f}' for x in after)}",
              flush=True)
    ref = frames["serial"]
    for name, df in frames.items():
        same = df.equals(ref)
        print(f"{name}: identical to serial: {same}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
