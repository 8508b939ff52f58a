"""Optimise the KOL mix of the baseline brand, then stress-test the result.

Run from the repository root::

    python experiments/decisions/run.py [--workers 2] [--consumers 10000]

1. ``socsim optimize scenarios/kol_pyramid.toml --vary allocation --objective roi --trials 60
   --reps 3`` (the baseline brand's KOL pyramid, budget shares over every channel); the best
   plan is checked against the input on 10 fresh seeds.
2. ``socsim explore`` of the best plan and the bundled KOL plans (head-heavy, KOC swarm,
   pyramid) across uncertain follower trust, engagement propensity and feed reach, 40 futures,
   2 replications each, target ROI ≥ 0.
Outputs go to ``experiments/decisions/out/``; wall times to ``timings.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
UNCERTAIN = ["behaviour.follower_trust=0.35:0.85", "behaviour.b0=-4.0:-3.0",
             "platforms.feed.organic_reach=0.15:0.45"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--consumers", type=int, default=10_000)
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--futures", type=int, default=40)
    args = ap.parse_args()
    from sim.cli import app

    out = HERE / "out"
    sets = ["--set", f"run.consumers={args.consumers}"]
    timings = {"load_average_at_start": os.getloadavg(), "workers": args.workers,
               "consumers": args.consumers}
    start = time.perf_counter()
    app(["optimize", str(ROOT / "scenarios/kol_pyramid.toml"), "--vary", "allocation",
         "--objective", "roi", "--trials", str(args.trials), "--reps", "3", "--fresh-reps",
         "10", "--workers", str(args.workers), "--out", str(out / "optimize"), "--resume",
         "--xlsx", str(out / "optimize.xlsx"), *sets], standalone_mode=False)
    timings["optimize_seconds"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    plans = [out / "optimize" / "best.toml",
             *(ROOT / "scenarios" / f"{n}.toml" for n in ("kol_pyramid", "kol_head_heavy",
                                                          "kol_koc_swarm"))]
    app(["explore", *map(str, plans), *[a for u in UNCERTAIN for a in ("--uncertain", u)],
         "--futures", str(args.futures), "--reps", "2", "--metric", "roi", "--target", "0",
         "--workers", str(args.workers), "--out", str(out / "explore"),
         "--xlsx", str(out / "explore.xlsx"), *sets], standalone_mode=False)
    timings["explore_seconds"] = round(time.perf_counter() - start, 1)
    timings["load_average_at_end"] = os.getloadavg()
    (HERE / "timings.json").write_text(json.dumps(timings, indent=2))
    print(json.dumps(timings, indent=2))


if __name__ == "__main__":
    main()
