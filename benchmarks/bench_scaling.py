"""Full-model scaling: the baseline scenario, 90 days, at 10k … 3M consumers.

    python benchmarks/bench_scaling.py [--quick] [--sizes 10000,100000,1000000,3000000]

Each size runs in a fresh Python process (so peak memory is that run's alone) that imports
socsim, builds the model from ``scenarios/baseline.toml`` with ``run.consumers`` overridden
(mean degree 15 as in the file) and steps it for 90 days. Reported per size: end-to-end wall
time of the process (imports included), graph-build time, population build, the rest of the
model build, the 90 steps, the output (time series frame, attribution table, Parquet file),
time per consumer-day (steps only), CPU time, peak resident memory (``ru_maxrss``) and the
load average before and after. ``--sizes 10000000`` gives the 10-million row (about 2 minutes
and 10 GB on the reference machine: check free memory first).

Unless ``--quick`` or ``--no-cli``, it also times the user-facing command ``socsim run scenarios/baseline.toml
--set run.consumers=1000000`` end to end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import PYTHON, ROOT, load, save, versions

CHILD = r"""
import json, resource, sys, tempfile, time
t0 = time.perf_counter(); c0 = time.process_time()
import sim.engine.model as sm
from sim.config.scenario import load_scenario
from sim.execution.runner import attribution_table
t_import = time.perf_counter() - t0
n, days, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
spent = {"build_graph": [], "build_population": []}
def timed(name, fn):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        spent[name].append(time.perf_counter() - t)
        return out
    return wrapper
try:  # the world builder, where there is one
    import sim.world.builder
except ImportError:
    pass
for mod in [m for name, m in list(sys.modules.items()) if name.startswith("sim.")]:
    for name in spent:  # wherever the engine calls them from
        if callable(getattr(mod, name, None)) and not name.startswith("_"):
            setattr(mod, name, timed(name, getattr(mod, name)))
scn = load_scenario(sys.argv[4], {"run.consumers": n, "run.days": days})
t1 = time.perf_counter()
model = sm.SocialCommerceModel(scn, seed=seed)
t2 = time.perf_counter(); c2 = time.process_time()
while model.running:
    model.step()
t3 = time.perf_counter(); c3 = time.process_time()
ts = model.datacollector.get_model_vars_dataframe()
attribution_table(model)
with tempfile.TemporaryDirectory() as tmp:
    ts.to_parquet(tmp + "/timeseries.parquet")
t4 = time.perf_counter()
k = model.kpis
graph_s, pop_s = sum(spent["build_graph"]), sum(spent["build_population"])
print(json.dumps({
    "consumers": n, "days": days, "edges": model.graph.edges,
    "import_s": t_import, "graph_s": graph_s, "population_s": pop_s,
    "build_other_s": (t2 - t1) - graph_s - pop_s,
    "steps_s": t3 - t2, "steps_cpu_s": c3 - c2, "output_s": t4 - t3,
    "total_s": t4 - t0, "total_cpu_s": time.process_time() - c0,
    "ns_per_consumer_day": 1e9 * (t3 - t2) / (n * days),
    "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    "kpis": {key: k[key] for key in ("reach", "engaged", "buyers", "orders", "gmv", "spend")},
}))
"""


def run_size(n: int, days: int, seed: int) -> dict:
    before = load()
    t0 = time.perf_counter()
    out = subprocess.run([PYTHON, "-c", CHILD, str(n), str(days), str(seed),
                          str(ROOT / "scenarios" / "baseline.toml")],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"size {n} failed:\n{out.stderr}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res.update(process_wall_s=wall, load_before=before, load_after=load())
    return res


def run_cli(n: int) -> dict:
    before = load()
    t0 = time.perf_counter()
    out = subprocess.run([str(Path(PYTHON).with_name("socsim")),
                          "run", "scenarios/baseline.toml", "--set", f"run.consumers={n}"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"socsim run failed:\n{out.stderr}")
    return {"command": f"socsim run scenarios/baseline.toml --set run.consumers={n}",
            "wall_s": wall, "load_before": before, "load_after": load()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10k, 100k and 1M only")
    ap.add_argument("--sizes", default=None, help="comma-separated consumer counts")
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", default="scaling",
                    help="result file name with --sizes (e.g. scaling_10m)")
    ap.add_argument("--no-cli", action="store_true",
                    help="skip timing `socsim run` at 1M (skipped anyway with --quick)")
    args = ap.parse_args()
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes else
             [10_000, 100_000, 1_000_000] if args.quick else
             [10_000, 100_000, 1_000_000, 3_000_000])
    # a small run first fills numba's on-disk cache, so no timed size pays compilation (a
    # fresh checkout compiles its kernels once, on first use: about 15 s on this machine)
    run_size(2_000, 5, args.seed)
    rows = []
    print(f"{'consumers':>10} {'total s':>8} {'graph s':>8} {'pop s':>6} {'build s':>8} "
          f"{'steps s':>8} {'out s':>6} {'ns/c-day':>9} {'peak GB':>8} {'load':>5}")
    for n in sizes:
        r = run_size(n, args.days, args.seed)
        rows.append(r)
        print(f"{n:>10,} {r['total_s']:8.1f} {r['graph_s']:8.1f} {r['population_s']:6.1f} "
              f"{r['build_other_s']:8.1f} {r['steps_s']:8.1f} {r['output_s']:6.1f} "
              f"{r['ns_per_consumer_day']:9.1f} {r['peak_rss_gb']:8.2f} "
              f"{r['load_before']:5.2f}", flush=True)
    name = "scaling" if args.sizes is None else args.name
    payload = {"scenario": "scenarios/baseline.toml", "days": args.days, "seed": args.seed,
               "rows": rows, "versions": versions("numpy", "numba", "scipy", "mesa")}
    if not (args.quick or args.no_cli):
        payload["cli"] = run_cli(1_000_000)
        print(f"socsim run at 1M: {payload['cli']['wall_s']:.1f} s wall "
              f"(load {payload['cli']['load_before']})")
    save(name, payload)


if __name__ == "__main__":
    sys.exit(main())
