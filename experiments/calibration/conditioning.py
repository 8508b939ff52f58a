"""Recovery on the grounded baseline with and without conditioning on the booked creators.

    python experiments/calibration/conditioning.py [--campaigns 5] [--consumers 4000]
        [--days 60] [--trials 36] [--reps 2] [--keys trust,c0] [--out out/conditioning]

Each synthetic campaign of the grounded baseline (generated creators, seed 4242 + i, known
values) gives the observed KPIs and the brand's booking log (its creators' measured values and
post days, :mod:`sim.engine.roster_export`). Each observed file is then fitted four ways:

* ``none``: no conditioning (creators and market drawn per run);
* ``roster``: ``--roster log.csv`` (the booked creators and their post days fixed);
* ``world``: ``--set run.world_seed=1`` (one market and creators, not the campaign's own);
* ``roster+world``: both.

``--spread N`` instead measures where the seed-to-seed spread of the simulated KPIs comes from:
the campaign of seed 4242 and its booking log, then N runs (seeds 1..N) of each conditioning
at the true values; mean and standard deviation of each KPI on the last day (``spread.md``).

Writes ``results.json`` and a markdown table (``results_conditioning.md``) to ``--out``: per
campaign, key and variant the truth, best value, 90 % interval, its width as a share of the
search range and whether the truth is inside; then per variant and key the coverage, mean
absolute error (share of the range) and mean width.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sim.analysis.calibration_run import calibrate  # noqa: E402
from sim.config.scenario import load_scenario  # noqa: E402
from sim.engine.model import SocialCommerceModel  # noqa: E402
from sim.engine.roster_export import roster_csv, roster_rows  # noqa: E402
from sim.execution.runner import run_single  # noqa: E402

GROUNDED = ROOT / "scenarios" / "baseline.toml"
"""The grounded baseline (the bundled baseline; its funnel is grounded)."""
TRUTH = {"behaviour.follower_trust": 0.5, "behaviour.c0": -5.3}
BOX = {"behaviour.follower_trust": (0.2, 0.9), "behaviour.c0": (-6.5, -4.0)}
KPIS = ("reach", "engagements", "buyers", "orders")
SEED = 4242
VARIANTS = {"none": (False, None), "roster": (True, None), "world": (False, 1),
            "roster+world": (True, 1)}


def campaign(folder: Path, size: list[str], truth: dict, seed: int) -> tuple[Path, Path]:
    """Simulate the campaign; write its observed KPIs and its booking log."""
    scn = load_scenario(GROUNDED, [*size, *(f"{k}={v}" for k, v in truth.items())])
    model = SocialCommerceModel(scn, seed)
    while model.running:
        model.step()
    ts = run_single(scn, seed, keep_timeseries=True).timeseries.rename(columns={"step": "day"})
    observed, log = folder / "observed.csv", folder / "log.csv"
    ts[["day", *KPIS]].iloc[1:].to_csv(observed, index=False)
    log.write_text(roster_csv(roster_rows(model.ctx)))
    return observed, log


def fit_variants(folder: Path, args, keys: list[str], size: list[str], seed: int) -> dict:
    """Fit one campaign every way of ``args.variants``; per variant the key rows."""
    folder.mkdir(parents=True, exist_ok=True)
    observed, log = campaign(folder, size, {k: TRUTH[k] for k in keys}, seed)
    fits = [f"{k}={BOX[k][0]}:{BOX[k][1]}" for k in keys]
    results = {}
    for name in args.variants.split(","):
        use_roster, world = VARIANTS[name]
        sets = size + ([f"run.world_seed={world}"] if world is not None else [])
        t0 = time.perf_counter()
        res = calibrate(GROUNDED, observed, fits, folder / name.replace("+", "_"),
                        trials=args.trials, reps=args.reps, overrides=sets, predictive=6,
                        roster=log if use_roster else None)
        rows = {}
        for k in keys:
            p, (lo, hi) = res.fit["params"][k], BOX[k]
            rows[k] = {"truth": TRUTH[k], "best": p["best"], "lo": p["lo"], "hi": p["hi"],
                       "error_share": abs(p["best"] - TRUTH[k]) / (hi - lo),
                       "width_share": (p["hi"] - p["lo"]) / (hi - lo),
                       "inside": p["lo"] <= TRUTH[k] <= p["hi"]}
        results[name] = {"params": rows, "threshold": res.fit.get("threshold"),
                         "distance": res.fit["distance"], "accepted": res.fit.get("accepted"),
                         "seconds": round(time.perf_counter() - t0, 1),
                         "holds": res.fit["conditioning"]["holds"]}
        print(seed, name, json.dumps(rows), f"{results[name]['seconds']} s", flush=True)
    return results


def tables(runs: dict[int, dict]) -> str:
    """Markdown: one row per campaign, variant and key; then the summary per variant and key."""
    lines = ["| campaign seed | variant | key | truth | best | 90% interval | width / range | "
             "truth inside |", "|---|---|---|---|---|---|---|---|"]
    summary: dict[tuple[str, str], list[dict]] = {}
    for seed, results in runs.items():
        for name, r in results.items():
            for k, v in r["params"].items():
                summary.setdefault((name, k), []).append(v)
                lines.append(f"| {seed} | {name} | {k} | {v['truth']:g} | {v['best']:.3f} | "
                             f"{v['lo']:.3f} – {v['hi']:.3f} | {v['width_share']:.2f} | "
                             f"{'yes' if v['inside'] else 'no'} |")
    lines += ["", "| variant | key | truth inside the 90% interval | mean error / range | "
              "mean width / range |", "|---|---|---|---|---|"]
    for (name, k), vs in summary.items():
        inside = sum(v["inside"] for v in vs)
        lines.append(f"| {name} | {k} | {inside} / {len(vs)} | "
                     f"{sum(v['error_share'] for v in vs) / len(vs):.2f} | "
                     f"{sum(v['width_share'] for v in vs) / len(vs):.2f} |")
    return "\n".join(lines) + "\n"


def spread(args, keys: list[str], size: list[str]) -> str:
    """Mean and sd over seeds 1..``args.spread`` of the last day's KPIs, per conditioning."""
    import numpy as np

    folder = args.out / "spread"
    folder.mkdir(parents=True, exist_ok=True)
    truth = [f"{k}={TRUTH[k]}" for k in keys]
    _, log = campaign(folder, size, {k: TRUTH[k] for k in keys}, SEED)
    lines = ["| conditioning | " + " | ".join(f"{k} mean ± sd" for k in KPIS) + " |",
             "|---|" + "---|" * len(KPIS)]
    for name, (use_roster, world) in VARIANTS.items():
        sets = [*size, *truth] + ([f"run.world_seed={world}"] if world is not None else [])
        sets += [f"influencers.roster='{log}'"] if use_roster else []
        scn = load_scenario(GROUNDED, sets)
        v = np.array([[run_single(scn, s).summary[k] for k in KPIS]
                      for s in range(1, args.spread + 1)])
        cells = [f"{m:,.0f} ± {sd:,.0f}" for m, sd in zip(v.mean(0), v.std(0, ddof=1))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    (args.out / "spread.md").write_text(text)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--campaigns", type=int, default=5)
    ap.add_argument("--consumers", type=int, default=4000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--trials", type=int, default=36)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--keys", default="trust,c0")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "conditioning")
    ap.add_argument("--spread", type=int, default=0,
                    help="measure the seed-to-seed spread over this many seeds instead")
    args = ap.parse_args()
    keys = [k for k in BOX if k.split(".")[-1].split("_")[-1] in args.keys.split(",")]
    size = [f"run.consumers={args.consumers}", f"run.days={args.days}"]
    if args.spread:
        print(spread(args, keys, size))
        return
    t0 = time.perf_counter()
    runs = {SEED + i: fit_variants(args.out / f"campaign_{SEED + i}", args, keys, size, SEED + i)
            for i in range(args.campaigns)}
    meta = {"consumers": args.consumers, "days": args.days, "trials": args.trials,
            "reps": args.reps, "campaign_seeds": list(runs), "kpis": KPIS, "box": BOX,
            "truth": {k: TRUTH[k] for k in keys},
            "seconds": round(time.perf_counter() - t0, 1)}
    (args.out / "results.json").write_text(json.dumps({"meta": meta, "runs": runs},
                                                       indent=1, default=float))
    text = tables(runs)
    (args.out / "results_conditioning.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
