"""The calibration report (``DIR/report.html``): one self-contained page.

Sections: the fitted values with their 90 % intervals; observed versus fitted, per KPI (the
band is the 5–95 % range of runs that each draw a parameter vector from the posterior and a
seed: it holds seed noise *and* parameter uncertainty); marginal posteriors; pairwise plot of
the posterior (trade-offs between keys show up as diagonal clouds); method notes. Figures are
matplotlib ``Figure`` objects drawn with seaborn's axes-level functions (no pyplot state).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from sim.io.report import CSS, _figure, _fig, _style

if TYPE_CHECKING:
    from sim.analysis.calibration_run import CalibrationResult


def fig_bands(res: "CalibrationResult", held_out: pd.DataFrame | None = None) -> Figure:
    """Per observed KPI: fitted band (5–95 %), median, and the observed points."""
    cols = res.problem.observed.columns
    n = len(cols)
    ncol = min(2, n)
    nrow = int(np.ceil(n / ncol))
    fig = _fig(5.2 * ncol, 3.2 * nrow)
    axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
    band = res.predictive.groupby("day")
    obs = res.problem.observed.frame
    for ax, col in zip(axes, cols):
        lo, mid, hi = band[col].quantile(0.05), band[col].median(), band[col].quantile(0.95)
        ax.fill_between(lo.index, lo, hi, color="#9ecae1", alpha=0.6, lw=0,
                        label="fitted 90% band (seeds + parameters)")
        ax.plot(mid.index, mid, color="#3182bd", lw=1.5, label="fitted median")
        pts = obs[col].dropna()
        ax.scatter(pts.index, pts, s=12, color="black", zorder=3, label="observed (fitted)")
        if held_out is not None and col in held_out:
            h = held_out[col].dropna()
            ax.scatter(h.index, h, s=14, facecolors="none", edgecolors="#e6550d", zorder=3,
                       label="observed (held out)")
        ax.set_title(col.replace("_", " "))
        ax.set_xlabel("day")
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(loc="best", frameon=True, framealpha=0.85)
    return fig


def _weights(post: pd.DataFrame) -> np.ndarray:
    return post["weight"].to_numpy(float) if "weight" in post else np.ones(len(post))


def fig_marginals(res: "CalibrationResult") -> Figure:
    """Per fitted key: the posterior histogram over its search range, best value and interval."""
    keys = res.problem.keys
    fig = _fig(4.2 * len(keys), 3.0)
    axes = np.atleast_1d(fig.subplots(1, len(keys)))
    post = res.posterior
    for ax, p in zip(axes, res.problem.params):
        info = res.fit["params"][p.key]
        ax.axvspan(info["lo"], info["hi"], color="#fdd0a2", alpha=0.6, label="90% interval")
        sns.histplot(x=post[p.key], weights=_weights(post), bins=15, stat="density",
                     color="#3182bd", ax=ax, binrange=(p.low, p.high))
        ax.axvline(info["best"], color="#e6550d", lw=2, label="best")
        ax.set_xlim(p.low, p.high)
        ax.set_title(p.key)
        ax.set_xlabel("value (search range = x axis)")
    axes[0].legend(loc="upper left", frameon=False)
    return fig


def fig_pairs(res: "CalibrationResult") -> Figure | None:
    """Pairwise plot of the posterior: scatter below the diagonal, histograms on it."""
    params = res.problem.params
    if len(params) < 2:
        return None
    d = len(params)
    fig = _fig(2.6 * d, 2.6 * d)
    axes = fig.subplots(d, d, squeeze=False)
    post, w = res.posterior, _weights(res.posterior)
    for i, pi in enumerate(params):
        for j, pj in enumerate(params):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                sns.histplot(x=post[pi.key], weights=w, bins=12, color="#3182bd", ax=ax,
                             binrange=(pi.low, pi.high))
                ax.set_xlim(pi.low, pi.high)
            else:
                even = np.allclose(w, w[0])
                sns.scatterplot(x=post[pj.key], y=post[pi.key], size=None if even else w,
                                sizes=(10, 70), s=28 if even else None, color="#3182bd",
                                alpha=0.6, legend=False, ax=ax)
                ax.set_xlim(pj.low, pj.high)
                ax.set_ylim(pi.low, pi.high)
            ax.set_xlabel(pj.key if i == d - 1 else "")
            ax.set_ylabel(pi.key if j == 0 and i > 0 else "")
    return fig


def _param_table(res: "CalibrationResult") -> str:
    rows = ["<table class='kpi'><tr><th>key</th><th>best</th><th>90% interval</th>"
            "<th>search range</th><th>interval / range</th></tr>"]
    for key, v in res.fit["params"].items():
        share = (v["hi"] - v["lo"]) / (v["high"] - v["low"])
        rows.append(f"<tr><td class='k'>{html.escape(key)}</td><td>{v['best']:.4g}</td>"
                    f"<td>{v['lo']:.4g} – {v['hi']:.4g}</td><td>{v['low']:g} – {v['high']:g}"
                    f"</td><td>{share:.0%}</td></tr>")
    return "".join(rows) + "</table>"


def _holds(fit: dict) -> str:
    """Which uncertainty the interval holds: what the fit conditioned on (creators, market)."""
    cond = fit.get("conditioning")
    if not cond:
        return ""
    return f"<p class='note'><b>What the interval holds:</b> {html.escape(cond['holds'])}</p>"


def render_calibration(res: "CalibrationResult", held_out: pd.DataFrame | None = None) -> str:
    """The report as one HTML string."""
    import matplotlib

    fit = res.fit
    method = ("Optuna TPE point fit; interval = trials consistent with the data at 90% "
              "(Monte Carlo test inversion)" if fit["method"] == "optuna"
              else "ABC-SMC (pyabc) posterior; interval = weighted 5–95% quantiles")
    n_runs = res.predictive["replication"].nunique()
    misfit = ("<p class='note'><b>Warning:</b> the observed data lie farther from the best fit "
              "than 90% of the model's own campaigns do; the model may be missing a mechanism "
              "that drives these KPIs, and the interval is a relative one.</p>"
              if fit.get("misfit") else "")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Calibration</title><style>{CSS}</style></head><body><main>",
        f"<h1>Calibration of {html.escape(Path(fit['scenario']).name)} to "
        f"{html.escape(Path(fit['observed']).name)}</h1>",
        f"<p class='sub'>{html.escape(method)}. {fit['cells']} observed cells "
        f"({html.escape(', '.join(fit['kpis']))}; days {fit['days_fitted'][0]}–"
        f"{fit['days_fitted'][1]}), {fit['consumers']:,} consumers, distance at the best fit "
        f"{fit['distance']:.3g}; {res.seconds:.0f} s on {html.escape(res.backend)}.</p>",
        misfit, "<h2>Fitted values</h2>", _param_table(res), _holds(fit),
    ]
    with matplotlib.rc_context(_style()), sns.axes_style("whitegrid"):
        parts.append(_figure(
            "Observed versus fitted", fig_bands(res, held_out),
            f"Dots: the observed values. Band: 5–95% of {n_runs} simulated campaigns, each "
            "drawing one parameter vector from the posterior and its own seed, so the band "
            "holds two sources of uncertainty: seed noise and parameter uncertainty. Line: "
            "their median."))
        parts.append(_figure(
            "Marginal posteriors", fig_marginals(res),
            "Posterior draws of each key over its whole search range (the x axis). A narrow "
            "peak: the data pin the key down; a flat spread: the observed KPIs do not "
            "identify it."))
        parts.append(_figure(
            "Pairwise", fig_pairs(res),
            "Each dot is one posterior draw (size = weight). A diagonal cloud is a trade-off: "
            "the data fix a combination of the two keys, not each one."))
    parts.append(
        "<h2>How to read this report</h2><div class='method'><ul>"
        "<li><b>Distance</b>: root mean square of the residuals per observed cell, each divided "
        "by its spread over the search box (floored at 5% of the KPI's largest value), every "
        "KPI weighted equally. About 1 = as far off as a random point of the box.</li>"
        "<li><b>Use the fit</b>: <code>calibrated.toml</code> is the scenario with the best "
        "values set; pass <code>--uncertainty posterior.parquet</code> to run, compare or sweep "
        "so their intervals hold parameter uncertainty too.</li></ul></div>")
    parts.append("</main></body></html>")
    return "\n".join(p for p in parts if p)


def write_calibration_report(res: "CalibrationResult", path: str | Path,
                             held_out: pd.DataFrame | None = None) -> Path:
    """Write the report whole (temporary file, then rename); returns the path."""
    import os

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_calibration(res, held_out), encoding="utf-8")
    os.replace(tmp, path)
    return path


__all__ = ["fig_bands", "fig_marginals", "fig_pairs", "render_calibration",
           "write_calibration_report"]
