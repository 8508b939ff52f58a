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

from sim.config.bundled import bundled_dir
from sim.config.kpis import DIAGNOSTIC_PREFIXES, HEADLINE_KPIS, kpi_info, lower_is_better

SCENARIO_DIR = bundled_dir()

SetOption = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="override a scenario value: dotted.key=value (repeatable)"),
]


def fail(message: str, code: int = 2) -> None:
    """Print one error message and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_or_fail(path: Path, overrides: list[str] | None = None):
    """Load a scenario file or bundled name, turning every scenario problem into a clean exit
    2; deprecation notes are printed to stderr."""
    from sim.config.loading import load_with_notes
    from sim.config.scenario import ScenarioError

    try:
        scn, notes = load_with_notes(path, overrides or [])
    except ScenarioError as exc:
        fail(str(exc))
    for note in notes:
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    return scn


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
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file or bundled name")],
    out: Annotated[Optional[Path], typer.Option(help="write timeseries.parquet and summary.json here")] = None,
    seed: Annotated[Optional[int], typer.Option(help="base seed (default: run.seed)")] = None,
    reps: Annotated[Optional[int], typer.Option(help="replications (default: run.replications)")] = None,
    workers: Annotated[int, typer.Option(help="parallel processes for replications")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        help="run the replications on the Dask cluster at tcp://HOST:PORT ('local': a local "
        "Dask cluster); results identical to serial")] = None,
    set_: SetOption = None,
    attribution: Annotated[bool, typer.Option(
        "--attribution", help="also measure first-touch, last-touch and incremental orders per "
        "channel (re-runs each seed once per paid channel with that channel removed)")] = False,
) -> None:
    """Run a scenario and print its KPIs (mean and 95% interval over replications)."""
    import time

    from sim.execution.runner import replicate, summarize, timeseries_frame

    scn = load_or_fail(scenario, set_)
    n_reps = reps if reps is not None else scn.run.replications
    if n_reps < 1:
        fail(f"--reps: must be at least 1 (got {n_reps})")
    if workers < 1:
        fail(f"--workers: must be at least 1 (got {workers})")
    check_scheduler(scheduler, workers)
    if attribution and scn.run.mode != "full":
        fail(f"--attribution: needs run.mode 'full' (got {scn.run.mode!r}): reference modes "
             "have no budget channels")
    from sim.analysis.attribution import measure_attribution, runs_needed
    from sim.execution.executors import ExecutorError

    n_runs = runs_needed(scn, n_reps) if attribution else n_reps
    start = time.perf_counter()
    with progress_bar(n_runs, f"running {scenario.name}") as bar:
        task = bar.add_task(f"running {scenario.name}", total=n_runs, rate="")

        def done(_res) -> None:
            bar.advance(task)
            elapsed = time.perf_counter() - start
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:.2f} runs/s")

        try:
            if attribution:
                results, attr = measure_attribution(
                    scn, n_reps, seed, workers=workers, scheduler=scheduler, on_done=done,
                    keep_timeseries=out is not None)
            else:
                results = replicate(scn, n_reps, seed, workers=workers, scheduler=scheduler,
                                    keep_timeseries=out is not None, on_done=done)
        except ExecutorError as exc:
            fail(str(exc))
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
            "—" if row.incremental_orders != row.incremental_orders
            else f"{row.incremental_orders:.1f}",
            "—" if row.incremental_lo != row.incremental_lo or row.n < 2
            else f"{row.incremental_lo:+.1f} – {row.incremental_hi:+.1f}",
            "—" if row.last_touch_ratio != row.last_touch_ratio else f"{row.last_touch_ratio:.2f}×",
            "—" if row.incremental_roi != row.incremental_roi else f"{row.incremental_roi:.2f}",
        )
    wide = console if console.is_terminal else Console(width=max(console.width, 120))
    wide.print(t)
    console.print(f"total orders (mean): {attr.total_orders:,.1f}")
    for line in attr.findings():
        console.print(f"  • {line}", highlight=False)


def print_kpi_table(table, title: str) -> None:
    """Print the headline KPIs of a :func:`sim.execution.runner.summarize` table."""
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
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file or bundled name")],
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
        help="scenario TOML files or bundled names (two or more); the first is the reference")],
    reps: Annotated[int, typer.Option(help="replications per scenario, same seeds for all")] = 10,
    out: Annotated[Optional[Path], typer.Option(
        help="write comparison.csv and report.html to this folder")] = None,
    metric: Annotated[str, typer.Option(help="KPI the verdict is about (roi, gmv, orders, ...)")] = "roi",
    workers: Annotated[int, typer.Option(help="parallel processes (results identical to serial)")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        help="run on the Dask cluster at tcp://HOST:PORT ('local': a local Dask cluster); "
        "results identical to serial")] = None,
    seed: Annotated[Optional[int], typer.Option(
        help="base seed (default: run.seed of the first scenario)")] = None,
    attribution_reps: Annotated[Optional[int], typer.Option(
        help="seeds used for incremental attribution in the report (default: min(reps, 5); "
        "0 skips it; costs one run per paid channel and seed)")] = None,
    set_: SetOption = None,
) -> None:
    """Compare scenarios on paired replications: KPI table, P(beats first), verdict, report."""
    import time

    from sim.analysis.comparison import compare as run_compare
    from sim.analysis.comparison import common_kpis
    from sim.execution.executors import ExecutorError

    if len(scenarios) < 2:
        fail(f"compare: give at least two scenario files (got {len(scenarios)})")
    if reps < 2:
        fail(f"--reps: a comparison needs at least 2 replications (got {reps})")
    if workers < 1:
        fail(f"--workers: must be at least 1 (got {workers})")
    check_scheduler(scheduler, workers)
    loaded = [load_or_fail(p, set_) for p in scenarios]
    known = common_kpis(loaded)
    if metric not in known:
        shown = [k for k in known if not k.startswith(DIAGNOSTIC_PREFIXES)]
        fail(f"--metric: unknown KPI {metric!r}; allowed: {', '.join(shown)}")
    if attribution_reps is None:
        attribution_reps = min(reps, 5) if out is not None else 0
    if not 0 <= attribution_reps <= reps:
        fail(f"--attribution-reps: must be 0..{reps} (got {attribution_reps})")
    if attribution_reps and any(s.run.mode != "full" for s in loaded):
        attribution_reps = 0
    from sim.analysis.attribution import attribution_channels

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

        try:
            cmp = run_compare(loaded, reps, seed, metric, workers, done, names=names,
                              attribution_reps=attribution_reps, scheduler=scheduler)
        except ExecutorError as exc:
            fail(str(exc))
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
        from sim.io.report import write_report

        out.mkdir(parents=True, exist_ok=True)
        cmp.to_csv(out / "comparison.csv")
        write_report(cmp, out / "report.html")
        console.print(f"wrote {out / 'comparison.csv'} and {out / 'report.html'}")


def print_comparison_table(cmp, title: str) -> None:
    """Per headline KPI and scenario: mean, 95% interval, difference to the first scenario with
    its interval, and P(beats first) (lower is better for CAC, sentiment, dependence)."""
    kpis = [k for k in HEADLINE_KPIS if k in set(cmp.table.kpi)]
    if cmp.metric not in kpis:
        kpis.append(cmp.metric)
    ref = cmp.reference
    t = Table(title=title, title_justify="left")
    for col in ("KPI", "scenario", "mean", "95% interval", f"Δ vs {ref}", "Δ 95% interval",
                f"P(beats {ref})"):
        text = col in ("KPI", "scenario")
        t.add_column(col, justify="left" if text else "right", no_wrap=not text,
                     min_width=12 if text else None)
    rows = cmp.table.set_index(["kpi", "scenario"])
    for kpi in kpis:
        t.add_section()
        label = kpi + (" ↓" if lower_is_better(kpi) else "")
        bold = "bold" if kpi == cmp.metric else ""
        for j, name in enumerate(cmp.names):
            r = rows.loc[(kpi, name)]
            is_ref = name == ref
            neutral = kpi_info(kpi).direction == "neither"
            t.add_row(
                label if j == 0 else "", name, fmt(r["mean"]), f"{fmt(r['lo'])} – {fmt(r['hi'])}",
                "—" if is_ref else f"{'+' if r['diff'] >= 0 else ''}{fmt(r['diff'])}",
                "—" if is_ref else f"{fmt(r['diff_lo'])} – {fmt(r['diff_hi'])}",
                "—" if is_ref or neutral else f"{r['p_superior']:.0%}",
                style=bold,
            )
    # a file or pipe gets the whole table rather than rich's 80-column default
    wide = console if console.is_terminal else Console(width=max(console.width, 140))
    wide.print(t)
    console.print("↓ lower is better. Δ: paired difference (same seeds) to the first scenario.",
                  style="dim")


SCHEDULER_RE = r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}/?$"


def check_scheduler(scheduler: str | None, workers: int | None = None) -> None:
    """Exit 2 unless the Dask scheduler address (option, else environment) looks usable."""
    import os
    import re

    from sim.execution.executors import ENV_SCHEDULER

    for label, value in (("--scheduler", scheduler), (f"${ENV_SCHEDULER}", os.environ.get(ENV_SCHEDULER))):
        if value is None or not value.strip() or value == "local" and label == "--scheduler":
            continue
        if label != "--scheduler" and (scheduler or workers == 1):  # the environment is not used
            continue
        if not re.match(SCHEDULER_RE, value.strip()):
            fail(f"{label}: {value!r} is not a Dask scheduler address; expected tcp://HOST:PORT "
                 "(e.g. tcp://scheduler-host:8786)" + (" or 'local'" if label == "--scheduler" else ""))


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep TOML file (see scenarios/sweeps/)")],
    out: Annotated[Path, typer.Option(help="output directory (manifest.json, runs/*.parquet)")],
    workers: Annotated[Optional[int], typer.Option(
        help="parallel workers (1 = serial; default: all cores)")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler address tcp://HOST:PORT, or 'local' for a local Dask cluster "
        "(default: $DASK_SCHEDULER_ADDRESS, else a local process pool)")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="finish a sweep in --out: run only the run_ids not yet written")] = False,
    chunk_size: Annotated[Optional[int], typer.Option(
        help="runs per task (default: about 8 tasks per worker, at most 64 runs)")] = None,
) -> None:
    """Run a parameter sweep (grid, latin_hypercube, sobol, morris), resumable, local or on Dask."""
    from sim.execution.executors import ExecutorError
    from sim.config.scenario import ScenarioError
    from sim.sweeps.driver import run_sweep
    from sim.sweeps.tasks import RunFailed

    if workers is not None and workers < 1:
        fail(f"--workers: must be at least 1 (got {workers})")
    if chunk_size is not None and chunk_size < 1:
        fail(f"--chunk-size: must be at least 1 (got {chunk_size})")
    check_scheduler(scheduler, workers)
    try:
        res = run_sweep(sweep_file, out, workers=workers, scheduler=scheduler, resume=resume,
                        chunk_size=chunk_size)
    except (ScenarioError, ExecutorError, FileNotFoundError) as exc:  # SweepError is a ScenarioError
        fail(str(exc))
    except RunFailed as exc:
        fail(f"{exc}\nfinished chunks are kept; fix the cause and continue with --resume", code=1)
    except KeyboardInterrupt:
        fail(f"interrupted; finished chunks are kept in {out}: continue with "
             f"socsim sweep {sweep_file} --out {out} --resume", code=130)
    rate = res.ran / res.seconds if res.seconds > 0 else 0.0
    if res.ran == 0:
        console.print(f"nothing to do: all {res.total_runs} runs of {out} are finished",
                      highlight=False)
        return
    console.print(
        f"{res.ran} runs in {res.seconds:.1f} s ({rate:.2f} runs/s) on {res.backend}; "
        f"{res.already_done + res.ran}/{res.total_runs} runs done, {res.chunks} chunk file(s) "
        f"written to {out / 'runs'}", highlight=False)


@app.command()
def query(
    directory: Annotated[Path, typer.Argument(help="sweep output directory")],
    sql: Annotated[str, typer.Argument(
        help='SQL over the view runs (and timeseries, if kept); quote dotted parameter names: '
        'SELECT "behaviour.s0", avg(gmv) FROM runs GROUP BY 1')],
    csv: Annotated[Optional[Path], typer.Option(help="also save the whole result as CSV")] = None,
    limit: Annotated[int, typer.Option(help="rows printed (the CSV gets all)")] = 50,
) -> None:
    """Query a sweep's results with DuckDB and print them as a table."""
    import duckdb

    from sim.sweeps.driver import query as run_query

    if not directory.is_dir():
        fail(f"{directory}: no such sweep output directory")
    try:
        df = run_query(directory, sql)
    except FileNotFoundError as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(f"SQL: {str(exc).splitlines()[0]} (views: runs, timeseries if kept; "
             'quote dotted names: "behaviour.s0")')
    t = Table(title=f"{len(df):,} row(s)", title_justify="left")
    for col in df.columns:
        t.add_column(str(col), justify="right" if df[col].dtype.kind in "iuf" else "left")
    for row in df.head(max(limit, 0)).itertuples(index=False):
        t.add_row(*[fmt(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v
                    else str(v) for v in row])
    console.print(t, width=None if console.is_terminal else max(console.width, 160))
    if len(df) > limit:
        console.print(f"... {len(df) - limit:,} more row(s); use --limit or --csv", style="dim")
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(csv, index=False)
        console.print(f"wrote {csv}")


@app.command()
def analyze(
    directory: Annotated[Path, typer.Argument(help="output directory of a sobol or morris sweep")],
    kpi: Annotated[Optional[list[str]], typer.Option(
        "--kpi", help="KPI to analyse (repeatable; default: the sweep's kpis)")] = None,
    out: Annotated[Optional[Path], typer.Option(
        help="folder for sensitivity.png and sensitivity.csv (default: the sweep directory)")] = None,
) -> None:
    """Sobol (S1, ST) or Morris (mu*, sigma) sensitivity indices with confidence intervals."""
    from sim.config.scenario import ScenarioError
    from sim.analysis.sensitivity import analyze as run_analyze
    from sim.analysis.sensitivity import plot_indices

    if not directory.is_dir():
        fail(f"{directory}: no such sweep output directory")
    try:
        df = run_analyze(directory, kpi or None)
    except (ScenarioError, FileNotFoundError) as exc:
        fail(str(exc))
    method = df["method"].iloc[0]
    if method == "sobol":
        cols = [("S1", "S1_conf"), ("ST", "ST_conf")]
        note = "Sobol indices: S1 first order, ST total; ± 95% bootstrap confidence half-width"
    else:
        cols = [("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None)]
        note = ("Morris elementary effects in KPI units: mu* mean |effect| (± 95% bootstrap "
                "half-width), sigma its spread (interactions / non-linearity), mu signed mean")
    t = Table(title=f"{method} sensitivity of {directory}", title_justify="left")
    t.add_column("KPI")
    t.add_column("parameter")
    for name, _ in cols:
        t.add_column(name, justify="right")
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
            t.add_row(k if j == 0 else "", row.parameter, *cells)
    console.print(t, width=None if console.is_terminal else max(console.width, 120))
    console.print(note, style="dim")
    dest = out or directory
    dest.mkdir(parents=True, exist_ok=True)
    df.to_csv(dest / "sensitivity.csv", index=False)
    png = plot_indices(df, dest / "sensitivity.png")
    console.print(f"wrote {png} and {dest / 'sensitivity.csv'}")


@app.command()
def viz(
    scenario: Annotated[Optional[Path], typer.Argument(
        help="campaign scenario TOML to start with (default: scenarios/baseline.toml)")] = None,
    port: Annotated[int, typer.Option(help="TCP port of the page")] = 8765,
    host: Annotated[str, typer.Option(
        help="address to listen on: 127.0.0.1 = this machine only; 0.0.0.0 = every "
             "interface (anyone on the network can open the page)")] = "127.0.0.1",
    consumers: Annotated[int, typer.Option(
        help="consumers simulated per browser session (the page draws up to 2,000)")] = 3000,
) -> None:
    """Serve the workshop page: watch a cascade happen and change it live (Ctrl+C stops)."""
    import importlib.util
    import os
    import socket
    import subprocess

    from sim.config.bundled import resolve_scenario
    from sim.viz.workshop import DEFAULT_SCENARIO

    path = resolve_scenario(scenario) if scenario is not None else DEFAULT_SCENARIO
    if not 100 <= consumers <= 20_000:
        fail(f"--consumers: {consumers} is out of range; allowed 100–20,000 (the page steps "
             "the world live in the browser session)")
    if not 1 <= port <= 65_535:
        fail(f"--port: {port} is not a TCP port; allowed 1–65535")
    scn = load_or_fail(path, [f"run.consumers={consumers}"])
    if scn.run.mode != "full":
        fail(f"{path}: run.mode: the workshop page needs a campaign scenario (mode 'full'), "
             f"got {scn.run.mode!r}")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.bind((host, port))
    except OSError as exc:
        fail(f"--host/--port: cannot listen on {host}:{port} ({exc.strerror}); choose another "
             "--port or a local address")

    if importlib.util.find_spec("solara") is None:
        fail("the workshop page needs Solara: install socsim with its viz extra "
             "(pip install -e '.[viz]', or `make install`)")
    from sim.viz.assets import ensure_assets

    console.print("checking the page's front-end assets (installed from the npm registry on "
                  "first use, then served offline)", style="dim")
    try:
        ensure_assets(verbose=False)
    except (OSError, subprocess.CalledProcessError) as exc:
        fail(f"front-end assets are missing and could not be installed ({exc}); run "
             "`python -m sim.viz.assets` once on a machine that reaches the npm registry")
    app_file = Path(__file__).resolve().parents[1] / "viz" / "app.py"
    env = {**os.environ, "SOCSIM_VIZ_SCENARIO": str(path.resolve()),
           "SOCSIM_VIZ_CONSUMERS": str(consumers), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    cmd = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host,
           "--port", str(port), "--production", "--no-open"]
    shown = f"[{host}]" if ":" in host else host
    console.print(f"workshop page: [bold]http://{shown}:{port}/[/]  ({scn.name or path.stem}, "
                  f"{consumers:,} consumers per session; Ctrl+C stops)", highlight=False)
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]note:[/] listening on {host}: anyone who can reach this machine "
                      f"can open the page (participants use http://<this machine's address>:{port}/)",
                      highlight=False)
    try:
        code = subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


from sim.cli.show import show  # noqa: E402  (one module per command)

app.command()(show)


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
