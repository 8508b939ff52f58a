"""KOL tier cost-effectiveness on the grounded engine: which tier sells an everyday and an
expensive, high-involvement product best per yuan, and why (the L5 question).

One command (about 6 minutes on 2 idle cores; ``--quick`` under a minute)::

    python experiments/kol_tiers/run.py [--quick] [--workers 2] [--reps 10] [--analyze-only]

Design. Every magnitude comes from :data:`GROUNDED_SCENARIO` (the grounded baseline: its
``[behaviour]``, its feed platform and its creator tiers, every tier moved to the feed so that
only tier properties differ); ``kol_tiers.toml`` adds the world and a brand with no ads,
coupons or community. Per cell *mechanism × product × audience interest × creator budget* the
whole creator budget goes to ONE tier (head, waist, tail/KOC, nano), plus a no-creator run.
Every cell runs the same seeds (1001, 1002, …), so tiers are compared on the same worlds and
incremental orders (orders − orders of the no-creator run with the same seed) are paired.

Products: everyday (85 yuan in a category whose typical price is 100), premium (400 of 470),
luxury (1,000 of 1,180): each is priced 15 % below its category, so the purchase hazard's price
term is the same and the products differ by what their absolute price demands — consideration
(``sim/engine/consideration.py``). Mechanisms: ``consideration`` (:data:`CONSIDERATION`: a
first order needs brand memory ∝ price; considering consumers research by searching) and
``no consideration`` (the same engine with the rule off). Interest: ``population.need_mean`` 0.2
/ 0.6. Budgets: 400k / 1.6M yuan per 1M-consumer market.

Writes (next to this file): ``summary.csv`` (one row per cell and tier: means and 95 %
t-intervals over seeds), ``best_tier.csv`` (best tier per cell, paired comparison with the
runner-up), ``l5.csv`` (head ÷ best small tier per product, the L5 quantity),
``kol_tiers.png``, ``kol_mechanism.png``; raw runs to ``runs/kol_runs.csv`` (git-ignored).
``--set KEY=VALUE`` runs a side check on every cell (results to ``runs/`` only).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIO = HERE / "kol_tiers.toml"
RUNS = HERE / "runs"
# The grounded magnitudes: the bundled baseline (its funnel is grounded). The one place the
# experiment names its source.
GROUNDED_SCENARIO = ROOT / "scenarios" / "baseline.toml"

PRODUCTS: dict[str, dict[str, float]] = {
    "everyday": {"price": 85.0, "category_price": 100.0, "quality": 0.8, "margin": 0.45},
    "premium": {"price": 400.0, "category_price": 470.0, "quality": 0.9, "margin": 0.55},
    "luxury": {"price": 1000.0, "category_price": 1180.0, "quality": 0.95, "margin": 0.65},
}
NEEDS = {"low": 0.2, "high": 0.6}  # population.need_mean: audience interest in the category
BUDGETS = {"400k": 4e5, "1.6M": 1.6e6}  # yuan per 1M-consumer market
TIERS = ["head", "waist", "tail", "nano"]
SMALL = ["tail", "nano"]  # the small tiers L5 compares the head tier with
# Consideration of a high-involvement purchase (docs/calibration_targets.md): a first order
# needs 1 exposure-equivalent of brand memory per 100 yuan of price (10 for the 1,000-yuan
# product, about the 10 sources shoppers consult before buying), a consumer still considering
# researches the product with probability 0.14 a day, and each search reads notes worth 2
# exposure-equivalents.
CONSIDERATION: dict[str, float] = {"behaviour.consideration_memory": 1.0,
                                   "behaviour.consideration_search": 0.14,
                                   "behaviour.search_memory": 2.0}
MECHANISMS: dict[str, dict[str, float]] = {
    "consideration": CONSIDERATION,
    "no consideration": CONSIDERATION | {"behaviour.consideration_memory": 0.0,
                                         "behaviour.consideration_search": 0.0},
}
KPIS = ("reach", "exposures", "views", "engagements", "engaged", "interested", "clicks",
        "buyers", "orders", "gmv", "spend", "roi", "breakout")
SEED0 = 1001


def grounded_overrides(path: Path = GROUNDED_SCENARIO) -> dict[str, object]:
    """Dotted overrides that put the grounded magnitudes of ``path`` on ``kol_tiers.toml``: its
    whole ``[behaviour]``, its feed platform, and its four creator tiers moved to the feed."""
    from sim.config.scenario import load_scenario

    g = load_scenario(path)
    missing = sorted(set(TIERS) - set(g.influencers))
    if missing:
        raise SystemExit(f"{path}: no creator tier(s) {missing}")
    over: dict[str, object] = {f"behaviour.{k}": v
                               for k, v in g.behaviour.model_dump(mode="json").items()}
    over["platforms.feed"] = g.platforms["feed"].model_dump(mode="json")
    over["influencers"] = {t: g.influencers[t].model_dump(mode="json") | {"platform": "feed"}
                           for t in TIERS}
    over["retailers.0.search_platform"] = "feed"  # the experiment's only platform
    return over


def cells(budgets: dict[str, float], mechanisms: dict[str, dict[str, float]]) -> list[dict]:
    """Every (mechanism, product, need, budget, tier) cell with its overrides; tier 'none' =
    no creator spend (budget 0)."""
    out = []
    for mech, mech_over in mechanisms.items():
        for product, spec in PRODUCTS.items():
            for need, need_mean in NEEDS.items():
                for budget, yuan in budgets.items():
                    for tier in ["none", *TIERS]:
                        over = dict(mech_over) | {f"retailers.0.{k}": v for k, v in spec.items()}
                        over["population.need_mean"] = need_mean
                        over["retailers.0.budget"] = 0.0 if tier == "none" else yuan
                        over["retailers.0.allocation"] = {"tail" if tier == "none" else tier: 1.0}
                        out.append({"mechanism": mech, "product": product, "need": need,
                                    "budget": budget, "tier": tier, "overrides": over})
    return out


def run_experiment(consumers: int, days: int, reps: int, workers: int,
                   budgets: dict[str, float], mechanisms: dict[str, dict[str, float]],
                   extra: dict[str, object] | None = None) -> pd.DataFrame:
    """Run every cell × seed on the executor; one row per run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sim.config.scenario import load_scenario
    from sim.execution.executors import make_executor
    from sim.sweeps.tasks import ChunkTask, RunSpec, engine_run, run_chunk

    base = load_scenario(SCENARIO, {**grounded_overrides(), "run.consumers": consumers,
                                    "run.days": days})
    tasks, labels = [], {}
    for i, cell in enumerate(cells(budgets, mechanisms)):
        scn = base.with_overrides(cell["overrides"] | (extra or {}))
        specs = [RunSpec(i * reps + r, i, r, SEED0 + r, {}) for r in range(reps)]
        tasks.append(ChunkTask(i, scn, specs, engine_run, KPIS, False))
        labels[i] = {k: cell[k] for k in ("mechanism", "product", "need", "budget", "tier")}
    rows = []
    t0 = time.perf_counter()
    with make_executor(workers) as ex, Progress(
        TextColumn("kol_tiers"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
        TimeRemainingColumn(),
    ) as prog:
        bar = prog.add_task("runs", total=len(tasks) * reps)
        for res in ex.map_chunks(run_chunk, tasks):
            rows.extend(labels[res.chunk_id] | row for row in res.rows)
            prog.advance(bar, len(res.rows))
    print(f"{len(rows)} runs in {time.perf_counter() - t0:.0f} s on {workers} worker(s), "
          f"{consumers:,} consumers, {days} days (grounded values: "
          f"{GROUNDED_SCENARIO.relative_to(ROOT)})", flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    from kol_analysis import best_tiers, l5_table, plot, summarize

    from sim.config.scenario import ScenarioError

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="3,000 consumers, 3 seeds, budget 400k; results to runs/ only")
    ap.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    ap.add_argument("--reps", type=int, default=None, help="seeds per cell (default 10; quick 3)")
    ap.add_argument("--consumers", type=int, default=None, help="default 10,000 (quick 3,000)")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--analyze-only", action="store_true", help="re-make tables and figures "
                    "from runs/kol_runs.csv")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="side check: set a scenario key on every cell (repeatable); "
                    "results to runs/ only")
    args = ap.parse_args(argv)
    RUNS.mkdir(exist_ok=True)
    extra = _parse_sets(args.set, ap)
    side = args.quick or bool(extra)
    tag = ("_quick" if args.quick else "") + "".join("_" + kv.replace("=", "-") for kv in args.set)
    raw = RUNS / f"kol_runs{tag}.csv"
    if args.analyze_only:
        runs = pd.read_csv(raw)
    else:
        budgets = {"400k": BUDGETS["400k"]} if args.quick else BUDGETS
        try:
            runs = run_experiment(args.consumers or (3000 if args.quick else 10000), args.days,
                                  args.reps or (3 if args.quick else 10), args.workers, budgets,
                                  MECHANISMS, extra)
        except ScenarioError as exc:  # a bad --set, named with its value
            ap.error(str(exc))
        runs.to_csv(raw, index=False)
    summary = summarize(runs)
    best, l5 = best_tiers(runs), l5_table(runs)
    out = RUNS if side else HERE  # a side check never overwrites the shipped results
    summary.to_csv(out / f"summary{tag}.csv", index=False, float_format="%.5g")
    best.to_csv(out / f"best_tier{tag}.csv", index=False, float_format="%.4g")
    l5.to_csv(out / f"l5{tag}.csv", index=False, float_format="%.4g")
    if not side:
        plot(summary, out)
    pd.set_option("display.width", 220)
    print(best[["mechanism", "product", "need", "budget", "ranking", "best_incr_per_k",
                "p_best_beats_runner_up"]].to_string(index=False))
    print(l5.to_string(index=False))
    print(f"wrote {out}/summary{tag}.csv, best_tier{tag}.csv, l5{tag}.csv"
          + ("" if side else ", kol_tiers.png, kol_mechanism.png"))
    return 0


def _parse_sets(pairs: list[str], ap: argparse.ArgumentParser) -> dict[str, object]:
    """``--set KEY=VALUE`` pairs (numbers parsed as floats); a malformed pair exits 2."""
    out: dict[str, object] = {}
    for kv in pairs:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            ap.error(f"--set {kv}: expected KEY=VALUE")
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    sys.exit(main())
