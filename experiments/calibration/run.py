"""Calibration: does ``socsim calibrate`` recover known parameters, with honest intervals?

One command (37 minutes on 2 cores shared at load average 7–10, about a third of that on an
idle machine; ``--quick`` is a 4-dataset smoke test)::

    python experiments/calibration/run.py [--quick] [--workers 1]

Parts (every synthetic campaign is the baseline scenario, simulated with known values of
``behaviour.follower_trust`` and ``behaviour.c0`` (purchase intercept) and one seed of its own;
the fits use other seeds):

1. **Recovery and coverage** — ``--datasets`` (20) synthetic campaigns (2,000 consumers, 30
   days; truth drawn uniformly from the inner part of the search box) fitted with optuna
   (36 trials, 2 replications per trial) on reach, engagements, buyers and orders: error of the
   best value (share of the search range) and coverage of the 90 % intervals.
2. **Identifiability** — the first 4 campaigns fitted on reach alone, and on reach + orders:
   interval width per key (share of the search range).
3. **Held-out check** — a 90-day campaign fitted on days 1–45; share of days 46–90 whose
   observed value lies inside the fitted 90 % band (seed + parameter draws, 40 runs).
4. **ABC** — one campaign fitted with ABC-SMC (pyabc, 400 simulations): recovery and coverage.
5. **Wall time** — an 80-trial optuna calibration (5 replications per trial) at 10,000
   consumers, 90 days.

Writes ``results.json``, ``results.md`` and ``held_out_report.html`` next to this file
(findings.md discusses them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent

from sim.analysis.calibration_run import calibrate  # noqa: E402
from sim.config.scenario import load_scenario  # noqa: E402
from sim.execution.runner import run_single  # noqa: E402

BASE = ROOT / "scenarios" / "baseline.toml"
BOX = {"behaviour.follower_trust": (0.2, 0.9), "behaviour.c0": (-5.5, -3.0)}
INNER = {"behaviour.follower_trust": (0.3, 0.8), "behaviour.c0": (-5.0, -3.5)}
KPIS = ["reach", "engagements", "buyers", "orders"]


def synthetic(path: Path, truth: dict[str, float], seed: int, consumers: int, days: int,
              kpis: list[str]) -> pd.DataFrame:
    """Simulate a campaign with known values and write it as an observed CSV."""
    sets = {"run.consumers": consumers, "run.days": days, **truth}
    ts = run_single(load_scenario(BASE, sets), seed).timeseries
    obs = ts.rename(columns={"step": "day"})[["day", *kpis]].iloc[1:]
    obs.to_csv(path, index=False)
    return obs


def fit(obs: Path, out: Path, consumers: int, days: int, **kw) -> dict:
    fits = [f"{k}={lo}:{hi}" for k, (lo, hi) in BOX.items()]
    res = calibrate(BASE, obs, fits, out, overrides=[f"run.consumers={consumers}",
                                                     f"run.days={days}"], **kw)
    return {"fit": res.fit, "predictive": res.predictive}


def scores(fitted: dict, truth: dict[str, float]) -> dict:
    out = {}
    for k, (lo, hi) in BOX.items():
        v = fitted["params"][k]
        out[k] = {"truth": truth[k], "best": v["best"], "lo": v["lo"], "hi": v["hi"],
                  "error_share": abs(v["best"] - truth[k]) / (hi - lo),
                  "width_share": (v["hi"] - v["lo"]) / (hi - lo),
                  "covered": bool(v["lo"] <= truth[k] <= v["hi"])}
    return out


def part_recovery(tmp: Path, n: int, trials: int, workers: int) -> list[dict]:
    rng = np.random.default_rng(2026)
    rows = []
    for i in range(n):
        truth = {k: float(rng.uniform(*INNER[k])) for k in BOX}
        obs = tmp / f"obs{i}.csv"
        synthetic(obs, truth, 5000 + i, 2000, 30, KPIS)
        t0 = time.perf_counter()
        f = fit(obs, tmp / f"fit{i}", 2000, 30, trials=trials, reps=2, predictive=5,
                workers=workers)
        rows.append({"dataset": i, "seconds": time.perf_counter() - t0,
                     "distance": f["fit"]["distance"], **scores(f["fit"], truth)})
        print(f"recovery {i}: {json.dumps(rows[-1], default=float)[:300]}", flush=True)
    return rows


def part_identifiability(tmp: Path, n: int, trials: int, workers: int) -> list[dict]:
    rng = np.random.default_rng(2026)
    rows = []
    for i in range(n):
        truth = {k: float(rng.uniform(*INNER[k])) for k in BOX}
        for label, kpis in (("reach", ["reach"]), ("reach+orders", ["reach", "orders"])):
            obs = tmp / f"id{i}_{label}.csv"
            synthetic(obs, truth, 5000 + i, 2000, 30, kpis)
            f = fit(obs, tmp / f"id{i}_{label}", 2000, 30, trials=trials, reps=2,
                    predictive=5, workers=workers)
            rows.append({"dataset": i, "kpis": label, **scores(f["fit"], truth)})
            print(f"identifiability {i} {label}: width trust "
                  f"{rows[-1]['behaviour.follower_trust']['width_share']:.2f}, c0 "
                  f"{rows[-1]['behaviour.c0']['width_share']:.2f}", flush=True)
    return rows


def part_held_out(tmp: Path, trials: int, workers: int) -> dict:
    truth = {"behaviour.follower_trust": 0.55, "behaviour.c0": -4.2}
    obs_path = tmp / "held.csv"
    obs = synthetic(obs_path, truth, 7777, 2000, 90, KPIS).set_index("day")
    res = calibrate(BASE, obs_path, [f"{k}={lo}:{hi}" for k, (lo, hi) in BOX.items()],
                    tmp / "held", overrides=["run.consumers=2000", "run.days=90"],
                    trials=trials, reps=2, predictive=40, workers=workers, last_day=45)
    band = res.predictive.groupby("day")
    out = {"scores": scores(res.fit, truth), "inside": {}}
    for k in KPIS:
        lo, hi = band[k].quantile(0.05), band[k].quantile(0.95)
        later = obs.loc[46:90, k]
        inside = ((later >= lo.loc[later.index]) & (later <= hi.loc[later.index])).mean()
        out["inside"][k] = float(inside)
        out.setdefault("day90", {})[k] = {"observed": float(obs.at[90, k]),
                                          "band": [float(lo.at[90]), float(hi.at[90])]}
    from sim.io.calibration_report import write_calibration_report

    write_calibration_report(res, HERE / "held_out_report.html", held_out=obs.loc[46:90, KPIS])
    print(f"held-out: {out['inside']}", flush=True)
    return out


def part_abc(tmp: Path, budget: int, workers: int) -> dict:
    truth = {"behaviour.follower_trust": 0.6, "behaviour.c0": -4.5}
    obs = tmp / "abc.csv"
    synthetic(obs, truth, 8888, 2000, 30, KPIS)
    t0 = time.perf_counter()
    f = fit(obs, tmp / "abc", 2000, 30, method="abc", trials=budget, reps=2, predictive=5,
            workers=workers)
    out = {"seconds": time.perf_counter() - t0, **scores(f["fit"], truth),
           **{k: f["fit"][k] for k in ("generations", "population", "simulations", "epsilon")}}
    print(f"abc: {json.dumps(out, default=float)[:400]}", flush=True)
    return out


def part_wall_time(tmp: Path, trials: int, workers: int) -> dict:
    truth = {"behaviour.follower_trust": 0.5, "behaviour.c0": -4.35}
    obs = tmp / "big.csv"
    synthetic(obs, truth, 9999, 10_000, 90, KPIS)
    t0 = time.perf_counter()
    f = fit(obs, tmp / "big", 10_000, 90, trials=trials, reps=5, workers=workers)
    out = {"seconds": time.perf_counter() - t0, "trials": trials, "reps": 5,
           "runs": trials * 5 + 20 + 5 + 20, **scores(f["fit"], truth)}
    print(f"wall time: {out['seconds']:.0f} s", flush=True)
    return out


def summarise(res: dict) -> str:
    """The headline numbers as Markdown."""
    rec = res["recovery"]
    lines = [f"load average at start {res['load_average_start'][0]:.1f}, end "
             f"{res['load_average_end'][0]:.1f}; total {res['total_seconds']:.0f} s", "",
             "| key | datasets | 90% coverage | mean error (share of range) | max error | "
             "mean interval width |", "|---|---|---|---|---|---|"]
    for k in BOX:
        err = [r[k]["error_share"] for r in rec]
        lines.append(f"| {k} | {len(rec)} | {np.mean([r[k]['covered'] for r in rec]):.0%} | "
                     f"{np.mean(err):.3f} | {np.max(err):.3f} | "
                     f"{np.mean([r[k]['width_share'] for r in rec]):.2f} |")
    lines += ["", "| fitted on | key | mean interval width | coverage |", "|---|---|---|---|"]
    for label in ("reach", "reach+orders"):
        rows = [r for r in res["identifiability"] if r["kpis"] == label]
        for k in BOX:
            lines.append(f"| {label} | {k} | {np.mean([r[k]['width_share'] for r in rows]):.2f}"
                         f" | {np.mean([r[k]['covered'] for r in rows]):.0%} |")
    ho = res["held_out"]
    lines += ["", "held-out days 46-90 inside the 90% band: " + ", ".join(
        f"{k} {v:.0%}" for k, v in ho["inside"].items())]
    ab, wt = res["abc"], res["wall_time_10k"]
    lines += ["", "ABC: " + ", ".join(
        f"{k} best {ab[k]['best']:.3g} [{ab[k]['lo']:.3g}, {ab[k]['hi']:.3g}] truth "
        f"{ab[k]['truth']:.3g}" for k in BOX) + f"; {ab['simulations']} simulations, "
        f"{ab['seconds']:.0f} s",
        "", f"80-trial calibration at 10k consumers: {wt['seconds']:.0f} s ({wt['runs']} runs)"]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--datasets", type=int, default=20)
    args = ap.parse_args()
    n, trials = (4, 30) if args.quick else (args.datasets, 36)
    load = os.getloadavg()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        res = {"load_average_start": load, "workers": args.workers,
               "recovery": part_recovery(tmp, n, trials, args.workers),
               "identifiability": part_identifiability(tmp, 2 if args.quick else 4, trials,
                                                       args.workers),
               "held_out": part_held_out(tmp, trials, args.workers),
               "abc": part_abc(tmp, 200 if args.quick else 400, args.workers),
               "wall_time_10k": part_wall_time(tmp, 30 if args.quick else 80, args.workers)}
    res["load_average_end"] = os.getloadavg()
    res["total_seconds"] = time.perf_counter() - t0
    stem = "results_quick" if args.quick else "results"
    (HERE / f"{stem}.json").write_text(json.dumps(res, indent=1, default=float))
    (HERE / f"{stem}.md").write_text(summarise(res))
    print(f"done in {res['total_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
