"""KOL tier cost-effectiveness: orders per yuan of creator spend, tier by tier.

One command (about 20 minutes on 2 idle cores; ``--quick`` about 1 minute)::

    python experiments/kol_tiers/run.py [--quick] [--workers 2] [--analyze-only]

Design. For every cell product × audience interest × creator budget, the whole creator budget
goes to ONE tier (head, waist, tail/KOC or nano; ``kol_tiers.toml`` has no ads, coupons or
community), plus a no-creator run. Every cell runs the same seeds (1001, 1002, ...), so tiers
are compared on the same worlds and incremental orders (orders − orders of the no-creator run
with the same seed) are paired. Products: everyday (85 yuan), premium (400), luxury (1,000); audience interest: ``population.need_mean`` 0.2 / 0.6; budgets 100k / 400k
/ 1.6M yuan per 1M-consumer market.

Side checks (tables to ``runs/`` only): ``--budgets 6.4e6,2.56e7 --products everyday,luxury``
(larger budgets), ``--tiers-from scenarios/baseline.toml --budgets 4e5 --reps 4`` (another
tier calibration, every tier moved to the feed).

Writes (next to this file): ``summary.csv`` (one row per cell and tier: means and 95%
intervals), ``best_tier.csv`` (best tier per cell and how often it beats the runner-up on the
same seed), ``kol_tiers.png``, ``kol_mechanism.png``; raw runs go to ``runs/kol_runs.csv``
(git-ignored).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "kol_tiers.toml"
RUNS = HERE / "runs"

PRODUCTS: dict[str, dict[str, object]] = {
    "everyday": {"price": 85.0, "quality": 0.8, "margin": 0.45},
    "premium": {"price": 400.0, "quality": 0.9, "margin": 0.55},
    "luxury": {"price": 1000.0, "quality": 0.95, "margin": 0.65},
}
NEEDS = {"low": 0.2, "high": 0.6}  # population.need_mean: audience interest in the category
BUDGETS = {"100k": 1e5, "400k": 4e5, "1.6M": 1.6e6}  # yuan per 1M-consumer market
TIERS = ["head", "waist", "tail", "nano"]
KPIS = ("reach", "exposures", "engagements", "engagement_rate", "engaged", "buyers", "orders",
        "gmv", "spend", "roas", "roi", "breakout")
SEED0 = 1001

# The mechanisms behind the L5 question (whether big creators win on expensive,
# high-involvement goods), as in the grounded baseline: views gate engagement, clicks open
# product pages, awareness is a decayed memory, interested consumers search the brand later
# (more likely the more seeded content they remember), creators differ within a tier, and a
# first order of an expensive product needs memory in proportion to its price (consideration
# length). ``--grounded`` applies them; ``--set KEY=VALUE`` moves one (e.g.
# behaviour.consideration_memory=0 to switch consideration off).
GROUNDED: dict[str, object] = {
    "platforms.feed.view_rate": 0.5, "platforms.feed.click_rate": 0.3,
    "platforms.feed.organic_reach": 0.6, "platforms.feed.amplification_factor": 2.0,
    "behaviour.memory_retention": 0.95, "behaviour.awareness_threshold": 15.0,
    "behaviour.promo_memory_weight": 0.2, "behaviour.search_rate": 0.08,
    "behaviour.search_memory_half": 3.0, "behaviour.search_organic_click": 0.3,
    "behaviour.consideration_memory": 2.0, "behaviour.creator_real_fans": 0.75,
    "behaviour.creator_fit": 0.85, "behaviour.creator_spread": 6.0,
    "behaviour.creator_quality_sd": 0.5, "retailers.0.search_platform": "feed",
}


def cells(budgets: dict[str, float]) -> list[dict[str, object]]:
    """Every (product, need, budget, tier) cell with its scenario overrides; tier 'none' = no
    creator spend (budget 0)."""
    out = []
    for product, spec in PRODUCTS.items():
        for need, need_mean in NEEDS.items():
            for budget, yuan in budgets.items():
                for tier in ["none", *TIERS]:
                    over = {f"retailers.0.{k}": v for k, v in spec.items()}
                    over["population.need_mean"] = need_mean
                    over["retailers.0.budget"] = 0.0 if tier == "none" else yuan
                    over["retailers.0.allocation"] = {"tail" if tier == "none" else tier: 1.0}
                    out.append({"product": product, "need": need, "budget": budget, "tier": tier,
                                "overrides": over})
    return out


def run_experiment(consumers: int, days: int, reps: int, workers: int, budgets: dict[str, float],
                   tiers_from: Path | None = None,
                   overrides: dict[str, object] | None = None) -> pd.DataFrame:
    """Run every cell × seed on the executor; one row per run. ``tiers_from``: take the
    creator tiers from that scenario file instead (every tier moved to the feed platform);
    ``overrides``: scenario keys set on every cell (e.g. :data:`GROUNDED`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sim.execution.executors import make_executor
    from sim.config.scenario import load_scenario
    from sim.sweeps.tasks import ChunkTask, RunSpec, engine_run, run_chunk

    base = load_scenario(SCENARIO, {"run.consumers": consumers, "run.days": days,
                                    **(overrides or {})})
    if tiers_from is not None:
        other = load_scenario(tiers_from)
        missing = sorted(set(TIERS) - set(other.influencers))
        if missing:
            raise SystemExit(f"--tiers-from {tiers_from}: no tier(s) {missing}")
        base = base.with_overrides({"influencers": {
            t: other.influencers[t].model_dump() | {"platform": "feed"} for t in TIERS}})
    todo = cells(budgets)
    tasks, labels = [], {}
    for i, cell in enumerate(todo):
        scn = base.with_overrides(cell["overrides"])
        specs = [RunSpec(i * reps + r, i, r, SEED0 + r, {}) for r in range(reps)]
        tasks.append(ChunkTask(i, scn, specs, engine_run, KPIS, False))
        labels[i] = {k: cell[k] for k in ("product", "need", "budget", "tier")}
    rows = []
    t0 = time.perf_counter()
    with make_executor(workers) as ex, Progress(
        TextColumn("kol_tiers"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
        TimeRemainingColumn(),
    ) as prog:
        bar = prog.add_task("runs", total=len(tasks) * reps)
        for res in ex.map_chunks(run_chunk, tasks):
            for row in res.rows:
                rows.append(labels[res.chunk_id] | row)
            prog.advance(bar, len(res.rows))
    print(f"{len(rows)} runs in {time.perf_counter() - t0:.0f} s on {workers} worker(s), "
          f"{consumers:,} consumers, {days} days", flush=True)
    return pd.DataFrame(rows)


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval (NaN bounds with one value)."""
    from scipy import stats

    x = np.asarray(x, dtype=float)
    m = float(x.mean())
    if len(x) < 2:
        return m, float("nan"), float("nan")
    h = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - h, m + h


def summarize(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per cell and tier: orders per 1,000 yuan (total and incremental over the no-creator run
    with the same seed), GMV per yuan, funnel factors; and the best tier per cell."""
    keys = ["product", "need", "budget"]
    none = runs[runs.tier == "none"].set_index([*keys, "replication"])["orders"].rename("orders_none")
    paid = runs[runs.tier != "none"].join(none, on=[*keys, "replication"])
    paid = paid.assign(
        orders_per_k=1000 * paid.orders / paid.spend,
        incr_per_k=1000 * (paid.orders - paid.orders_none) / paid.spend,
        gmv_per_yuan=paid.gmv / paid.spend,
        exposures_per_yuan=paid.exposures / paid.spend,
        orders_per_engaged=paid.orders / paid.engaged.clip(lower=1),
    )
    rows = []
    for (product, need, budget, tier), g in paid.groupby([*keys, "tier"], sort=False):
        row = {"product": product, "need": need, "budget": budget, "tier": tier, "n": len(g)}
        for col in ("orders_per_k", "incr_per_k"):
            row[col], row[col + "_lo"], row[col + "_hi"] = t_interval(g[col])
        for col in ("orders", "orders_none", "spend", "gmv_per_yuan", "roi", "reach",
                    "exposures_per_yuan", "engagement_rate", "orders_per_engaged", "breakout"):
            row[col] = float(g[col].mean())
        rows.append(row)
    summary = pd.DataFrame(rows)
    rank = {name: i for i, name in enumerate([*PRODUCTS, *NEEDS, *TIERS])}
    budget_yuan = {k: v for k, v in BUDGETS.items()}
    summary = summary.sort_values(
        ["product", "need", "budget", "tier"],
        key=lambda col: col.map(budget_yuan) if col.name == "budget" else col.map(rank)).reset_index(drop=True)
    best_rows = []
    for (product, need, budget), g in paid.groupby(keys, sort=False):
        wide = g.pivot(index="replication", columns="tier", values="incr_per_k")
        means = wide.mean().sort_values(ascending=False)
        best, second = means.index[0], means.index[1]
        if means.iloc[0] <= 0:  # no tier sells: no best tier (a ratio without a denominator)
            best_rows.append({"product": product, "need": need, "budget": budget,
                              "best": "undefined", "best_incr_per_k": 0.0, "runner_up": "",
                              "runner_up_incr_per_k": 0.0, "best_over_runner_up": float("nan"),
                              "p_best_beats_runner_up": float("nan"),
                              "best_over_head": float("nan"),
                              "ranking": "undefined (no tier sells)"})
            continue
        best_rows.append({
            "product": product, "need": need, "budget": budget, "best": best,
            "best_incr_per_k": means.iloc[0], "runner_up": second,
            "runner_up_incr_per_k": means.iloc[1],
            "best_over_runner_up": (means.iloc[0] / means.iloc[1] if means.iloc[1] > 0
                                    else float("inf")),
            "p_best_beats_runner_up": float((wide[best] > wide[second]).mean()),
            "best_over_head": means.iloc[0] / means["head"] if means["head"] > 0 else float("inf"),
            "ranking": " > ".join(means.index),
        })
    return summary, pd.DataFrame(best_rows)


def plot(summary: pd.DataFrame, out: Path) -> None:
    """kol_tiers.png (incremental orders per 1,000 yuan) and kol_mechanism.png (funnel factors)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    order = list(PRODUCTS)
    budgets = list(dict.fromkeys(summary.budget))
    needs = list(NEEDS)
    fig, axes = plt.subplots(len(budgets), len(needs), figsize=(5.2 * len(needs), 3.4 * len(budgets)),
                             squeeze=False, sharey=True, layout="constrained")
    palette = dict(zip(TIERS, sns.color_palette("viridis", len(TIERS)), strict=True))
    for i, budget in enumerate(budgets):
        for j, need in enumerate(needs):
            ax = axes[i, j]
            sub = summary[(summary.budget == budget) & (summary.need == need)]
            width = 0.2
            for k, tier in enumerate(TIERS):
                s = sub[sub.tier == tier].set_index("product").reindex(order)
                x = np.arange(len(order)) + (k - 1.5) * width
                y = s.incr_per_k.to_numpy()
                lo = np.maximum(s.incr_per_k_lo.to_numpy(), 0.05)  # log axis: clip at 0.05
                err = np.vstack([np.maximum(y - lo, 0), s.incr_per_k_hi.to_numpy() - y])
                ax.bar(x, y, width, color=palette[tier], label=tier if (i, j) == (0, 0) else None)
                ax.errorbar(x, y, yerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=2, lw=0.8)
            ax.set_yscale("log")
            ax.set_xticks(np.arange(len(order)), [f"{p}\n{PRODUCTS[p]['price']:.0f} yuan" for p in order])
            ax.set_title(f"creator budget {budget} yuan, need_mean {NEEDS[need]} ({need} interest)",
                         fontsize=10)
            if j == 0:
                ax.set_ylabel("incremental orders\nper 1,000 yuan (log)")
    fig.suptitle("Incremental orders per 1,000 yuan of creator spend, by tier (mean, 95% CI over "
                 "seeds)", fontsize=12)
    fig.legend(loc="outside lower center", ncols=len(TIERS), title="whole creator budget on tier")
    fig.savefig(out / "kol_tiers.png", dpi=110, bbox_inches="tight")
    plt.close(fig)

    # mechanism: orders per yuan = exposures per yuan × engagement rate × orders per engaged
    mid = summary[(summary.budget == budgets[len(budgets) // 2])]
    long = mid.melt(id_vars=["product", "need", "tier"],
                    value_vars=["exposures_per_yuan", "engagement_rate", "orders_per_engaged", "breakout"],
                    var_name="factor", value_name="value")
    g = sns.catplot(data=long, x="product", y="value", hue="tier", col="factor", row="need",
                    kind="bar", order=order, hue_order=TIERS, palette=palette, sharey=False,
                    height=2.8, aspect=1.1, errorbar=None)
    g.set_titles("{col_name} | {row_name} interest")
    g.figure.suptitle(f"Why: the funnel factors per tier (creator budget {budgets[len(budgets) // 2]} yuan)",
                      y=1.03)
    g.savefig(out / "kol_mechanism.png", dpi=100)
    plt.close(g.figure)


def side_check(args: argparse.Namespace) -> int:
    """Extra budgets / products outside the shipped design; tables to runs/ only."""
    global PRODUCTS
    RUNS.mkdir(exist_ok=True)
    budgets = ({f"{float(b):.3g}": float(b) for b in args.budgets.split(",")} if args.budgets
               else BUDGETS)
    if args.products:
        unknown = sorted(set(args.products.split(",")) - set(PRODUCTS))
        if unknown:
            raise SystemExit(f"--products: unknown {unknown}; allowed: {list(PRODUCTS)}")
        PRODUCTS = {k: v for k, v in PRODUCTS.items() if k in args.products.split(",")}
    runs = run_experiment(args.consumers or 10000, args.days, args.reps or 6, args.workers, budgets,
                          args.tiers_from, _overrides(args))
    tag = "side_" + "_".join(budgets) + "_" + "_".join(PRODUCTS) + (
        f"_tiers_{args.tiers_from.stem}" if args.tiers_from else "") + (
        "_grounded" if args.grounded else "") + "".join(
        "_" + kv.replace("=", "-") for kv in args.set)
    runs.to_csv(RUNS / f"kol_runs_{tag}.csv", index=False)
    summary, best = summarize(runs)
    summary.to_csv(RUNS / f"summary_{tag}.csv", index=False, float_format="%.5g")
    pd.set_option("display.width", 200)
    print(summary[["product", "need", "budget", "tier", "orders_per_k", "orders_per_k_lo",
                   "orders_per_k_hi", "reach"]].to_string(index=False))
    print(best[["product", "need", "budget", "ranking", "best_over_runner_up",
                "p_best_beats_runner_up"]].to_string(index=False))
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """GROUNDED (with --grounded) then every --set KEY=VALUE (numbers parsed as floats)."""
    out: dict[str, object] = dict(GROUNDED) if args.grounded else {}
    for kv in args.set:
        key, _, value = kv.partition("=")
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3,000 consumers, 3 seeds, one budget (~1 min)")
    ap.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    ap.add_argument("--reps", type=int, default=None, help="seeds per cell (default 6; quick 3)")
    ap.add_argument("--consumers", type=int, default=None, help="default 10,000 (quick 3,000)")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--analyze-only", action="store_true", help="re-make tables and figures from runs/")
    ap.add_argument("--budgets", default=None,
                    help="side check: comma-separated creator budgets in yuan per 1M consumers "
                    "(e.g. 6.4e6,2.56e7); results go to runs/ only")
    ap.add_argument("--products", default=None, help="side check: comma-separated products")
    ap.add_argument("--tiers-from", type=Path, default=None,
                    help="side check: take the creator tiers from this scenario (on the feed)")
    ap.add_argument("--grounded", action="store_true",
                    help="side check: the grounded mechanisms (GROUNDED in this file)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="side check: set a scenario key on every cell (repeatable)")
    args = ap.parse_args(argv)
    if args.budgets or args.products or args.tiers_from or args.grounded or args.set:
        return side_check(args)
    sys.path.insert(0, str(HERE.parents[1]))
    RUNS.mkdir(exist_ok=True)
    raw = RUNS / ("kol_runs_quick.csv" if args.quick else "kol_runs.csv")
    if args.analyze_only:
        runs = pd.read_csv(raw)
    else:
        consumers = args.consumers or (3000 if args.quick else 10000)
        reps = args.reps or (3 if args.quick else 6)
        budgets = {"400k": BUDGETS["400k"]} if args.quick else BUDGETS
        runs = run_experiment(consumers, args.days, reps, args.workers, budgets)
        runs.to_csv(raw, index=False)
    summary, best = summarize(runs)
    out = RUNS if args.quick else HERE  # a quick run never overwrites the shipped results
    summary.to_csv(out / "summary.csv", index=False, float_format="%.5g")
    best.to_csv(out / "best_tier.csv", index=False, float_format="%.4g")
    plot(summary, out)
    pd.set_option("display.width", 200)
    print(best[["product", "need", "budget", "ranking", "best_incr_per_k", "best_over_runner_up",
                "p_best_beats_runner_up", "best_over_head"]].to_string(index=False))
    print(f"wrote {out / 'summary.csv'}, {out / 'best_tier.csv'}, {out / 'kol_tiers.png'}, "
          f"{out / 'kol_mechanism.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
