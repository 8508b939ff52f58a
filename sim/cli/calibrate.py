"""``socsim calibrate``: fit scenario keys to a brand's own campaign data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from sim.cli import SetOption, app, check_scheduler, console, err_console, fail


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file the fit starts from")],
    observed: Annotated[Path, typer.Option(
        help="CSV: a 'day' column and KPI columns (cumulative as in timeseries.parquet; "
        "daily counts as daily_<kpi>); missing days allowed")],
    fit: Annotated[list[str], typer.Option(
        "--fit", help="key to fit and its search range: dotted.key=LO:HI (repeatable)")],
    out: Annotated[Path, typer.Option(
        help="folder for calibrated.toml, fit.json, posterior.parquet, report.html (and the "
        "resumable study)")],
    method: Annotated[str, typer.Option(
        help="optuna (TPE point fit + 90% acceptance set) or abc (pyabc ABC-SMC posterior)")
    ] = "optuna",
    trials: Annotated[Optional[int], typer.Option(
        help="optuna: trials (default 80); abc: simulation budget (default 1000)")] = None,
    reps: Annotated[int, typer.Option(
        help="replications per optuna trial, same seeds for every trial (common random "
        "numbers)")] = 5,
    seed: Annotated[Optional[int], typer.Option(help="base seed (default: run.seed)")] = None,
    set_: SetOption = None,
    workers: Annotated[Optional[int], typer.Option(
        help="parallel workers (1 = serial, the default); optuna asks one trial per worker at "
        "a time, so its result depends on --seed and the number of workers")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler address tcp://HOST:PORT, or 'local'")] = None,
) -> None:
    """Fit --fit keys to observed KPIs (optuna or ABC); write the calibrated scenario, 90%
    intervals, the posterior and a report."""
    from sim.analysis.calibration_run import calibrate as run_calibration
    from sim.config.scenario import ScenarioError
    from sim.execution.executors import ExecutorError
    from sim.io.calibration_report import write_calibration_report

    import importlib.util

    missing = [m for m in ("optuna", "pyabc", "tomli_w") if importlib.util.find_spec(m) is None]
    if missing:
        fail(f"calibrate needs {', '.join(missing)}: install socsim with its calibrate extra "
             "(pip install -e '.[calibrate]', or `make install`)")
    if workers is not None and workers < 1:
        fail(f"--workers: must be at least 1 (got {workers})")
    check_scheduler(scheduler, workers)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("calibrating"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("trials"), TimeElapsedColumn(), console=err_console,
                   transient=True)
    task = bar.add_task("calibrating", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar:
            res = run_calibration(scenario, observed, fit or [], out, method=method,
                                  trials=trials, reps=reps, seed=seed, overrides=set_ or [],
                                  workers=workers, scheduler=scheduler, progress=progress)
    except (ScenarioError, ExecutorError) as exc:  # CalibrationError, ObservedError included
        fail(str(exc))
    write_calibration_report(res, out / "report.html")
    f = res.fit
    t = Table(title=f"{f['method']} fit of {escape(scenario.name)} to {escape(observed.name)}: "
              f"distance "
              f"{f['distance']:.3g}, {res.seconds:.0f} s on {res.backend}", title_justify="left")
    for col in ("key", "best", "90% interval", "search range"):
        t.add_column(col, justify="left" if col == "key" else "right")
    for key, v in f["params"].items():
        t.add_row(escape(key), f"{v['best']:.4g}", f"{v['lo']:.4g} – {v['hi']:.4g}",
                  f"{v['low']:g} – {v['high']:g}")
    console.print(t)
    if f.get("misfit"):
        console.print("warning: the observed data lie farther from the best fit than 90% of "
                      "the model's own campaigns; see report.html", highlight=False)
    console.print(f"wrote {escape(str(out))}/calibrated.toml, fit.json, posterior.parquet, "
                  "predictive.parquet and report.html", highlight=False)
