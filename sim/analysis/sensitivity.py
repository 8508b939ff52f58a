"""Sensitivity indices from a finished ``sobol`` or ``morris`` sweep (SALib) and their plot.

Replications of a design point are averaged first, so the indices describe the expected KPI.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.formatting import PLAIN_TEXT_RC
from sim.sweeps.driver import SweepError
from sim.sweeps.store import read_manifest
from sim.sweeps.tasks import ID_COLUMNS

__all__ = ["analyze", "plot_indices"]

SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu_star", "mu_star_conf", "sigma", "mu"]


def _point_means(out: Path, manifest: dict[str, Any], kpis: list[str] | None) -> pd.DataFrame:
    from sim.sweeps.driver import iter_runs

    frames = list(iter_runs(out))
    if not frames:
        raise SweepError(f"{out}: no finished runs to analyse")
    runs = pd.concat(frames, ignore_index=True)
    params = {p["name"] for p in manifest["parameters"]}
    available = [c for c in runs.columns if c not in ID_COLUMNS and c not in params]
    chosen = kpis or manifest.get("kpis") or available
    unknown = [k for k in chosen if k not in available]
    if unknown:
        raise SweepError(f"{out}: unknown KPI(s) {unknown}; available: {available}")
    means = runs.groupby("point")[chosen].mean().sort_index()
    n_points = int(manifest["total_points"])
    if len(means) != n_points:
        raise SweepError(
            f"{out}: only {len(means)} of {n_points} design points have results; "
            "finish the sweep (resume it) before analysing"
        )
    return means


def analyze(out_dir: str | Path, kpis: list[str] | None = None) -> pd.DataFrame:
    """Sobol (S1, S1_conf, ST, ST_conf) or Morris (mu_star, mu_star_conf, sigma, mu) indices.

    Returns one row per (kpi, parameter) with columns ``method, kpi, parameter`` + indices.
    ``kpis`` defaults to the sweep's kept KPIs (or all KPI columns).
    """
    out = Path(out_dir)
    manifest = read_manifest(out)
    design = manifest["design"]
    if design not in ("sobol", "morris"):
        raise SweepError(f"{out}: sensitivity analysis needs design 'sobol' or 'morris' (this sweep is '{design}')")
    means = _point_means(out, manifest, kpis)
    problem = manifest["problem"]
    seed = int(manifest["seed"])
    sweep = manifest["sweep"]
    rows = []
    for kpi in means.columns:
        Y = means[kpi].to_numpy(dtype=float)
        if not np.all(np.isfinite(Y)):
            raise SweepError(f"{out}: KPI {kpi!r} has missing/infinite values at some points")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if design == "sobol":
                from SALib.analyze import sobol

                res = sobol.analyze(problem, Y, calc_second_order=bool(sweep.get("second_order")), seed=seed)
                cols = SOBOL_COLUMNS
            else:
                from SALib.analyze import morris

                X = np.asarray(manifest["samples"], dtype=float)
                res = morris.analyze(problem, X, Y, num_levels=int(sweep.get("morris_levels", 4)), seed=seed)
                cols = MORRIS_COLUMNS
        for i, name in enumerate(problem["names"]):
            rows.append({"method": design, "kpi": kpi, "parameter": name} | {c: float(res[c][i]) for c in cols})
    return pd.DataFrame(rows)


def plot_indices(df: pd.DataFrame, path: str | Path) -> Path:
    """Bar chart (one panel per KPI) of :func:`analyze`'s output, with confidence bars; PNG."""
    import matplotlib

    with matplotlib.rc_context(PLAIN_TEXT_RC):  # names drawn literally, never as mathtext
        return _plot_indices(df, Path(path))


def _plot_indices(df: pd.DataFrame, path: Path) -> Path:
    import seaborn as sns
    from matplotlib.figure import Figure

    method = df["method"].iloc[0]
    if method == "sobol":
        bars, conf = ["S1", "ST"], {"S1": "S1_conf", "ST": "ST_conf"}
        ylabel = "Sobol index"
    else:
        bars, conf = ["mu_star", "sigma"], {"mu_star": "mu_star_conf"}
        ylabel = "Morris elementary effect"
    kpis = list(dict.fromkeys(df["kpi"]))
    params = list(dict.fromkeys(df["parameter"]))
    fig = Figure(figsize=(max(6.0, 1.1 * len(params) + 2), 3.0 * len(kpis)), layout="constrained")
    axes = fig.subplots(len(kpis), 1, squeeze=False)[:, 0]
    for ax, kpi in zip(axes, kpis, strict=True):
        sub = df[df["kpi"] == kpi].set_index("parameter").loc[params]
        long = sub[bars].reset_index().melt(id_vars="parameter", var_name="index", value_name="value")
        sns.barplot(data=long, x="parameter", y="value", hue="index", order=params, hue_order=bars,
                    errorbar=None, ax=ax)
        for container, name in zip(list(ax.containers)[: len(bars)], bars, strict=True):
            if name not in conf:
                continue
            xs = [b.get_x() + b.get_width() / 2 for b in container]
            ax.errorbar(xs, sub[name].to_numpy(), yerr=sub[conf[name]].to_numpy(), fmt="none",
                        ecolor="black", capsize=3, lw=1)
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_title(kpi)
        ax.set_xlabel("")
        ax.set_ylabel(ylabel)
        ax.tick_params(axis="x", labelrotation=20)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
