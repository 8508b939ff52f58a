"""``socsim calibrate``: fit scenario keys to a brand's own campaign data.

``--out`` is a calibration folder rather than a one-shot output: it holds the resumable study
(``optuna.db`` / ``abc.db`` and ``calibration.json``), so running the same command again
continues it. Every result file in it is written whole (temporary file, then rename).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import SetOption, cell, check_workers, err_console, fail, print_table, say, table
from sim.cli.sweep import check_scheduler


def calibrate(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file the fit starts from")],
    observed: Annotated[Path, typer.Option(
        help="CSV: a 'day' column and KPI columns (cumulative as in timeseries.parquet; "
        "daily counts as daily_<kpi>); missing days allowed")],
    fit: Annotated[list[str], typer.Option(
        "--fit", help="key to fit and its search range: dotted.key=LO:HI (repeatable)")],
    out: Annotated[Path, typer.Option(
        help="folder for calibrated.toml, fit.json, posterior.parquet, report.html (and the "
        "resumable study: run the same command again to continue it)")],
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
    roster: Annotated[Optional[Path], typer.Option(
        help="the brand's booked creators: a roster CSV (docs/formats.md), with a post_days "
        "column a booking log; every simulated campaign uses them, so the fit and its "
        "interval are conditional on those creators (docs/calibration.md)")] = None,
    workers: Annotated[Optional[int], typer.Option(
        help="parallel workers (1 = serial, the default); optuna asks one trial per worker at "
        "a time, so its result depends on --seed and the number of workers")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler address tcp://HOST:PORT, or 'local'")] = None,
) -> None:
    """Fit --fit keys to observed KPIs (optuna or ABC); write the calibrated scenario, 90%
    intervals, the posterior and a report."""
    import importlib.util

    missing = [m for m in ("optuna", "pyabc") if importlib.util.find_spec(m) is None]
    if missing:
        fail(f"calibrate needs {', '.join(missing)}: install socsim with its calibrate extra "
             "(pip install -e '.[calibrate]', or `make install`)")
    check_workers(workers)
    check_scheduler(scheduler, workers)
    res = _run(scenario, observed, fit, out, method, trials, reps, seed, set_, workers,
               scheduler, roster)
    from sim.io.calibration_report import write_calibration_report

    write_calibration_report(res, out / "report.html")
    f = res.fit
    t = table(f"{f['method']} fit of {scenario.name} to {observed.name}: distance "
              f"{f['distance']:.3g}, {res.seconds:.0f} s on {res.backend}",
              [("key", "left"), ("best", "right"), ("90% interval", "right"),
               ("search range", "right")])
    for key, v in f["params"].items():
        t.add_row(cell(key), cell(f"{v['best']:.4g}"), cell(f"{v['lo']:.4g} – {v['hi']:.4g}"),
                  cell(f"{v['low']:g} – {v['high']:g}"))
    print_table(t, min_width=80)
    say(f["conditioning"]["holds"])
    if f.get("misfit"):
        say("warning: the observed data lie farther from the best fit than 90% of the model's "
            "own campaigns; see report.html", err=True)
    say(f"wrote calibrated.toml, fit.json, posterior.parquet, predictive.parquet and "
        f"report.html to {out}")


def _run(scenario, observed, fit, out, method, trials, reps, seed, set_, workers, scheduler,
         roster):
    """Run the calibration behind a progress bar; bad input exits 2."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.analysis.calibration_run import calibrate as run_calibration
    from sim.config.scenario import ScenarioError
    from sim.execution.executors import ExecutorError

    bar = Progress(TextColumn("calibrating"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("trials"), TimeElapsedColumn(), console=err_console,
                   transient=True)
    task = bar.add_task("calibrating", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar:
            return run_calibration(scenario, observed, fit or [], out, method=method,
                                   trials=trials, reps=reps, seed=seed, overrides=set_ or [],
                                   workers=workers, scheduler=scheduler, progress=progress,
                                   roster=roster)
    except (ScenarioError, ExecutorError) as exc:  # CalibrationError, ObservedError included
        fail(str(exc))
