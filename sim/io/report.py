"""The HTML comparison report: one self-contained page (figures embedded as base64 PNG, inline
CSS, no scripts) that a strategist can send as it is.

Sections: verdict and key-number table; paired differences on the verdict metric; KPI
distributions per scenario; the funnel over time (mean and 95 % band); spend and GMV by channel;
orders by platform (platform dependence); attribution (first touch, last touch, incremental)
with the ratio of last-touch credit to incremental orders per channel; method notes.

Money totals are yuan of the budgets as written (for ``run.reference_consumers`` consumers; the
model's internal scaling by ``run.consumers / reference_consumers`` is undone, see
:mod:`sim.analysis.fairness`); orders, buyers and reach count the simulated consumers.
Figures are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot global state), so the
module is safe to use from threads and without a display.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.attribution import classify
from sim.analysis.comparison import fmt_signed, fmt_value
from sim.config.channels import channel_label
from sim.config.kpis import (KEY_KPIS, LOWER_IS_BETTER, is_money, kpi_info, kpi_label,
                             lower_is_better)
from sim.config.formatting import PLAIN_TEXT_RC, fmt_number
from sim.execution.runner import t_interval

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison

REPORT_KPIS = [*KEY_KPIS[:3], "net_profit", *KEY_KPIS[3:]]
"""The key-number table: the registry's key KPIs and the net profit (gross margin − spend)."""

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


# --------------------------------------------------------------------------- HTML parts
CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:#1f2933;
margin:0;background:#f4f5f7}
main{max-width:1120px;margin:0 auto;background:#fff;padding:28px 40px 40px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:34px 0 6px;border-bottom:2px solid #e4e7eb;padding-bottom:4px}
.sub{color:#616e7c;font-size:14px;margin:0 0 18px}
.verdict{background:#eef6ff;border-left:6px solid #2f6fb3;padding:14px 18px;margin:14px 0 6px;
font-size:15px;line-height:1.5}.verdict .head{font-size:18px;font-weight:600;margin-bottom:6px}
.verdict ul{margin:6px 0 0 18px;padding:0}.note{color:#7b8794;font-size:13px}
table{border-collapse:collapse;font-size:13.5px;margin:8px 0;width:100%}
th,td{padding:5px 9px;border-bottom:1px solid #e4e7eb;text-align:right;vertical-align:top}
th{background:#f5f7fa;font-weight:600}td.k,th.k{text-align:left}
td .ci{color:#7b8794;font-size:11.5px;display:block}
.better{color:#1b7f3b;font-weight:600}.worse{color:#b42318;font-weight:600}.unclear{color:#616e7c}
tr.metric td{background:#fffbea}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;
vertical-align:-1px}
figure{margin:10px 0 4px}figure img{width:100%;height:auto}
figcaption{color:#3e4c59;font-size:14px;margin-top:4px;line-height:1.45}
.over{color:#b42318;font-weight:600}.under{color:#8a5a00;font-weight:600}.ok{color:#1b7f3b}
@media print{body{background:#fff}main{padding:0}figure,table{page-break-inside:avoid}}
.findings li{margin:3px 0}.method{font-size:13px;color:#3e4c59;line-height:1.5}
"""


def _cell(value: float, lo: float, hi: float, n: int) -> str:
    if value != value:
        return "undefined"
    ci = f'<span class="ci">{fmt_value(lo)} – {fmt_value(hi)}</span>' if n > 1 else ""
    return f"{html.escape(fmt_value(value))}{ci}"


def key_table(cmp: "Comparison", pal: dict) -> str:
    """HTML table: rows KPIs, columns scenarios (mean, 95 % interval, Δ and P vs reference)."""
    kpis = [k for k in dict.fromkeys([cmp.metric, *REPORT_KPIS]) if k in set(cmp.table.kpi)]
    rows = cmp.table.set_index(["kpi", "scenario"])
    n = len(cmp.seeds)
    head = "".join(
        f'<th><span class="swatch" style="background:{_hex(pal[s])}"></span>{html.escape(s)}'
        f'{" (reference)" if s == cmp.reference else ""}</th>' for s in cmp.names)
    out = [f'<table><tr><th class="k">KPI</th>{head}</tr>']
    for kpi in kpis:
        unit = " (yuan)" if is_money(kpi) else ""
        arrow = " ↓" if lower_is_better(kpi) else ""
        cells = []
        for s in cmp.names:
            r = rows.loc[(kpi, s)]
            cell = _cell(r["mean"], r["lo"], r["hi"], n)
            if s != cmp.reference and kpi != "spend":
                outcome = cmp.paired(cmp.reference, s, kpi).outcome
                cell += (f'<span class="ci {outcome}">Δ {html.escape(fmt_signed(r["diff"]))}'
                         f' · beats ref. in {r["p_superior"]:.0%}</span>')
            cells.append(f"<td>{cell}</td>")
        cls = ' class="metric"' if kpi == cmp.metric else ""
        out.append(f'<tr{cls}><td class="k">{html.escape(kpi_label(kpi))}{unit}{arrow}</td>'
                   + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _hex(rgb: tuple) -> str:
    return "#" + "".join(f"{int(round(255 * c)):02x}" for c in rgb[:3])


def ratio_table(cmp: "Comparison") -> str:
    """HTML: per channel and scenario, last-touch credit / incremental orders and its reading
    (:func:`sim.analysis.attribution.classify`)."""
    if not cmp.attribution:
        return ""
    names = [n for n in cmp.names if n in cmp.attribution]
    rows = {n: {r.channel: r for r in cmp.attribution[n].table.itertuples()} for n in names}
    channels = list(dict.fromkeys(ch for n in names for ch in rows[n]))
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    out = [f'<table><tr><th class="k">channel</th>{head}</tr>']
    for ch in channels:
        cells = []
        for n in names:
            r = rows[n].get(ch)
            if r is None:
                cells.append("<td>–</td>")
                continue
            reading = classify(r, cmp.attribution[n].tolerance)
            lt, inc = r.last_touch_orders, r.incremental_orders
            if reading.kind == "organic":
                cells.append(f'<td><span class="unclear">no budget</span>'
                             f'<span class="ci">last touch {lt:.0f}</span></td>')
                continue
            if reading.kind in ("unused", "unmeasured"):
                word = "not used" if reading.kind == "unused" else "not measured"
                cells.append(f'<td><span class="unclear">{word}</span></td>')
                continue
            band = f" [{r.incremental_lo:.0f}, {r.incremental_hi:.0f}]" if r.n >= 2 else ""
            detail = f'<span class="ci">last {lt:.0f} vs incr. {inc:.0f}{band}</span>'
            ratio = reading.ratio
            text = {
                "over": f"{ratio:.1f}× over-credited" if ratio == ratio else "over-credited",
                "under": f"{ratio:.2g}× under-credited",
                "ok": f"{ratio:.2f}× about right",
                "uncertain": "lift uncertain",
                "hurts": "costs orders",
            }[reading.kind]
            cls = {"over": "over", "hurts": "over", "under": "under", "ok": "ok"}.get(
                reading.kind, "unclear")
            cells.append(f'<td><span class="{cls}">{text}</span>{detail}</td>')
        out.append(f'<tr><td class="k">{html.escape(channel_label(ch))}</td>{"".join(cells)}</tr>')
    out.append("</table>")
    return "".join(out)


def _figure(title: str, fig: Figure | None, caption: str) -> str:
    if fig is None:
        return ""
    return (f"<h2>{html.escape(title)}</h2><figure>{_png(fig)}"
            f"<figcaption>{caption}</figcaption></figure>")


def render_html(cmp: "Comparison", title: str | None = None) -> str:
    """The whole report as one HTML string."""
    import matplotlib

    pal = scenario_palette(cmp.names)
    scn = cmp.scenarios[0]
    n, ref, label = len(cmp.seeds), cmp.reference, kpi_label(cmp.metric)
    title = title or "Scenario comparison: " + " vs ".join(cmp.names)
    lines = cmp.verdict_lines()
    market = (f"{scn.run.consumers:,} simulated consumers, {scn.run.days} days; money totals "
              f"(spend, GMV, profit) in yuan of the budgets as written, for a market of "
              f"{scn.run.reference_consumers:,} consumers; orders, buyers and reach are counts "
              "of the simulated consumers")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='sub'>{n} paired replications per scenario (seeds {cmp.seeds[0]}–"
        f"{cmp.seeds[-1]}), {html.escape(market)}. Generated "
        f"{_dt.date.today().isoformat()}.</p>",
        "<div class='verdict'>",
        f"<div class='head'>{html.escape(lines[0])}</div><ul>",
        *[f"<li>{html.escape(x)}</li>" for x in lines[1:]],
        "</ul></div>",
        f"<p class='note'>Reference scenario: <b>{html.escape(ref)}</b>. Verdict metric: "
        f"<b>{html.escape(label)}</b>. “Beats” compares the same seed (same world, same "
        "random numbers) in both scenarios; ↓ marks KPIs where lower is better.</p>",
        "<h2>Key numbers</h2>",
        f"<p class='note'><b>Uncertainty in every interval: {cmp.interval_source}.</b> "
        f"{html.escape(cmp.uncertainty_note())}</p>",
        "<p class='note'>Mean per run, 95% confidence interval below it; for the other "
        "scenarios the paired difference to the reference (Δ) and the share of runs in which "
        "they beat it. Green: better with 95% confidence; red: worse; grey: not "
        "distinguishable.</p>",
        key_table(cmp, pal),
    ]
    with matplotlib.rc_context(_style()), sns.axes_style("whitegrid"):
        if len(cmp.names) > 1:
            parts.append(_figure(
                f"How sure is the verdict? Paired differences in {label}", fig_paired(cmp, pal),
                f"Each dot is one replication: the {html.escape(label)} of a scenario minus "
                f"that of {html.escape(ref)} under the same seed. Diamond and bar: mean "
                "difference and its 95% confidence interval. A bar clear of the dashed zero line "
                "is a difference that is not noise."))
        parts.append(_figure(
            "Outcomes per scenario", fig_distributions(cmp, pal),
            f"Final values of {n} replications per scenario (dots) and their spread (boxes: "
            "middle half of the runs, line: median). Overlapping boxes do not mean a tie: the "
            "paired differences above are the sharper test."))
        parts.append(_figure(
            "The funnel over time", fig_funnel(cmp, pal),
            "Consumers who are aware of, engaged with, and have bought from the brand(s), day "
            "by day. Line: mean over replications; band: 95% confidence interval of the mean. "
            "Where the curves flatten, the campaign has saturated its reachable audience."))
        parts.append(_figure(
            "Where the money goes and what it brings", fig_channels(cmp),
            "Left: spend per channel (yuan per run, booked spend — unspent lines are not "
            "shown). Right: GMV credited to each channel by last touch, the way most "
            "dashboards report it; the attribution section below shows how far that is from "
            "what each channel actually causes."))
        parts.append(_figure(
            "Platform dependence", fig_platforms(cmp),
            "Share of orders by the platform of the buyer's last touch. A single dominant "
            "platform makes the plan vulnerable to an algorithm change on it. "
            + "; ".join(f"{html.escape(s)}: largest platform "
                        f"{cmp.values('platform_dependence')[s].mean():.0%} of orders"
                        for s in cmp.names) + "."))
        if cmp.attribution:
            k = len(next(iter(cmp.attribution.values())).seeds)
            parts.append(_figure(
                "Attribution: who really drives orders?", fig_attribution(cmp),
                f"Orders per run credited to each channel by first touch and last touch, and "
                f"the true incremental orders: the orders lost when that channel alone is "
                f"removed (its budget not spent, every other channel unchanged) under the same "
                f"seeds ({k} seed(s); black bar: 95% interval). Word of mouth and buyer posts "
                "have no budget and cannot be removed; their credit belongs to the paid "
                "channels that set them off."))
            parts.append(
                "<h3>Last-touch credit ÷ incremental orders, per channel</h3>"
                "<p class='note'>Above 1: last touch over-credits the channel (it touches "
                "people who would have bought anyway); below 1: it under-credits it (the "
                "channel starts or enables journeys others close). Red: over-credited (more "
                "than 1.5×, or more credit than the upper end of the channel's 95% effect "
                "interval); amber: under-credited (below 0.67×); green: within 1.5× either "
                "way; grey: the effect is not distinguishable from zero with these seeds. "
                "Below each: last-touch and incremental orders per run [95% interval].</p>"
                + ratio_table(cmp))
            best = cmp.ranking()[0][0]
            for name in dict.fromkeys([ref, best]):
                findings = cmp.attribution[name].findings()
                if findings:
                    parts.append(f"<p><b>Where the heuristics mislead ({html.escape(name)}):"
                                 "</b></p><ul class='findings'>"
                                 + "".join(f"<li>{html.escape(f)}</li>" for f in findings)
                                 + "</ul>")
    parts.append(_method_notes(cmp))
    parts.append("</main></body></html>")
    return "\n".join(p for p in parts if p)


def _method_notes(cmp: "Comparison") -> str:
    low = ", ".join(kpi_label(k) for k in sorted(LOWER_IS_BETTER))
    return (
        "<h2>How to read this report</h2><div class='method'><ul>"
        "<li><b>Common random numbers.</b> Replication <i>i</i> of every scenario uses seed "
        "base+<i>i</i>: the same social graph, consumers and creators, and the same seeds for "
        "the daily random draws. Differences and their intervals are computed on these pairs, "
        "so world-to-world variation cancels out; the day-to-day noise that remains (cascades "
        "diverge once the plans differ) is what the intervals measure.</li>"
        "<li><b>Intervals</b> are 95% confidence intervals of the mean over replications, "
        "Student-t, unless that would leave the KPI's range (a share below 0 or above 1, a "
        "count or amount below 0); then the bootstrap percentile interval. They shrink with "
        "more replications (<code>--reps</code>). "
        + ("They hold run-to-run (seed) noise only, not uncertainty about the model's "
           "parameters.</li>"
           if cmp.uncertainty is None else
           "They hold two sources: seed noise and parameter uncertainty — each replication "
           "draws one parameter vector (" + html.escape(", ".join(cmp.uncertainty.keys))
           + f") from {html.escape(cmp.uncertainty.source)}, the same vector for replication "
           "<i>i</i> of every scenario, so the pairing is kept and P(beats) is a probability "
           "over both what the seeds and what the market parameters could be.</li>")
        + "<li><b>Undefined</b> ratios (CAC without buyers, ROI without spend) are shown as "
        "undefined, never as 0, and never win a ranking.</li>"
        "<li><b>Beats … in x% of runs</b> is the share of paired replications in which the "
        f"scenario does better than the reference (ties count half). Lower is better for {low}; "
        "higher for everything else.</li>"
        "<li><b>Attribution.</b> First/last touch credit an order to the channel of the "
        "buyer's first/last exposure. Incremental orders re-run the scenario with one channel "
        "removed under the same seed; channel effects interact, so they need not add up to "
        "total orders. Incremental ROI = (Δ gross margin − Δ spend) / Δ spend of that "
        "removal.</li>"
        f"<li>Full table: <code>comparison.csv</code> ({len(set(cmp.table.kpi))} KPIs × "
        f"{len(cmp.names)} scenarios).</li></ul></div>"
    )


def write_report(cmp: "Comparison", path: str | Path, title: str | None = None) -> Path:
    """Write the self-contained HTML report; returns the path."""
    path = Path(path)
    path.write_text(render_html(cmp, title), encoding="utf-8")
    return path


__all__ = ["render_html", "write_report", "scenario_palette"]
