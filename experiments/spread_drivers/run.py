"""What drives spread: Sobol sensitivity of GMV, reach and ROI to seven spread parameters.

One command (about 10 minutes on 2 idle cores, 40 on a busy shared machine; ``--quick`` 2
minutes)::

    python experiments/spread_drivers/run.py [--quick] [--workers 2] [--analyze-only]

Runs ``spread_drivers.toml`` with the sweep tool (Sobol design, N = 128, D = 7: 1,152 runs of the
baseline at 2,500 consumers and 60 days; resumable; raw runs under ``runs/``, git-ignored), then

* Sobol S1 / ST with 95% bootstrap confidence intervals (``sim.analysis.sensitivity.analyze``) for
  GMV, reach, engaged (consumers who engaged: the spread itself) and ROI: ``sobol.csv``,
  ``sobol.png``;
* a scatter of each KPI against each parameter: ``scatter.png``;
* the run-to-run noise: the baseline point (parameters at the centre of their ranges) run with
  12 seeds, compared with the variance over the design (``noise.csv``): the share of the
  KPI's variance that no parameter can explain;
* ``base_used.json``: the base scenario the sweep ran on (``scenarios/baseline.toml`` at the
  time; the manifest in ``runs/sobol`` has it too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
SWEEP = HERE / "spread_drivers.toml"
KPIS = ["gmv", "reach", "engaged", "roi"]
NOISE_SEEDS = 12


def run(quick: bool, workers: int) -> Path:
    from sim.sweeps.driver import load_sweep, run_sweep

    sweep = load_sweep(SWEEP)
    out = RUNS / ("sobol_quick" if quick else "sobol")
    if quick:
        sweep = sweep.model_copy(update={"samples": 8})
    res = run_sweep(sweep, out, workers=workers, resume=out.exists())
    rate = res.ran / res.seconds if res.seconds else 0.0
    print(f"{res.ran} runs in {res.seconds:.0f} s ({rate:.2f} runs/s) on {res.backend}; "
          f"{res.already_done} were already done", flush=True)
    return out


def noise(out: Path, workers: int) -> pd.DataFrame:
    """KPI mean and sd over NOISE_SEEDS seeds at the centre of the parameter ranges."""
    from sim.execution.executors import make_executor
    from sim.config.scenario import validate_scenario
    from sim.sweeps.store import read_manifest
    from sim.sweeps.tasks import ChunkTask, RunSpec, engine_run, run_chunk

    manifest = read_manifest(out)
    base = validate_scenario(manifest["base"]["scenario"])
    centre = {p["name"]: (p["low"] + p["high"]) / 2 for p in manifest["parameters"]}
    scn = base.with_overrides(centre)
    tasks = [ChunkTask(i, scn, [RunSpec(i, 0, i, 500 + i, {})], engine_run, tuple(KPIS), False)
             for i in range(NOISE_SEEDS)]
    with make_executor(workers) as ex:
        rows = [r for res in ex.map_chunks(run_chunk, tasks) for r in res.rows]
    return pd.DataFrame(rows)


def analyze(out: Path, dest: Path, workers: int) -> None:
    """Indices, figures, noise estimate and a copy of the base scenario the sweep ran on."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    from sim.analysis.sensitivity import analyze as sobol_indices
    from sim.analysis.sensitivity import plot_indices
    from sim.sweeps.driver import query
    from sim.sweeps.store import read_manifest

    import json

    (dest / "base_used.json").write_text(json.dumps(read_manifest(out)["base"]["scenario"], indent=1))
    df = sobol_indices(out, KPIS)
    df.to_csv(dest / "sobol.csv", index=False, float_format="%.4g")
    plot_indices(df, dest / "sobol.png")
    names = [p["name"] for p in read_manifest(out)["parameters"]]

    runs = query(out, "SELECT * FROM runs")
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(len(KPIS), len(names), figsize=(2.4 * len(names), 2.3 * len(KPIS)),
                             sharey="row", layout="constrained")
    for i, kpi in enumerate(KPIS):
        for j, name in enumerate(names):
            ax = axes[i, j]
            sns.scatterplot(data=runs, x=name, y=kpi, ax=ax, s=5, alpha=0.35, linewidth=0)
            bins = pd.qcut(runs[name], 8, duplicates="drop")
            binned = runs.groupby(bins, observed=True).agg(x=(name, "mean"), y=(kpi, "mean"))
            ax.plot(binned.x, binned.y, color="tab:red", lw=1.8)
            ax.set_xlabel(name.split(".")[-1] if i == len(KPIS) - 1 else "")
            ax.set_ylabel(kpi if j == 0 else "")
    fig.suptitle(f"Each KPI against each parameter over the {len(runs)} Sobol runs (red: mean of eighths of the range)")
    fig.savefig(dest / "scatter.png", dpi=90)
    plt.close(fig)

    nz = noise(out, workers)
    rows = []
    for kpi in KPIS:
        total = float(runs[kpi].var(ddof=1))
        rows.append({"kpi": kpi, "design_mean": float(runs[kpi].mean()), "design_sd": total ** 0.5,
                     "centre_mean": float(nz[kpi].mean()), "noise_sd": float(nz[kpi].std(ddof=1)),
                     "noise_share_of_variance": float(nz[kpi].var(ddof=1)) / total})
    noise_df = pd.DataFrame(rows)
    noise_df.to_csv(dest / "noise.csv", index=False, float_format="%.4g")

    pd.set_option("display.width", 200)
    for kpi in KPIS:
        sub = df[df.kpi == kpi].sort_values("ST", ascending=False)
        print(f"\n{kpi}: sum S1 = {sub.S1.sum():.2f}")
        print(sub[["parameter", "S1", "S1_conf", "ST", "ST_conf"]].to_string(index=False, float_format="%.3f"))
    print(f"\nconfidence half-widths: S1 mean {df.S1_conf.mean():.3f} (max {df.S1_conf.max():.3f}), "
          f"ST mean {df.ST_conf.mean():.3f} (max {df.ST_conf.max():.3f})")
    print(noise_df.to_string(index=False, float_format="%.4g"))
    print(f"wrote {dest / 'sobol.csv'}, sobol.png, scatter.png, noise.csv")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 8 (72 runs): a smoke test")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--analyze-only", action="store_true")
    args = ap.parse_args(argv)
    RUNS.mkdir(exist_ok=True)
    out = RUNS / ("sobol_quick" if args.quick else "sobol") if args.analyze_only else run(args.quick, args.workers)
    analyze(out, RUNS if args.quick else HERE, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
