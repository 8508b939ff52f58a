"""The ``socsim`` command line (Typer).

Heavy modules (mesa, pandas, the model) are imported inside commands so that ``--help`` and
``validate`` answer at once. Bad input exits with status 2 and one message, never a traceback.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="socsim: agent-based simulator of a social-commerce ecosystem.",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
HEADLINE_KPIS = [
    "reach", "exposures", "engagement_rate", "engaged", "buyers", "orders", "gmv", "spend",
    "roas", "roi", "cac", "repurchase_rate", "ugc_share", "negative_sentiment",
    "platform_dependence", "members", "breakout",
]

SetOption = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="override a scenario value: dotted.key=value (repeatable)"),
]


def fail(message: str, code: int = 2) -> None:
    """Print one error message and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_or_fail(path: Path, overrides: list[str] | None = None):
    """Load a scenario, turning every scenario problem into a clean exit 2."""
    from .scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path, overrides or [])
    except ScenarioError as exc:
        fail(str(exc))


def fmt(value: float) -> str:
    """Readable number: thousands separators for big values, 3 significant digits for small."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.3g}"


def progress_bar(total: int, description: str):
    """A rich progress bar with runs done, runs/s and ETA (hidden when there is one run)."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("eta"),
        TimeRemainingColumn(), console=err_console, transient=True, disable=total <= 1,
    )


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    out: Annotated[Optional[Path], typer.Option(help="write timeseries.parquet and summary.json here")] = None,
    seed: Annotated[Optional[int], typer.Option(help="base seed (default: run.seed)")] = None,
    reps: Annotated[Optional[int], typer.Option(help="replications (default: run.replications)")] = None,
    workers: Annotated[int, typer.Option(help="parallel processes for replications")] = 1,
    set_: SetOption = None,
    attribution: Annotated[bool, typer.Option(
        "--attribution", help="also measure first-touch, last-touch and incremental orders per "
        "channel (re-runs each seed once per paid channel with that channel removed)")] = False,
) -> None:
    """Run a scenario and print its KPIs (mean and 95% interval over replications)."""
    import time

    from .runner import replicate, summarize, timeseries_frame

    scn = load_or_fail(scenario, set_)
    n_reps = reps if reps is not None else scn.run.replications
    if n_reps < 1:
        fail(f"--reps: must be at least 1 (got {n_reps})")
    if attribution and scn.run.mode != "full":
        fail(f"--attribution: needs run.mode 'full' (got {scn.run.mode!r}): reference modes "
             "have no budget channels")
    from .attribution import measure_attribution, runs_needed

    n_runs = runs_needed(scn, n_reps) if attribution else n_reps
    start = time.perf_counter()
    with progress_bar(n_runs, f"running {scenario.name}") as bar:
        task = bar.add_task(f"running {scenario.name}", total=n_runs, rate="")

        def done(_res) -> None:
            bar.advance(task)
            elapsed = time.perf_counter() - start
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:.2f} runs/s")

        if attribution:
            results, attr = measure_attribution(scn, n_reps, seed, workers=workers, on_done=done,
                                                keep_timeseries=out is not None)
        else:
            results = replicate(scn, n_reps, seed, workers=workers,
                                keep_timeseries=out is not None, on_done=done)
    elapsed = time.perf_counter() - start
    table = summarize(results)
    print_kpi_table(table, title=f"{scn.name or scenario.stem}: {scn.run.consumers:,} consumers, "
                    f"{scn.run.days} days, {n_reps} replication(s), {elapsed:.1f} s")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        timeseries_frame(results).to_parquet(out / "timeseries.parquet", index=False)
        summary = {
            "scenario": str(scenario), "seeds": [r.seed for r in results],
            "replications": n_reps, "consumers": scn.run.consumers, "days": scn.run.days,
            "kpis": {row.kpi: ({"mean": row.mean, "lo": row.lo, "hi": row.hi} if n_reps > 1
                               else row.mean) for row in table.itertuples()},
        }
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        console.print(f"wrote {out / 'timeseries.parquet'} and {out / 'summary.json'}")
    if attribution:
        print_attribution_table(attr, title=f"attribution per channel ({n_reps} seed(s); "
                                "incremental = orders lost when the channel is removed)")
        if out is not None:
            attr.table.to_csv(out / "attribution.csv", index=False)
            console.print(f"wrote {out / 'attribution.csv'}")


def print_attribution_table(attr, title: str) -> None:
    """Print first-touch, last-touch and incremental orders per channel, and the findings."""
    t = Table(title=title, title_justify="left")
    for col in ("channel", "spend (yuan)", "first touch", "last touch", "incremental",
                "95% interval", "last/incr.", "incr. ROI"):
        t.add_column(col, justify="left" if col == "channel" else "right")
    for row in attr.table.itertuples():
        organic = row.kind == "organic"
        t.add_row(
            row.channel + (" (organic)" if organic else ""), fmt(row.spend),
            f"{row.first_touch_orders:.1f}", f"{row.last_touch_orders:.1f}",
            "—" if organic else f"{row.incremental_orders:.1f}",
            "—" if organic or row.n < 2 else f"{row.incremental_lo:+.1f} – {row.incremental_hi:+.1f}",
            "—" if row.last_touch_ratio != row.last_touch_ratio else f"{row.last_touch_ratio:.2f}×",
            "—" if row.incremental_roi != row.incremental_roi else f"{row.incremental_roi:.2f}",
        )
    console.print(t)
    console.print(f"total orders (mean): {attr.total_orders:,.1f}")
    for line in attr.findings():
        console.print(f"  • {line}", highlight=False)


def print_kpi_table(table, title: str) -> None:
    """Print the headline KPIs of a :func:`sim.runner.summarize` table."""
    show = table[table.kpi.isin(HEADLINE_KPIS)].set_index("kpi").reindex(
        [k for k in HEADLINE_KPIS if k in set(table.kpi)])
    console.print(title, highlight=False)
    t = Table()
    t.add_column("KPI")
    t.add_column("mean", justify="right")
    multi = int(show["n"].iloc[0]) > 1
    if multi:
        t.add_column("95% interval", justify="right")
    for kpi, row in show.iterrows():
        cells = [kpi, fmt(row["mean"])]
        if multi:
            cells.append(f"{fmt(row['lo'])} – {fmt(row['hi'])}")
        t.add_row(*cells)
    console.print(t)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    set_: SetOption = None,
) -> None:
    """Check a scenario file without running it (exit 0 if valid, 2 with a message if not)."""
    scn = load_or_fail(scenario, set_)
    tiers = ", ".join(f"{k}×{v.count}" for k, v in scn.influencers.items()) or "none"
    console.print(
        f"[green]ok[/] {scenario}: mode {scn.run.mode}, {scn.run.consumers:,} consumers, "
        f"{scn.run.days} days, graph {scn.graph.kind}, platforms {', '.join(scn.platforms)}, "
        f"creators {tiers}, retailers {len(scn.retailers)}"
    )


def scenario_question(path: Path) -> str:
    """The ``question`` of a scenario file, else its first comment line."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("question"):
            return str(data["question"])
    except (tomllib.TOMLDecodeError, OSError):
        pass
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


@app.command()
def scenarios(
    directory: Annotated[Path, typer.Option(help="folder to list")] = SCENARIO_DIR,
) -> None:
    """List the bundled scenarios and the question each answers."""
    if not directory.is_dir():
        fail(f"--directory: {directory} is not a folder")
    t = Table(title=f"scenarios in {directory}", title_justify="left")
    t.add_column("file")
    t.add_column("question")
    for path in sorted(directory.rglob("*.toml")):
        if "sweeps" in path.parts:
            continue
        t.add_row(str(path.relative_to(directory)), scenario_question(path))
    console.print(t)


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(
        help="scenario TOML files (two or more); the first is the reference")],
    reps: Annotated[int, typer.Option(help="replications per scenario, same seeds for all")] = 10,
    out: Annotated[Optional[Path], typer.Option(
        help="write comparison.csv and report.html to this folder")] = None,
    metric: Annotated[str, typer.Option(help="KPI the verdict is about (roi, gmv, orders, ...)")] = "roi",
    workers: Annotated[int, typer.Option(help="parallel processes (results identical to serial)")] = 1,
    seed: Annotated[Optional[int], typer.Option(
        help="base seed (default: run.seed of the first scenario)")] = None,
    attribution_reps: Annotated[Optional[int], typer.Option(
        help="seeds used for incremental attribution in the report (default: min(reps, 5); "
        "0 skips it; costs one run per paid channel and seed)")] = None,
    set_: SetOption = None,
) -> None:
    """Compare scenarios on paired replications: KPI table, P(beats first), verdict, report."""
    import time

    from .compare import compare as run_compare
    from .compare import kpi_names

    if len(scenarios) < 2:
        fail(f"compare: give at least two scenario files (got {len(scenarios)})")
    if reps < 2:
        fail(f"--reps: a comparison needs at least 2 replications (got {reps})")
    if workers < 1:
        fail(f"--workers: must be at least 1 (got {workers})")
    loaded = [load_or_fail(p, set_) for p in scenarios]
    known = [k for k in kpi_names(loaded[0]) if all(k in kpi_names(s) for s in loaded[1:])]
    if metric not in known:
        shown = [k for k in known if not k.startswith(("stage_", "organic_", "daily_"))]
        fail(f"--metric: unknown KPI {metric!r}; allowed: {', '.join(shown)}")
    if attribution_reps is None:
        attribution_reps = min(reps, 5) if out is not None else 0
    if not 0 <= attribution_reps <= reps:
        fail(f"--attribution-reps: must be 0..{reps} (got {attribution_reps})")
    if attribution_reps and any(s.run.mode != "full" for s in loaded):
        attribution_reps = 0
    from .attribution import attribution_channels

    n_runs = len(loaded) * reps + sum(
        attribution_reps * len(attribution_channels(s)) for s in loaded)
    names = [s.name or p.stem for s, p in zip(loaded, scenarios)]
    start = time.perf_counter()
    with progress_bar(n_runs, "comparing") as bar:
        task = bar.add_task(f"comparing {len(loaded)} scenarios", total=n_runs, rate="")

        def done(_res) -> None:
            bar.advance(task)
            elapsed = time.perf_counter() - start
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:.2f} runs/s")

        cmp = run_compare(loaded, reps, seed, metric, workers, done, names=names,
                          attribution_reps=attribution_reps)
    elapsed = time.perf_counter() - start
    scn = loaded[0]
    print_comparison_table(cmp, title=(
        f"{len(loaded)} scenarios × {reps} paired replications (seeds {cmp.seeds[0]}–"
        f"{cmp.seeds[-1]}), {scn.run.consumers:,} consumers, {scn.run.days} days, "
        f"{n_runs} runs in {elapsed:.1f} s"))
    console.print("[bold]Verdict[/]")
    for line in cmp.verdict_lines():
        console.print(f"  {line}", highlight=False)
    if out is not None:
        from .report import write_report

        out.mkdir(parents=True, exist_ok=True)
        cmp.to_csv(out / "comparison.csv")
        write_report(cmp, out / "report.html")
        console.print(f"wrote {out / 'comparison.csv'} and {out / 'report.html'}")


def print_comparison_table(cmp, title: str) -> None:
    """Per headline KPI and scenario: mean, 95% interval, difference to the first scenario with
    its interval, and P(beats first) (lower is better for CAC, sentiment, dependence)."""
    from .compare import LOWER_IS_BETTER

    kpis = [k for k in HEADLINE_KPIS if k in set(cmp.table.kpi)]
    if cmp.metric not in kpis:
        kpis.append(cmp.metric)
    ref = cmp.reference
    t = Table(title=title, title_justify="left")
    for col in ("KPI", "scenario", "mean", "95% interval", f"Δ vs {ref}", "Δ 95% interval",
                f"P(beats {ref})"):
        t.add_column(col, justify="left" if col in ("KPI", "scenario") else "right",
                     no_wrap=col not in ("KPI", "scenario"))
    rows = cmp.table.set_index(["kpi", "scenario"])
    for kpi in kpis:
        t.add_section()
        label = kpi + (" ↓" if kpi in LOWER_IS_BETTER else "")
        bold = "bold" if kpi == cmp.metric else ""
        for j, name in enumerate(cmp.names):
            r = rows.loc[(kpi, name)]
            is_ref = name == ref
            neutral = kpi == "spend" or kpi == "exposures"
            t.add_row(
                label if j == 0 else "", name, fmt(r["mean"]), f"{fmt(r['lo'])} – {fmt(r['hi'])}",
                "—" if is_ref else f"{'+' if r['diff'] >= 0 else ''}{fmt(r['diff'])}",
                "—" if is_ref else f"{fmt(r['diff_lo'])} – {fmt(r['diff_hi'])}",
                "—" if is_ref or neutral else f"{r['p_superior']:.0%}",
                style=bold,
            )
    # a file or pipe gets the whole table rather than rich's 80-column default
    console.print(t, width=None if console.is_terminal else max(console.width, 132))
    console.print("↓ lower is better. Δ: paired difference (same seeds) to the first scenario.",
                  style="dim")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
