"""Many small runs: what an *extra* replication costs, against a big run and against cynetdiff.

    python benchmarks/bench_replications.py [--quick] [--ic-reps 200] [--small-reps 40]
                                            [--skip-ic | --skip-small] [--threshold]

Two measurements, each side by side in one process (this machine's speed drifts over minutes,
so only ratios measured together count):

* **IC on a fixed real network.** ``scenarios/reference/independent_cascade.toml`` on a
  100,000-node Barabási–Albert edge list (networkx, m = 5, seed 1, written to a file once),
  T = 0.05, 50 seed consumers, through ``sim.execution.runner.replicate`` exactly as
  ``socsim run … --reps`` does. Extra replication = (time of 1 + R replications − time of 1)
  ÷ R, both timed after a first replication (reported apart) has paid the one-off costs (reading the
  edge list, numba loading); timing that first one as "1" instead, as before 2026-12-04,
  subtracted those costs from the R extra replications (about 11 ms each at R = 200). cynetdiff runs R cascades on the same graph, T and seed count
  (50 random seed nodes drawn per cascade, as socsim does per replication), timing
  ``set_seeds + reset_model + advance_until_completion`` per cascade. Final sizes are compared
  by a z score of the means. ``replicate`` runs these replications in batches without a model
  per replication (``sim.execution.cascade_batch``); for reference the same method also times
  them with their time series kept (``socsim run --out``) and through one model per
  replication (``run_single``, the path they took before 2026-12-04 18:40 UTC; at most 40
  replications).
* **10k extra replications vs one 1M run** (``scenarios/baseline.toml``, 90 days): ns per
  consumer-day of an extra 10,000-consumer replication (as above, ``replicate`` with 1 + R
  replications minus 1) against one 1,000,000-consumer ``run_single`` (world building, steps
  and outputs: what one replication of that size costs). Order: 10k block, 1M run, 10k
  block; the 10k figure is the mean of the two blocks.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
from common import RESULTS, ROOT, load, save, versions

N, M, T, SEEDS = 100_000, 5, 0.05, 50


def write_ba_edgelist(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A BA(n=N, m=M, seed 1) edge list file ("u v" per line); returns its CSR arrays."""
    import networkx as nx

    g = nx.barabasi_albert_graph(N, M, seed=1)
    edges = np.array(g.edges(), dtype=np.int64)
    np.savetxt(path, edges, fmt="%d")
    a = nx.to_scipy_sparse_array(g, nodelist=range(N), format="csr")
    a.sort_indices()
    return a.indptr.astype(np.int64), a.indices.astype(np.int64)


def model_path(scenario, reps: int, seed: int, keep_timeseries: bool = False) -> list:
    """The replications through one model each (``run_single``), whatever the mode."""
    from sim.execution.runner import _run_job, replication_jobs, replication_seeds, run_jobs

    seeds = replication_seeds(scenario, reps, seed)
    return run_jobs(_run_job, replication_jobs(scenario, seeds, keep_timeseries))


def extra_rep_seconds(scenario, reps: int, keep_timeseries: bool = False,
                      run=None) -> tuple[float, float, list]:
    """(seconds per extra replication, seconds of the first, results) via ``replicate`` (or
    ``run(scenario, reps, seed, keep_timeseries)``)."""
    from sim.execution.runner import replicate

    if run is None:
        def run(scn, n, seed, keep):
            return replicate(scn, n, seed=seed, keep_timeseries=keep)

    gc.collect()
    t0 = time.perf_counter()
    run(scenario, 1, 1000, keep_timeseries)  # one-off costs paid here
    first = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    run(scenario, 1, 1000, keep_timeseries)
    one = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    res = run(scenario, 1 + reps, 1000, keep_timeseries)
    many = time.perf_counter() - t0
    return (many - one) / reps, first, res


def extra_rep_cost(scenario, reps: int) -> tuple[float, float]:
    """(wall s, CPU s) per extra replication via ``replicate``, as :func:`extra_rep_seconds`
    (both after a first replication that pays the one-off costs); CPU time of this process,
    which other processes on the machine inflate much less than wall time."""
    from sim.execution.runner import replicate

    replicate(scenario, 1, seed=1000, keep_timeseries=False)  # one-off costs paid here
    out = []
    for n in (1, 1 + reps):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        replicate(scenario, n, seed=1000, keep_timeseries=False)
        out.append((time.perf_counter() - t0, time.process_time() - c0))
    return (out[1][0] - out[0][0]) / reps, (out[1][1] - out[0][1]) / reps


def cynetdiff_cascades(indptr, indices, reps: int) -> tuple[float, list[int]]:
    from cynetdiff.models import IndependentCascadeModel

    rng = np.random.default_rng(12345)
    model = IndependentCascadeModel(indptr[:-1].astype(np.uint32), indices.astype(np.uint32),
                                    activation_prob=T, rng=np.random.default_rng(1))
    seed_sets = [rng.choice(N, size=SEEDS, replace=False).tolist() for _ in range(reps)]
    sizes = []
    t0 = time.perf_counter()
    for seeds in seed_sets:
        model.set_seeds(seeds)
        model.reset_model()
        model.advance_until_completion()
        sizes.append(model.get_num_activated_nodes())
    return (time.perf_counter() - t0) / reps, sizes


def mean_se(x) -> tuple[float, float]:
    a = np.asarray(x, dtype=float)
    return float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else 0.0


def ic_row(reps: int, tmp: Path) -> dict:
    from sim.config.scenario import load_scenario

    path = tmp / "ba_100k.txt"
    indptr, indices = write_ba_edgelist(path)
    scn = load_scenario(ROOT / "scenarios" / "reference" / "independent_cascade.toml", {
        "graph.kind": "edgelist", "graph.path": str(path),
        "reference.transmissibility": T, "reference.seeds": SEEDS})
    before = load()
    socsim_s, first_s, res = extra_rep_seconds(scn, reps)
    cyn_s, cyn_sizes = cynetdiff_cascades(indptr, indices, reps)
    ours = mean_se([r.summary["engaged"] for r in res[1:]])
    theirs = mean_se(cyn_sizes)
    z = (ours[0] - theirs[0]) / math.hypot(ours[1], theirs[1]) if ours[1] or theirs[1] else 0.0
    kept_s = extra_rep_seconds(scn, reps, keep_timeseries=True)[0]
    slow_reps = min(reps, 40)
    slow_s, _, slow = extra_rep_seconds(scn, slow_reps, run=model_path)
    same = all(a.summary == b.summary for a, b in zip(res, slow))
    row = {"reps": reps, "days": scn.run.days, "socsim_extra_rep_ms": 1000 * socsim_s,
           "socsim_first_rep_s": first_s, "cynetdiff_ms": 1000 * cyn_s,
           "ratio": socsim_s / cyn_s, "socsim_size": ours, "cynetdiff_size": theirs, "z": z,
           "timeseries_kept_ms": 1000 * kept_s, "model_path_reps": slow_reps,
           "model_path_ms": 1000 * slow_s, "model_path_same_summaries": same,
           "load_before": before, "load_after": load()}
    print(f"IC 100k BA, {reps} extra replications: socsim {1000 * socsim_s:.2f} ms each "
          f"(first {first_s:.1f} s), cynetdiff {1000 * cyn_s:.2f} ms per cascade: "
          f"{row['ratio']:.2f}x; final size {ours[0]:.0f} ± {ours[1]:.0f} vs "
          f"{theirs[0]:.0f} ± {theirs[1]:.0f} (z {z:+.2f}); with time series "
          f"{1000 * kept_s:.2f} ms; one model per replication {1000 * slow_s:.1f} ms "
          f"({slow_reps} replications, same summaries: {same}); load {before} -> "
          f"{row['load_after']}", flush=True)
    return row


def threshold_row(reps: int, tmp: Path) -> dict:
    """Threshold replications on the same edge list (``scenarios/reference/threshold.toml``,
    50 seeds, 40 days) at φ = 0.18 (the cascade stops at once) and φ = 0.1 (it goes global):
    extra replications through ``replicate`` (batches) and through one model each."""
    from sim.config.scenario import load_scenario

    path = tmp / "ba_100k.txt"
    if not path.exists():
        write_ba_edgelist(path)
    before, rows = load(), []
    for phi in (0.18, 0.1):
        scn = load_scenario(ROOT / "scenarios" / "reference" / "threshold.toml", {
            "graph.kind": "edgelist", "graph.path": str(path), "reference.seeds": SEEDS,
            "reference.phi": phi, "run.days": 40})
        fast_s, _, fast = extra_rep_seconds(scn, reps)
        slow_reps = max(1, min(reps, 10))
        slow_s, _, slow = extra_rep_seconds(scn, slow_reps, run=model_path)
        rows.append({"phi": phi, "batch_ms": 1000 * fast_s, "model_path_ms": 1000 * slow_s,
                     "model_path_reps": slow_reps,
                     "engaged": mean_se([r.summary["engaged"] for r in fast[1:]]),
                     "same_summaries": all(a.summary == b.summary for a, b in zip(fast, slow))})
        print(f"threshold φ {phi}: {1000 * fast_s:.2f} ms per extra replication in batches, "
              f"{1000 * slow_s:.1f} ms through one model each", flush=True)
    return {"reps": reps, "rows": rows, "load_before": before, "load_after": load()}


def small_vs_big_row(reps: int, big: int, days: int) -> dict:
    from sim.config.scenario import load_scenario
    from sim.execution.runner import run_single

    base = ROOT / "scenarios" / "baseline.toml"
    small = load_scenario(base, {"run.consumers": 10_000, "run.days": days})
    large = load_scenario(base, {"run.consumers": big, "run.days": days})
    before = load()
    blocks, cpu_blocks = [], []
    for part in ("small", "big", "small"):
        if part == "small":
            wall, cpu = extra_rep_cost(small, reps)
            blocks.append(wall)
            cpu_blocks.append(cpu)
            continue
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        run_single(large, 1)
        big_s, big_cpu = time.perf_counter() - t0, time.process_time() - c0
    small_s, small_cpu = float(np.mean(blocks)), float(np.mean(cpu_blocks))
    ns_small = 1e9 * small_s / (10_000 * days)
    ns_big = 1e9 * big_s / (big * days)
    cpu_ratio = (small_cpu / 10_000) / (big_cpu / big)
    row = {"reps": reps, "days": days, "big": big, "small_extra_rep_s": small_s,
           "small_blocks_s": blocks, "big_run_s": big_s, "ns_small": ns_small,
           "ns_big": ns_big, "ratio": ns_small / ns_big, "small_extra_rep_cpu_s": small_cpu,
           "small_blocks_cpu_s": cpu_blocks, "big_run_cpu_s": big_cpu,
           "cpu_ratio": cpu_ratio, "load_before": before, "load_after": load()}
    print(f"10k extra replication {small_s:.3f} s ({small_cpu:.3f} s CPU) = {ns_small:.0f} "
          f"ns/consumer-day; {big:,} run {big_s:.1f} s ({big_cpu:.1f} s CPU) = {ns_big:.0f} "
          f"ns/consumer-day: {row['ratio']:.2f}x wall, {cpu_ratio:.2f}x CPU; "
          f"load {before} -> {row['load_after']}", flush=True)
    return row


def kept(prev: dict, key: str) -> dict:
    """A row of the previous result file kept as it was, saying when it was measured."""
    return prev[key] | {"measured": prev[key].get(
        "measured", f"{prev['machine']['date']}, `{prev['command']}`")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 IC and 5 small replications; 300k")
    ap.add_argument("--ic-reps", type=int, default=None, help="extra IC replications (200)")
    ap.add_argument("--small-reps", type=int, default=None,
                    help="extra 10k replications per block (40)")
    ap.add_argument("--skip-ic", action="store_true")
    ap.add_argument("--skip-small", action="store_true", help="only the IC measurement")
    ap.add_argument("--threshold", action="store_true",
                    help="also threshold replications on the same edge list (100 per φ)")
    args = ap.parse_args()
    ic_reps = args.ic_reps or (10 if args.quick else 200)
    small_reps = args.small_reps or (5 if args.quick else 40)
    big = 300_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="socsim-bench-reps-") as tmp:
        payload: dict = {}
        old = RESULTS / "replications.json"
        prev = json.loads(old.read_text()) if old.exists() else {}
        if not args.skip_ic:
            payload["ic"] = ic_row(ic_reps, Path(tmp))
        elif "ic" in prev:
            payload["ic"] = kept(prev, "ic")
        if args.threshold:
            payload["threshold"] = threshold_row(10 if args.quick else 100, Path(tmp))
        elif "threshold" in prev:
            payload["threshold"] = kept(prev, "threshold")
        if not args.skip_small:
            payload["small"] = small_vs_big_row(small_reps, big, 90)
        elif "small" in prev:
            payload["small"] = kept(prev, "small")
    payload["versions"] = versions("numpy", "numba", "cynetdiff", "mesa")
    save("replications", payload)


if __name__ == "__main__":
    main()
