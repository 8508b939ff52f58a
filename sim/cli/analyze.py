"""``socsim analyze``: Sobol or Morris sensitivity indices of a finished sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import cell, fail, print_table, say, table


def analyze(
    directory: Annotated[Path, typer.Argument(help="output directory of a sobol or morris sweep")],
    kpi: Annotated[Optional[list[str]], typer.Option(
        "--kpi", help="KPI to analyse (repeatable; default: the sweep's kpis)")] = None,
    out: Annotated[Optional[Path], typer.Option(
        help="folder for sensitivity.png and sensitivity.csv (default: the sweep directory)")] = None,
) -> None:
    """Sobol (S1, ST) or Morris (mu*, sigma) sensitivity indices with confidence intervals."""
    from sim.analysis.sensitivity import analyze as run_analyze
    from sim.analysis.sensitivity import plot_indices
    from sim.config.formatting import write_csv
    from sim.config.scenario import ScenarioError
    from sim.io.outputs import write_file_atomic

    if not directory.is_dir():
        fail(f"{directory}: no such sweep output directory")
    try:
        df = run_analyze(directory, kpi or None)
    except (ScenarioError, FileNotFoundError) as exc:
        fail(str(exc))
    print_indices(df, directory)
    dest = out or directory
    try:
        dest.mkdir(parents=True, exist_ok=True)
        write_file_atomic(dest / "sensitivity.csv", lambda p: write_csv(df, p))
        write_file_atomic(dest / "sensitivity.png", lambda p: plot_indices(df, p))
    except OSError as exc:
        fail(f"--out: cannot write to {dest} ({exc.strerror or exc})", code=1)
    say(f"wrote {dest / 'sensitivity.png'} and {dest / 'sensitivity.csv'}")


def print_indices(df, directory: Path) -> None:
    """Print the indices per KPI, parameters by decreasing ST (Sobol) or mu* (Morris)."""
    method = df["method"].iloc[0]
    if method == "sobol":
        cols = [("S1", "S1_conf"), ("ST", "ST_conf")]
        note = "Sobol indices: S1 first order, ST total; ± 95% bootstrap confidence half-width"
    else:
        cols = [("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None)]
        note = ("Morris elementary effects in KPI units: mu* mean |effect| (± 95% bootstrap "
                "half-width), sigma its spread (interactions / non-linearity), mu signed mean")
    t = table(f"{method} sensitivity of {directory}",
              [("KPI", "left"), ("parameter", "left")] + [(n, "right") for n, _ in cols])
    for k in dict.fromkeys(df["kpi"]):
        t.add_section()
        sub = df[df["kpi"] == k]
        order = "ST" if method == "sobol" else "mu_star"
        for j, row in enumerate(sub.sort_values(order, ascending=False).itertuples()):
            cells = []
            for name, conf in cols:
                v = getattr(row, name)
                if method == "sobol":  # indices are shares of variance: fixed decimals
                    cells.append(f"{v:.3f} ± {getattr(row, conf):.3f}")
                else:  # elementary effects are in KPI units
                    cells.append(f"{v:.3g} ± {getattr(row, conf):.2g}" if conf else f"{v:.3g}")
            t.add_row(*map(cell, [k if j == 0 else "", row.parameter, *cells]))
    print_table(t)
    say(note, style="dim")
