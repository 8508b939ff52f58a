"""Tables and figures of the KOL-tier experiment (``run.py``): paired incremental orders per
1,000 yuan, best tier per cell, the L5 ratio head ÷ best small tier, and the funnel factors.

Every interval is over seeds (each seed draws a new world, population, creator traits and
daily draws); the same seeds run in every cell, so tier comparisons are paired.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from run import NEEDS, PRODUCTS, SMALL, TIERS
from sim.execution.runner import mean_interval as t_interval  # mean, 95 % t-interval over seeds

KEYS = ["mechanism", "product", "need", "budget"]
BOOT = 4000  # bootstrap resamples of seeds for ratio intervals


def paired(runs: pd.DataFrame) -> pd.DataFrame:
    """The paid runs with the no-creator run of the same cell and seed joined, and the
    per-run rates: orders and incremental orders per 1,000 yuan, funnel factors."""
    none = runs[runs.tier == "none"].set_index([*KEYS, "replication"])["orders"]
    paid = runs[runs.tier != "none"].join(none.rename("orders_none"), on=[*KEYS, "replication"])
    return paid.assign(
        orders_per_k=1000 * paid.orders / paid.spend,
        incr_per_k=1000 * (paid.orders - paid.orders_none) / paid.spend,
        views_per_yuan=paid.views / paid.spend,
        views_per_reached=paid.views / paid.reach.clip(lower=1),
        engaged_per_view=paid.engaged / paid.views.clip(lower=1),
        orders_per_engaged=paid.orders / paid.engaged.clip(lower=1),
        orders_per_click=paid.orders / paid.clicks.clip(lower=1),
    )


def _order(df: pd.DataFrame) -> pd.DataFrame:
    rank = {n: i for i, n in enumerate([*PRODUCTS, *NEEDS, *TIERS, "400k", "1.6M",
                                        "consideration", "no consideration"])}
    cols = [c for c in [*KEYS, "tier"] if c in df]
    return df.sort_values(cols, key=lambda c: c.map(lambda v: rank.get(v, 99))).reset_index(
        drop=True)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per cell and tier: means and 95 % t-intervals over seeds. ``roi`` is NaN
    (undefined) where the tier sold nothing on any seed."""
    rows = []
    for key, g in paired(runs).groupby([*KEYS, "tier"], sort=False):
        row = dict(zip([*KEYS, "tier"], key, strict=True)) | {"n": len(g)}
        for col in ("incr_per_k", "orders_per_k"):
            row[col], row[col + "_lo"], row[col + "_hi"] = t_interval(g[col])
        for col in ("orders", "orders_none", "spend", "reach", "views_per_yuan", "views_per_reached",
                    "engaged_per_view", "orders_per_engaged", "orders_per_click", "clicks",
                    "breakout"):
            row[col] = float(g[col].mean())
        row["roi"] = float(g.roi.mean()) if g.orders.sum() > 0 else float("nan")
        rows.append(row)
    return _order(pd.DataFrame(rows))


def best_tiers(runs: pd.DataFrame) -> pd.DataFrame:
    """Per cell: the tiers that sell ranked by incremental orders per 1,000 yuan, the best
    one, and its paired difference to the runner-up (mean, 95 % t-interval over seeds, share
    of seeds it wins). No tier sells: best is 'undefined'."""
    rows = []
    for key, g in paired(runs).groupby(KEYS, sort=False):
        wide = g.pivot(index="replication", columns="tier", values="incr_per_k")[TIERS]
        sold = g.groupby("tier").orders.sum()
        means = wide.mean()[[t for t in TIERS if sold[t] > 0]].sort_values(ascending=False)
        row = dict(zip(KEYS, key, strict=True))
        if means.empty or means.iloc[0] <= 0:
            rows.append(row | {"best": "undefined", "ranking": "undefined (no tier sells)"})
            continue
        best = means.index[0]
        row |= {"best": best, "best_incr_per_k": means.iloc[0],
                "ranking": " > ".join(means.index)
                + "".join(f"; {t}: no orders" for t in TIERS if sold[t] == 0)}
        if len(means) > 1:
            second = means.index[1]
            d, lo, hi = t_interval(wide[best] - wide[second])
            row |= {"runner_up": second, "runner_up_incr_per_k": means.iloc[1],
                    "diff": d, "diff_lo": lo, "diff_hi": hi,
                    "p_best_beats_runner_up": float((wide[best] > wide[second]).mean())}
        rows.append(row)
    return _order(pd.DataFrame(rows))


def _ratio_ci(num: np.ndarray, den: np.ndarray, rng: np.random.Generator) -> tuple[float, ...]:
    """Ratio of seed means num/den with a 95 % percentile bootstrap over seeds (paired);
    NaN (undefined) when the denominator's mean is not positive."""
    if den.mean() <= 0:
        return (float("nan"),) * 3
    idx = rng.integers(0, len(num), size=(BOOT, len(num)))
    d = den[idx].mean(axis=1)
    boot = np.where(d > 0, num[idx].mean(axis=1) / np.where(d > 0, d, 1.0), np.nan)
    lo, hi = np.nanpercentile(boot, [2.5, 97.5])
    return float(num.mean() / den.mean()), float(lo), float(hi)


def l5_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The L5 quantity per mechanism, interest and budget: head ÷ best small tier
    (incremental orders per yuan) for each product, and how it moves from the everyday to the
    luxury product (luxury ratio ÷ everyday ratio; > 1: big creators gain as the product gets
    more expensive). 95 % bootstrap intervals over seeds."""
    rng = np.random.default_rng(0)
    p = paired(runs)
    rows = []
    for key, g in p.groupby(["mechanism", "need", "budget"], sort=False):
        row = dict(zip(["mechanism", "need", "budget"], key, strict=True))
        ratios = {}
        for product in PRODUCTS:
            w = g[g["product"] == product].pivot(index="replication", columns="tier",
                                                 values="incr_per_k")
            small = max(SMALL, key=lambda t: w[t].mean())
            r, lo, hi = _ratio_ci(w["head"].to_numpy(), w[small].to_numpy(), rng)
            row |= {f"{product}_small": small, f"{product}_head_over_small": r,
                    f"{product}_lo": lo, f"{product}_hi": hi}
            ratios[product] = (w["head"].to_numpy(), w[small].to_numpy())
        (he, se), (hl, sl) = ratios["everyday"], ratios["luxury"]
        boot = []
        if se.mean() > 0 and sl.mean() > 0 and he.mean() > 0:
            idx = rng.integers(0, len(he), size=(BOOT, len(he)))
            with np.errstate(divide="ignore", invalid="ignore"):
                boot = ((hl[idx].mean(1) / sl[idx].mean(1)) / (he[idx].mean(1) / se[idx].mean(1)))
            boot = boot[np.isfinite(boot)]
        if len(boot):
            row |= {"luxury_over_everyday": (hl.mean() / sl.mean()) / (he.mean() / se.mean()),
                    "lux_ev_lo": float(np.percentile(boot, 2.5)),
                    "lux_ev_hi": float(np.percentile(boot, 97.5))}
        else:  # a denominator without orders: undefined
            row |= {"luxury_over_everyday": float("nan"), "lux_ev_lo": float("nan"),
                    "lux_ev_hi": float("nan")}
        rows.append(row)
    return _order(pd.DataFrame(rows))


def plot(summary: pd.DataFrame, out: Path) -> None:
    """kol_tiers.png (incremental orders per 1,000 yuan by tier, product, interest, budget and
    mechanism) and kol_mechanism.png (the funnel factors per tier at 1.6M, high interest)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    order = list(PRODUCTS)
    panels = list(dict.fromkeys(zip(summary.mechanism, summary.budget, strict=True)))
    fig, axes = plt.subplots(len(panels), len(NEEDS), figsize=(5.4 * len(NEEDS), 3.3 * len(panels)),
                             squeeze=False, sharey=True, layout="constrained")
    palette = dict(zip(TIERS, sns.color_palette("viridis", len(TIERS)), strict=True))
    for i, (mech, budget) in enumerate(panels):
        for j, need in enumerate(NEEDS):
            ax, width = axes[i, j], 0.2
            sub = summary[(summary.mechanism == mech) & (summary.budget == budget)
                          & (summary.need == need)]
            for k, tier in enumerate(TIERS):
                s = sub[sub.tier == tier].set_index("product").reindex(order)
                x = np.arange(len(order)) + (k - 1.5) * width
                y = s.incr_per_k.to_numpy()
                lo = np.maximum(s.incr_per_k_lo.to_numpy(), 0.05)  # log axis: clip at 0.05
                err = np.vstack([np.maximum(y - lo, 0), np.maximum(s.incr_per_k_hi.to_numpy() - y, 0)])
                ax.bar(x, y, width, color=palette[tier], label=tier if (i, j) == (0, 0) else None)
                ax.errorbar(x, y, yerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=2,
                            lw=0.8)
            ax.set_yscale("log")
            ax.set_xticks(np.arange(len(order)),
                          [f"{p}\n{PRODUCTS[p]['price']:.0f} yuan" for p in order])
            ax.set_title(f"{mech}, {budget} yuan, {need} interest", fontsize=10)
            if j == 0:
                ax.set_ylabel("incremental orders\nper 1,000 yuan (log)")
    fig.suptitle("Incremental orders per 1,000 yuan of creator spend by tier "
                 "(mean, 95% t-interval over seeds)", fontsize=12)
    fig.legend(loc="outside lower center", ncols=len(TIERS), title="whole creator budget on tier")
    fig.savefig(out / "kol_tiers.png", dpi=100, bbox_inches="tight")
    plt.close(fig)

    mid = summary[(summary.budget == "1.6M") & (summary.need == "high")]
    long = mid.melt(id_vars=["mechanism", "product", "tier"],
                    value_vars=["views_per_reached", "engaged_per_view", "orders_per_engaged"],
                    var_name="factor", value_name="value")
    g = sns.catplot(data=long, x="product", y="value", hue="tier", col="factor", row="mechanism",
                    kind="bar", order=order, hue_order=TIERS, palette=palette, sharey=False,
                    height=2.8, aspect=1.15, errorbar=None)
    g.set_titles("{col_name}\n{row_name}")
    g.figure.suptitle("Why: repetition (views per reached consumer) builds the memory a "
                      "1,000-yuan order needs (1.6M yuan, high interest)", y=1.07)
    g.savefig(out / "kol_mechanism.png", dpi=100)
    plt.close(g.figure)
