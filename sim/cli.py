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
) -> None:
    """Run a scenario and print its KPIs (mean and 95% interval over replications)."""
    import time

    from .runner import replicate, summarize, timeseries_frame

    scn = load_or_fail(scenario, set_)
    n_reps = reps if reps is not None else scn.run.replications
    if n_reps < 1:
        fail(f"--reps: must be at least 1 (got {n_reps})")
    start = time.perf_counter()
    with progress_bar(n_reps, f"running {scenario.name}") as bar:
        task = bar.add_task(f"running {scenario.name}", total=n_reps, rate="")

        def done(_res) -> None:
            bar.advance(task)
            elapsed = time.perf_counter() - start
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:.2f} runs/s")

        results = replicate(scn, n_reps, seed, workers=workers, keep_timeseries=out is not None,
                            on_done=done)
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


def print_kpi_table(table, title: str) -> None:
    """Print the headline KPIs of a :func:`sim.runner.summarize` table."""
    show = table[table.kpi.isin(HEADLINE_KPIS)].set_index("kpi").reindex(
        [k for k in HEADLINE_KPIS if k in set(table.kpi)])
    t = Table(title=title, title_justify="left")
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


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
