"""Tipping points: cascade size against transmissibility and mean degree, with the theory.

One command (about 10 minutes on 2 cores; ``--quick`` 2 minutes)::

    python experiments/tipping_points/run.py [--quick] [--workers 2] [--analyze-only]

Runs two sweeps with the sweep tool (resumable; raw runs under ``runs/``, git-ignored):

* ``cascade.toml``: the ``independent_cascade`` reference mode (bond percolation) on an
  Erdős–Rényi graph and on the circle graph, grid T × z;
* ``threshold.toml``: Watts' ``threshold`` mode on Erdős–Rényi, grid φ × z.

Theory overlaid: ER S = 1 − exp(−zTS), threshold T_c = 1/z; any degree distribution (the
circle graph's measured degrees, configuration-model approximation) u = G1(1 − T + Tu),
S = 1 − G0(1 − T + Tu), T_c = ⟨k⟩/(⟨k²⟩ − ⟨k⟩); Watts' cascade window
Σ_{k ≤ 1/φ} k(k − 1) p_k > z for Poisson p_k.

Writes ``cascade_er.png``, ``cascade_circles.png``, ``threshold.png``, ``thresholds.csv`` (T_c
theory vs measured per graph and z), ``cascade_points.csv`` and ``threshold_points.csv``
(mean S per grid point) next to this file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
GRAPH_LABEL = {"erdos_renyi": "Erdős–Rényi", "circles": "circle graph"}


# --------------------------------------------------------------------------- theory


def er_size(z: float, T: float) -> float:
    """Giant-component share S solving S = 1 − exp(−zTS) (0 below T_c = 1/z)."""
    s = 1.0
    for _ in range(2000):
        s_new = 1.0 - np.exp(-z * T * s)
        if abs(s_new - s) < 1e-12:
            break
        s = s_new
    return float(s) if z * T > 1 else 0.0


def config_size(degrees: np.ndarray, T: float) -> float:
    """Bond-percolation giant component of a configuration model with these degrees."""
    k = np.asarray(degrees, dtype=float)
    mean = k.mean()
    u = 0.0
    for _ in range(5000):
        x = 1.0 - T + T * u
        u_new = float(np.mean(k * x ** np.maximum(k - 1, 0)) / mean)  # G1(x)
        if abs(u_new - u) < 1e-12:
            break
        u = u_new
    x = 1.0 - T + T * u
    return float(1.0 - np.mean(x**k))


def critical_t(degrees: np.ndarray) -> float:
    """T_c = ⟨k⟩ / (⟨k²⟩ − ⟨k⟩)."""
    k = np.asarray(degrees, dtype=float)
    return float(k.mean() / ((k**2).mean() - k.mean()))


def watts_window(z: float, phi: float, kmax: int = 200) -> bool:
    """Watts (2002) cascade condition on a Poisson(z) graph: Σ_{1≤k≤1/φ} k(k−1)p_k > z."""
    from scipy import stats

    k = np.arange(1, kmax)
    pk = stats.poisson.pmf(k, z)
    vulnerable = k <= np.floor(1.0 / phi + 1e-9)
    return bool(np.sum(k * (k - 1) * pk * vulnerable) > z)


def graph_degrees(kind: str, z: float, consumers: int, seed: int = 1) -> np.ndarray:
    """Degrees of the graph the engine builds for this reference scenario (one seed)."""
    from sim.engine.model import SocialCommerceModel
    from sim.config.scenario import load_scenario

    scn = load_scenario(HERE.parents[1] / "scenarios" / "reference" / "independent_cascade.toml",
                        {"graph.kind": kind, "graph.mean_degree": z, "run.consumers": consumers,
                         "run.days": 1})
    return np.asarray(SocialCommerceModel(scn, seed=seed).graph.degree, dtype=float)


# --------------------------------------------------------------------------- run


def run_sweeps(quick: bool, workers: int) -> dict[str, Path]:
    """Run (or resume) both sweeps; returns their output folders."""
    from sim.sweeps.driver import load_sweep, run_sweep

    outs = {}
    for name in ("cascade", "threshold"):
        sweep = load_sweep(HERE / f"{name}.toml")
        out = RUNS / (name + ("_quick" if quick else ""))
        if quick:
            scale = 5000 / sweep.set["run"]["consumers"]  # keep the seed fraction
            sweep = sweep.model_copy(update={"replications": 1, "set": sweep.set | {
                "run": sweep.set["run"] | {"consumers": 5000},
                "reference": {"seeds": max(1, round(sweep.set["reference"]["seeds"] * scale))}}})
        res = run_sweep(sweep, out, workers=workers, resume=out.exists())
        rate = res.ran / res.seconds if res.seconds else 0.0
        print(f"{name}: {res.ran} runs in {res.seconds:.0f} s ({rate:.2f} runs/s) on {res.backend}; "
              f"{res.already_done} were already done", flush=True)
        outs[name] = out
    return outs


def load(out: Path) -> tuple[pd.DataFrame, int, int]:
    """Runs of a sweep with S = engaged share; also the consumers and seeds of its base."""
    from sim.sweeps.driver import query
    from sim.sweeps.store import read_manifest

    scenario = read_manifest(out)["base"]["scenario"]
    consumers = int(scenario["run"]["consumers"])
    df = query(out, "SELECT * FROM runs")
    df["S"] = df.engaged / consumers
    return df, consumers, int(scenario["reference"]["seeds"])


def analyze_cascade(df: pd.DataFrame, consumers: int, seeds: int, dest: Path) -> pd.DataFrame:
    """Figures and the thresholds table of the cascade sweep (``seeds``: initially engaged)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    T, Z, K = "reference.transmissibility", "graph.mean_degree", "graph.kind"
    pts = df.groupby([K, Z, T]).agg(S=("S", "mean"), S_min=("S", "min"), S_max=("S", "max"),
                                     unfinished=("daily_engagements", lambda x: int((x > 0).sum())),
                                     n=("S", "size")).reset_index()
    zs = sorted(pts[Z].unique())
    colors = dict(zip(zs, sns.color_palette("flare", len(zs)), strict=True))
    tgrid = np.linspace(0.001, 0.8, 400)
    rows = []
    for kind in pts[K].unique():
        fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.0), layout="constrained")
        for z in zs:
            sub = pts[(pts[K] == kind) & (pts[Z] == z)].sort_values(T)
            deg = graph_degrees(kind, z, consumers)
            tc = 1.0 / z if kind == "erdos_renyi" else critical_t(deg)
            tc_deg = critical_t(deg)
            theory = np.array([er_size(z, t) if kind == "erdos_renyi" else config_size(deg, t) for t in tgrid])
            above = sub[sub.S > 0.02]
            t_meas = float(above[T].min()) if len(above) else float("nan")
            below = sub[sub[T] < t_meas]
            t_prev = float(below[T].max()) if len(below) else float("nan")
            pred = np.array([er_size(z, t) if kind == "erdos_renyi" else config_size(deg, t) for t in sub[T]])
            far = sub[T].to_numpy() >= 1.5 * tc
            rows.append({
                "graph": kind, "z": z, "mean_degree_measured": deg.mean(),
                "k2_measured": float((deg**2).mean()), "max_degree": int(deg.max()),
                "Tc_theory": tc, "Tc_from_degrees": tc_deg,
                "T_first_S_above_2pct": t_meas, "T_last_below": t_prev,
                "mean_abs_err_above_1.5Tc": float(np.mean(np.abs(sub.S.to_numpy()[far] - pred[far]))) if far.any() else float("nan"),
                "S_at_T0.2": float(sub.loc[np.isclose(sub[T], 0.2), "S"].iloc[0]),
                "theory_at_T0.2": er_size(z, 0.2) if kind == "erdos_renyi" else config_size(deg, 0.2),
                "unfinished_runs": int(sub.unfinished.sum()),
            })
            c = colors[z]
            # expected mean with m random seeds: an outbreak needs a seed in the giant
            # out-component (probability S per seed for bond percolation), S·(1 − (1 − S)^m)
            axes[0].plot(tgrid, theory * (1 - (1 - theory) ** seeds), color=c, lw=0.8, ls=":")
            for ax, x_of in ((axes[0], lambda t: t), (axes[1], lambda t, z=z: z * t if kind == "erdos_renyi" else t / tc)):
                ax.plot(x_of(tgrid), theory, color=c, lw=1.2, ls="--")
                ax.errorbar(x_of(sub[T].to_numpy()), sub.S, yerr=[sub.S - sub.S_min, sub.S_max - sub.S],
                            fmt="o", ms=4, color=c, capsize=2, lw=0.8, label=f"z = {z:g} (T_c = {tc:.3f})")
            axes[0].axvline(tc, color=c, lw=0.8, ls=":")
        label = GRAPH_LABEL.get(kind, kind)
        th = ("S = 1 − exp(−zTS)" if kind == "erdos_renyi"
              else "configuration model with the measured degrees")
        axes[0].set(xlabel="transmissibility T", ylabel="final engaged share S",
                    title=f"{label}: simulated (dots: mean, bars: min–max of 3 seeds)\n"
                          f"dashed: theory {th}\ndotted: × P(a seed hits it) = 1−(1−S)^{seeds}; "
                          "vertical: T_c")
        axes[0].legend(fontsize=9)
        axes[1].axvline(1.0, color="black", lw=0.8, ls=":")
        axes[1].set(xlabel="z·T (= T / T_c)" if kind == "erdos_renyi" else "T / T_c (T_c = ⟨k⟩/(⟨k²⟩−⟨k⟩))",
                    ylabel="S", xscale="log",
                    title="the same against distance to the threshold" + (" (one curve: theory)" if kind == "erdos_renyi" else ""))
        fig.savefig(dest / f"cascade_{'er' if kind == 'erdos_renyi' else kind}.png", dpi=110)
        plt.close(fig)
    pts.to_csv(dest / "cascade_points.csv", index=False, float_format="%.5g")
    table = pd.DataFrame(rows)
    table.to_csv(dest / "thresholds.csv", index=False, float_format="%.4g")
    return table


def analyze_threshold(df: pd.DataFrame, dest: Path) -> pd.DataFrame:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    P, Z = "reference.phi", "graph.mean_degree"
    pts = df.groupby([P, Z]).agg(S=("S", "mean"), S_min=("S", "min"), S_max=("S", "max"),
                                 global_share=("S", lambda s: float((s > 0.5).mean())),
                                 unfinished=("daily_engagements", lambda x: int((x > 0).sum()))).reset_index()
    pts["watts_window"] = [watts_window(z, p) for p, z in zip(pts[P], pts[Z], strict=True)]
    phis = sorted(pts[P].unique())
    fig, axes = plt.subplots(1, len(phis), figsize=(3.6 * len(phis), 3.6), sharey=True, layout="constrained")
    zfine = np.linspace(0.3, 22, 400)
    for ax, phi in zip(np.atleast_1d(axes), phis, strict=True):
        sub = pts[pts[P] == phi]
        inside = np.array([watts_window(z, phi) for z in zfine])
        ax.fill_between(zfine, 0, 1, where=inside, color="tab:green", alpha=0.15,
                        label="Watts cascade window (theory)")
        ax.errorbar(sub[Z], sub.S, yerr=[sub.S - sub.S_min, sub.S_max - sub.S], fmt="o-", ms=4,
                    capsize=2, lw=1, label="simulated S (3 seeds)")
        ax.set(title=f"φ = {phi:g}", xlabel="mean degree z", ylim=(-0.02, 1.02))
    np.atleast_1d(axes)[0].set_ylabel("final engaged share S")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    fig.suptitle("Watts threshold model on Erdős–Rényi graphs: global cascades only inside the window")
    fig.savefig(dest / "threshold.png", dpi=110)
    plt.close(fig)
    pts.to_csv(dest / "threshold_points.csv", index=False, float_format="%.5g")
    return pts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5,000 consumers, 1 seed per point")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--analyze-only", action="store_true", help="only re-make figures and tables")
    args = ap.parse_args(argv)
    RUNS.mkdir(exist_ok=True)
    if args.analyze_only:
        outs = {n: RUNS / (n + ("_quick" if args.quick else "")) for n in ("cascade", "threshold")}
    else:
        outs = run_sweeps(args.quick, args.workers)
    dest = RUNS if args.quick else HERE
    cascade, consumers, seeds = load(outs["cascade"])
    table = analyze_cascade(cascade, consumers, seeds, dest)
    thr, _, _ = load(outs["threshold"])
    pts = analyze_threshold(thr, dest)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False))
    agree = (pts.watts_window == (pts.S > 0.5)).mean()
    print(f"threshold model: 'global cascade (S > 0.5)' agrees with Watts' window at {agree:.0%} of "
          f"{len(pts)} (phi, z) points")
    print(f"wrote figures and tables to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
