"""Sweep throughput: runs per second of a 10k-consumer, 60-day scenario, serial vs all cores.

    python benchmarks/bench_sweep.py [--quick] [--runs 24]

A Latin-hypercube sweep over the baseline (``run.consumers = 10000``, ``run.days = 60``;
swept: ``behaviour.s0`` and ``platforms.feed.organic_reach``) is run through the sweep machinery
(``sim.sweeps.driver.run_sweep``: design, chunked tasks, Parquet output) with the serial executor,
with a local process pool using every core, and on a Dask cluster of separate processes over
TCP (``dask scheduler`` + ``dask worker tcp://… --nworkers <cores> --nthreads 1``, started by
``sim.execution.cluster.tcp_cluster`` on loopback, exactly as on separate machines). The wall
time covers everything the user waits for, pool start-up and result writing included; for the
cluster it starts once the cluster is up (a user's cluster is running before the sweep; its
start-up time is reported apart). Every backend's rows are compared with the serial rows
(all columns, exactly).

Every backend starts warm: the cluster's workers load the engine's compiled kernels when they
start (``dask worker --preload sim.execution.prewarm``, counted in the cluster's start-up), the
pool's forkserver does so once when the pool starts (counted in the pool's time), and the
driving process is warmed the same way before the serial pass (reported apart). CPU time is
recorded too: the driving process's for the serial pass, the worker processes' (psutil) for the
cluster, so a loaded machine's share of the cores can be told from the sweep's own cost.

Control: the same machine's speed-up on pure-Python CPU work spread over the same number of
processes, measured right after. On a shared machine it can be well below the core count (other
users' processes hold the cores); the sweep cannot do better than it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, Timer, load, save, versions


def sweep_spec(runs: int) -> dict:
    return {
        "name": "throughput",
        "base": str(ROOT / "scenarios" / "baseline.toml"),
        "design": "latin_hypercube",
        "samples": runs,
        "replications": 1,
        "seed": 7,
        "kpis": ["reach", "buyers", "orders", "gmv"],
        "set": {"run.consumers": 10_000, "run.days": 60},
        "parameters": [
            {"name": "behaviour.s0", "low": 0.1, "high": 0.4},
            {"name": "platforms.feed.organic_reach", "low": 0.15, "high": 0.45},
        ],
    }


def burn(n: int) -> int:
    """Pure-Python CPU work (the parallelism control)."""
    s = 0
    for i in range(n):
        s += i * i
    return s


def parallelism_control(workers: int, n: int = 10_000_000, tasks: int = 4) -> dict:
    """How much faster the machine runs ``tasks`` CPU-bound tasks on ``workers`` processes than
    serially, right now: the ceiling for any sweep speed-up (other users' processes share the
    cores)."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    for _ in range(tasks):
        burn(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(workers) as ex:
        list(ex.map(burn, [1000] * workers))  # start the workers first
        t0 = time.perf_counter()
        list(ex.map(burn, [n] * tasks))
        pooled = time.perf_counter() - t0
    return {"serial_s": serial, "pool_s": pooled, "speedup": serial / pooled, "load": load()}


def worker_cpu(address: str) -> float:
    """CPU seconds (user + system) used so far by the cluster's worker processes."""
    from distributed import Client

    def cpu() -> float:
        import psutil

        t = psutil.Process().cpu_times()
        return t.user + t.system

    with Client(address, set_as_default=False) as client:
        return float(sum(client.run(cpu).values()))


def main() -> None:
    from sim.execution.cluster import tcp_cluster
    from sim.execution.warmup import warm
    from sim.sweeps.driver import load_sweep, query, run_sweep

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 runs")
    ap.add_argument("--runs", type=int, default=None)
    args = ap.parse_args()
    runs = args.runs or (8 if args.quick else 24)
    cores = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="socsim-bench-sweep-"))
    rows = []
    try:
        sweep = load_sweep(sweep_spec(runs), source=tmp / "sweep.toml")
        frames = {}
        t0 = time.perf_counter()
        with tcp_cluster(n_workers=cores, nthreads=1) as address:
            startup = time.perf_counter() - t0
            driver_warm = warm()
            for label, kw in (("serial", {"workers": 1}),
                              (f"process pool, {cores} workers", {"workers": cores}),
                              (f"TCP Dask cluster, {cores} worker processes",
                               {"scheduler": address})):
                out = tmp / label.split(",")[0].replace(" ", "_")
                cluster = "scheduler" in kw
                c0 = worker_cpu(address) if cluster else time.process_time()
                with Timer() as t:
                    res = run_sweep(sweep, out, progress=False, **kw)
                cpu = (worker_cpu(address) if cluster else time.process_time()) - c0
                frames[label] = query(out, "SELECT * FROM runs ORDER BY run_id")
                rows.append({"backend": label, "workers": kw.get("workers", cores),
                             "runs": res.ran, "wall_s": t.seconds, "runs_per_s": res.ran / t.seconds,
                             "cpu_s": None if kw.get("workers") == cores else cpu,
                             "cpu_of": "workers" if cluster else "driver",
                             "load_before": t.load_before, "load_after": t.load_after})
                cpu_txt = "" if rows[-1]["cpu_s"] is None else f", {cpu / res.ran:.3f} s CPU/run"
                print(f"{label:40} {res.ran} runs in {t.seconds:6.1f} s = "
                      f"{res.ran / t.seconds:5.2f} runs/s{cpu_txt} (load {t.load_before})",
                      flush=True)
        serial = rows[0]["runs_per_s"]
        ref = frames["serial"]
        same = {label: bool(f.equals(ref)) for label, f in frames.items()}
        control = parallelism_control(cores)
        print(f"speed-up with {cores} workers: pool {rows[1]['runs_per_s'] / serial:.2f}x, "
              f"TCP cluster {rows[2]['runs_per_s'] / serial:.2f}x (cluster start-up "
              f"{startup:.1f} s); rows identical to serial: {same}; "
              f"control (pure CPU work on {cores} processes): {control['speedup']:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save("sweep", {"scenario": "scenarios/baseline.toml (10,000 consumers, 60 days)",
                   "runs": runs, "rows": rows, "speedup": rows[1]["runs_per_s"] / serial,
                   "cluster_speedup": rows[2]["runs_per_s"] / serial,
                   "cluster_startup_s": startup, "driver_warm_s": driver_warm,
                   "same_results": all(same.values()), "same_by_backend": same,
                   "control": control, "load_end": load(),
                   "versions": versions("numpy", "dask", "distributed", "pyarrow")})


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
