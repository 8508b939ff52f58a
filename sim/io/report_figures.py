"""The figures of the HTML comparison report (sim.io.report), drawn on
:class:`matplotlib.figure.Figure` objects (no pyplot global state): paired differences,
KPI distributions, the funnel over time, spend and GMV by channel, orders by platform and
attribution; plus the palettes and the figure style shared by every report.

Money is yuan of the budgets as written (see sim.io.report); counts are of simulated consumers.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.config.channels import channel_label
from sim.config.kpis import is_money, kpi_info, kpi_label, lower_is_better
from sim.config.formatting import PLAIN_TEXT_RC, fmt_number
from sim.execution.runner import t_interval

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison

DISTRIBUTION_KPIS = ["roi", "gmv", "orders", "reach"]
FUNNEL = [("aware", "Aware"), ("interested", "Interested (engaged)"), ("buyers", "Buyers")]
ATTRIBUTION_METHODS = [("first_touch_orders", "first touch"), ("last_touch_orders", "last touch"),
                       ("incremental_orders", "incremental (removal test)")]
METHOD_COLOURS = ["#9ecae1", "#3182bd", "#e6550d"]


# --------------------------------------------------------------------------- helpers
def _thousands(x: float, _pos: int | None = None) -> str:
    """Axis tick label (see :func:`sim.config.formatting.fmt_number`)."""
    return fmt_number(x)


def _png(fig: Figure) -> str:
    """The figure as a base64 PNG ``<img>`` tag."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _fig(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def scenario_palette(names: list[str]) -> dict[str, tuple]:
    """One colour per scenario, the same in every figure (colour-blind safe)."""
    base = sns.color_palette("colorblind", 10)
    colours = [base[i] for i in (0, 1, 2, 4, 3, 9, 8, 5, 6, 7)]  # orange and vermillion apart
    return {n: colours[i % len(colours)] for i, n in enumerate(names)}


def channel_palette(channels: list[str]) -> dict[str, tuple]:
    colours = sns.color_palette("Set2", 8) + sns.color_palette("Pastel1", 9)
    return {c: colours[i % len(colours)] for i, c in enumerate(channels)}


def _style() -> dict:
    return {**PLAIN_TEXT_RC, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.labelsize": 9.5,
            "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9,
            "axes.spines.top": False, "axes.spines.right": False}


# --------------------------------------------------------------------------- figures
def fig_paired(cmp: "Comparison", pal: dict) -> Figure:
    """Per alternative: each seed's difference to the reference on the metric, mean and CI."""
    kpi, ref = cmp.metric, cmp.reference
    others = cmp.names[1:]
    fig = _fig(10, 0.6 + 0.55 * max(1, len(others)))
    ax = fig.subplots()
    vals = cmp.values(kpi)
    for y, name in enumerate(others):
        d = (vals[name] - vals[ref]).to_numpy()
        p = cmp.paired(ref, name, kpi)
        jitter = (np.random.default_rng(y).random(len(d)) - 0.5) * 0.25
        ax.scatter(d, y + jitter, s=16, color=pal[name], alpha=0.55, lw=0)
        ax.errorbar(p.diff, y, xerr=[[p.diff - p.diff_lo], [p.diff_hi - p.diff]], fmt="D",
                    color="black", ms=6, capsize=5, lw=1.6)
        ax.annotate(f"{100 * p.p_superior:.0f}% of runs better", (1.0, y),
                    xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=9, color="0.25")
    ax.axvline(0, color="0.3", lw=1, ls="--")
    ax.set_yticks(range(len(others)), [f"{n} − {ref}" for n in others])
    ax.set_ylim(-0.6, len(others) - 0.4)
    ax.invert_yaxis()
    unit = " (yuan)" if is_money(kpi) else ""
    low = "; lower is better" if lower_is_better(kpi) else ""
    ax.set_xlabel(f"difference in {kpi_label(kpi)}{unit} to {ref}, same seed{low}")
    ax.set_title(f"{kpi_label(kpi)}: paired difference to {ref} per replication", loc="left")
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    return fig


def fig_distributions(cmp: "Comparison", pal: dict) -> Figure:
    """Box and points of the final KPI values per scenario, one panel per KPI."""
    kpis = list(dict.fromkeys([cmp.metric, *DISTRIBUTION_KPIS]))[:4]
    fig = _fig(11, 1.6 + 0.5 * len(cmp.names) * 2)
    fig.get_layout_engine().set(h_pad=0.12, hspace=0.08)
    axes = fig.subplots(2, 2, sharey=True).ravel()
    for ax, kpi in zip(axes, kpis):
        v = cmp.values(kpi).melt(var_name="scenario", value_name="value")
        with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib's deprecated `vert`
            warnings.simplefilter("ignore", DeprecationWarning)
            sns.boxplot(data=v, x="value", y="scenario", hue="scenario", palette=pal, ax=ax,
                        showfliers=False, width=0.55, legend=False, boxprops={"alpha": 0.45},
                        order=cmp.names, hue_order=cmp.names)
        sns.stripplot(data=v, x="value", y="scenario", hue="scenario", palette=pal, ax=ax,
                      size=3.5, jitter=0.18, alpha=0.85, legend=False, order=cmp.names,
                      hue_order=cmp.names, edgecolor="white", linewidth=0.3)
        ax.set_title(kpi_info(kpi).title, loc="left")
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    for ax in axes[len(kpis):]:
        ax.set_visible(False)
    return fig


def fig_funnel(cmp: "Comparison", pal: dict) -> Figure | None:
    """Aware / interested / buyers over time: mean line and 95 % band per scenario."""
    fig = _fig(11, 3.4)
    axes = fig.subplots(1, 3)
    drawn = False
    for ax, (col, title) in zip(axes, FUNNEL):
        for name in cmp.names:
            runs = [r.timeseries for r in cmp.results[name] if r.timeseries is not None]
            if not runs or col not in runs[0]:
                continue
            arr = np.stack([ts[col].to_numpy(float) for ts in runs])
            m, lo, hi = t_interval(arr)
            day = runs[0]["step"].to_numpy()
            ax.plot(day, m, color=pal[name], lw=2, label=name)
            ax.fill_between(day, lo, hi, color=pal[name], alpha=0.2, lw=0)
            drawn = True
        ax.set_title(title, loc="left")
        ax.set_xlabel("day")
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    if not drawn:
        return None
    axes[0].set_ylabel("consumers")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6),
               frameon=False)
    return fig


def _channel_frames(cmp: "Comparison") -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Mean spend and last-touch GMV per scenario × channel (yuan)."""
    spend, gmv, channels = {}, {}, []
    for name, scn in zip(cmp.names, cmp.scenarios):
        runs, user = cmp.results[name], cmp.summaries[name]
        s = {k[len("spend_"):]: np.mean([r[k] for r in user])
             for k in user[0] if k.startswith("spend_")}
        spend[name] = s
        tabs = [r.attribution for r in runs if r.attribution is not None]
        if tabs and "last_touch_gmv" in tabs[0]:
            g = pd.concat(tabs).groupby("channel", sort=False)["last_touch_gmv"].mean()
            gmv[name] = (g / scn.money_scale).to_dict()  # the budget's units, like spend
        for ch in [*s, *gmv.get(name, {})]:
            if ch not in channels:
                channels.append(ch)
    sp = pd.DataFrame(spend).T.reindex(columns=channels).fillna(0.0)
    gm = pd.DataFrame(gmv).T.reindex(columns=channels).fillna(0.0) if gmv else pd.DataFrame()
    return sp, gm, channels


def _stacked(ax, frame: pd.DataFrame, cpal: dict, names: list[str]) -> None:
    left = np.zeros(len(names))
    frame = frame.reindex(names)
    for ch in frame.columns:
        vals = frame[ch].to_numpy(float)
        if not np.any(vals > 0):
            continue
        ax.barh(range(len(names)), vals, left=left, color=cpal[ch], label=channel_label(ch),
                edgecolor="white", linewidth=0.6, height=0.6)
        left += vals
    for y, total in enumerate(left):
        ax.annotate(f"{total:,.0f}", (total, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8.5, color="0.25")
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlim(0, left.max() * 1.15 if left.max() > 0 else 1)


def fig_channels(cmp: "Comparison") -> Figure:
    """Stacked bars: spend by channel and last-touch GMV by channel, per scenario (yuan)."""
    sp, gm, channels = _channel_frames(cmp)
    cpal = channel_palette(channels)
    fig = _fig(11, 1.3 + 0.45 * len(cmp.names))
    axes = fig.subplots(1, 2 if not gm.empty else 1, squeeze=False).ravel()
    _stacked(axes[0], sp, cpal, cmp.names)
    axes[0].set_title("Spend by channel (yuan, mean per run)", loc="left")
    if not gm.empty:
        _stacked(axes[1], gm, cpal, cmp.names)
        axes[1].set_title("GMV by channel, last-touch credit (yuan)", loc="left")
        axes[1].set_yticklabels([])
    handles: dict = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center",
               ncols=min(len(handles), 5), frameon=False)
    return fig


def fig_platforms(cmp: "Comparison") -> Figure | None:
    """100 % stacked bars of orders by platform (platform of the last touch) per scenario."""
    platforms = []
    for s in cmp.scenarios:
        platforms += [p for p in s.platforms if p not in platforms]
    shares = {}
    for name in cmp.names:
        runs = cmp.results[name]
        o = {p: np.mean([r.summary.get(f"orders_{p}", 0.0) for r in runs]) for p in platforms}
        total = sum(o.values())
        shares[name] = {p: (v / total if total else 0.0) for p, v in o.items()}
    frame = pd.DataFrame(shares).T.reindex(cmp.names)
    if frame.to_numpy().sum() == 0:
        return None
    pal = dict(zip(platforms, sns.color_palette("muted", len(platforms))))
    fig = _fig(10, 1.1 + 0.45 * len(cmp.names))
    ax = fig.subplots()
    left = np.zeros(len(cmp.names))
    for p in platforms:
        vals = frame[p].to_numpy(float)
        ax.barh(range(len(cmp.names)), vals, left=left, color=pal[p], label=p, height=0.6,
                edgecolor="white")
        for y, (lft, v) in enumerate(zip(left, vals)):
            if v >= 0.06:
                ax.text(lft + v / 2, y, f"{v:.0%}", ha="center", va="center", fontsize=9,
                        color="white", fontweight="bold")
        left += vals
    ax.set_yticks(range(len(cmp.names)), cmp.names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.0%}"))
    ax.set_title("Share of orders by platform (platform of the last touch before buying)",
                 loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=len(platforms),
              frameon=False)
    return fig


def fig_attribution(cmp: "Comparison") -> Figure | None:
    """Per scenario: orders credited per channel by first touch, last touch and removal."""
    if not cmp.attribution:
        return None
    names = [n for n in cmp.names if n in cmp.attribution]
    ncols = 2 if len(names) > 1 else 1
    nrows = -(-len(names) // ncols)
    n_ch = max(len(cmp.attribution[n].table) for n in names)
    fig = _fig(11, 0.9 + nrows * (0.42 * n_ch + 0.7))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    width = 0.27
    for ax, name in zip(axes, names):
        tab = cmp.attribution[name].table
        y = np.arange(len(tab))
        for k, ((col, label), colour) in enumerate(zip(ATTRIBUTION_METHODS, METHOD_COLOURS)):
            vals = tab[col].to_numpy(float)
            pos = y + (k - 1) * width
            ax.barh(pos, np.nan_to_num(vals), height=width, color=colour, label=label)
            if col == "incremental_orders":
                ok = np.isfinite(vals) & (tab["n"].to_numpy() >= 2)
                err = np.vstack([vals - tab["incremental_lo"], tab["incremental_hi"] - vals])
                ax.errorbar(vals[ok], pos[ok], xerr=err[:, ok], fmt="none", ecolor="0.2",
                            capsize=2.5, lw=1)
                for yy, kind in zip(pos[~np.isfinite(vals)], tab["kind"][~np.isfinite(vals)]):
                    note = " not removable" if kind == "organic" else " not measured"
                    ax.text(0, yy, note, va="center", fontsize=7.5, color="0.45")
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, [channel_label(c) for c in tab["channel"]])
        ax.invert_yaxis()
        ax.set_title(f"{name}", loc="left")
        ax.set_xlabel("orders per run")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    return fig
