"""socsim against an idiomatic one-agent-per-consumer Mesa model of the same rules.

    python benchmarks/bench_mesa.py [--quick] [--sizes 10000,100000] [--reps 8] [--mesa-reps 3]

Both models run ``benchmarks/mesa_common.toml`` (the baseline's creator campaign, word of
mouth, purchases, repurchase, churn and UGC; the rules the Mesa model implements are listed in
``benchmarks/mesa_model.py``) for 30 days from the same seeds, so both start from identically
distributed worlds. Time per step covers the daily steps only (world building excluded for
both). KPIs are compared over replications: mean ± standard error and the z score of the
difference (|z| < 3: the models agree within sampling error).

The machine's speed drifts over minutes (it is shared), so each size runs in a fresh process
and the replications of the two models alternate: a block of socsim runs, a Mesa run, a block
of socsim runs, ... — both medians come from the same stretch of time. A short socsim run
before the timed ones loads the compiled kernels.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import subprocess
import sys
import time

import numpy as np
from common import HERE, PYTHON, Timer, load, save, versions

sys.path.insert(0, str(HERE))
from mesa_model import MesaCommerceModel

SCENARIO = HERE / "mesa_common.toml"
KPIS = ("reach", "exposures", "engagements", "engaged", "buyers", "orders")


def timed_run(model, days: int) -> tuple[float, float]:
    """Step ``model`` to the end; wall and CPU seconds per step (world building excluded).
    Garbage left by earlier runs is collected first, so no run pays for another's."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    while model.running:
        model.step()
    return (time.perf_counter() - t0) / days, (time.process_time() - c0) / days


def run_socsim(scn, seed: int) -> tuple[float, float, dict]:
    from sim.engine.model import SocialCommerceModel

    model = SocialCommerceModel(scn, seed=seed)
    wall, cpu = timed_run(model, scn.run.days)
    return wall, cpu, {k: model.kpis[k] for k in KPIS}


def run_mesa(scn, seed: int) -> tuple[float, float, dict]:
    model = MesaCommerceModel(scn, seed=seed)
    wall, cpu = timed_run(model, scn.run.days)
    return wall, cpu, model.kpis()


def summarise(runs: list[tuple[float, float, dict]]) -> dict:
    wall = [r[0] for r in runs]
    cpu = [r[1] for r in runs]
    out = {"reps": len(runs), "ms_per_step": 1000 * float(np.median(wall)),
           "cpu_ms_per_step": 1000 * float(np.median(cpu)), "kpis": {}}
    for k in KPIS:
        x = np.array([r[2][k] for r in runs], dtype=float)
        se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else float("nan")
        out["kpis"][k] = {"mean": float(x.mean()), "se": se}
    return out


def measure(n: int, days: int, reps: int, mesa_reps: int) -> dict:
    """One size: socsim and Mesa replications alternating; the row of the results file."""
    from sim.config.scenario import load_scenario

    scn = load_scenario(SCENARIO, {"run.consumers": n, "run.days": days})
    run_socsim(load_scenario(SCENARIO, {"run.consumers": 2000, "run.days": 3}), 0)  # warm-up
    block = math.ceil(reps / (mesa_reps + 1))
    soc_runs, mesa_runs = [], []
    with Timer() as timer:
        for j in range(mesa_reps + 1):
            for _ in range(min(block, reps - len(soc_runs))):
                soc_runs.append(run_socsim(scn, 1 + len(soc_runs)))
            if j < mesa_reps:
                mesa_runs.append(run_mesa(scn, 1 + j))
    soc, mes = summarise(soc_runs), summarise(mesa_runs)
    for part in (soc, mes):
        part.update(load_before=timer.load_before, load_after=timer.load_after)
    z = {}
    for k in KPIS:
        a, b = soc["kpis"][k], mes["kpis"][k]
        se = math.hypot(a["se"], b["se"])
        z[k] = (a["mean"] - b["mean"]) / se if se > 0 else 0.0
    return {"consumers": n, "days": days, "socsim": soc, "mesa": mes, "z": z,
            "speedup_per_step": mes["ms_per_step"] / soc["ms_per_step"],
            "speedup_per_step_cpu": mes["cpu_ms_per_step"] / soc["cpu_ms_per_step"]}


def report(row: dict) -> None:
    soc, mes = row["socsim"], row["mesa"]
    print(f"{row['consumers']:,} consumers, {row['days']} days: socsim "
          f"{soc['ms_per_step']:.1f} ms/step (cpu {soc['cpu_ms_per_step']:.1f}), Mesa "
          f"{mes['ms_per_step']:.0f} ms/step (cpu {mes['cpu_ms_per_step']:.0f}) -> "
          f"{row['speedup_per_step']:.0f}x (cpu {row['speedup_per_step_cpu']:.0f}x); "
          f"load {soc['load_before']} -> {soc['load_after']}")
    for k in KPIS:
        a, b = soc["kpis"][k], mes["kpis"][k]
        print(f"   {k:12} socsim {a['mean']:10.1f} ± {a['se']:7.1f}   "
              f"Mesa {b['mean']:10.1f} ± {b['se']:7.1f}   z {row['z'][k]:+.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 days, 10k and 100k, few reps")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--reps", type=int, default=None, help="socsim replications per size")
    ap.add_argument("--mesa-reps", type=int, default=None,
                    help="Mesa replications per size (default 6 at 10k, 3 at 100k)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    days = 10 if args.quick else 30
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:  # one size in this process; the row goes to stdout as JSON
        n = sizes[0]
        reps = args.reps or (3 if args.quick else 12)
        mesa_reps = args.mesa_reps or (2 if args.quick else (6 if n <= 10_000 else 3))
        print(json.dumps(measure(n, days, reps, mesa_reps)))
        return
    rows = []
    for n in sizes:
        cmd = [PYTHON, __file__, "--child", "--sizes", str(n)] + (["--quick"] if args.quick else [])
        for flag, value in (("--reps", args.reps), ("--mesa-reps", args.mesa_reps)):
            if value:
                cmd += [flag, str(value)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        report(rows[-1])
    save("mesa", {"scenario": str(SCENARIO.relative_to(HERE.parent)), "rows": rows,
                  "load_end": load(), "versions": versions("mesa", "numpy", "numba")})


if __name__ == "__main__":
    main()
