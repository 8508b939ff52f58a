"""``socsim optimize``: search for a better plan (Optuna), validate it on fresh seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli import SetOption, check_scheduler, console, fail, progress_bar


def optimize(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file to improve")],
    out: Annotated[Path, typer.Option(help="folder for study.db, best.toml, trials.parquet, "
                                      "report.html")],
    vary: Annotated[list[str], typer.Option(
        help="lever to search: allocation, ad_split, tiers or KEY=LO:HI (repeatable)")],
    objective: Annotated[Optional[list[str]], typer.Option(
        help="KPI to optimise (roi, net_profit, gmv, orders, cac, ...) or p_<kpi>_above:X; "
        "give two for a Pareto front (NSGA-II)")] = None,
    constraint: Annotated[Optional[list[str]], typer.Option(
        help="KPI<=X or KPI>=X on the mean over the replications (repeatable)")] = None,
    trials: Annotated[int, typer.Option(help="trials in the study (a resumed study counts "
                                        "the ones done)")] = 60,
    reps: Annotated[int, typer.Option(help="replications per trial, same seeds for all "
                                      "trials")] = 3,
    fresh_reps: Annotated[int, typer.Option(help="paired replications on fresh seeds to "
                                            "check the best plan against the input")] = 10,
    uncertainty: Annotated[Optional[Path], typer.Option(
        help="parameter draws (CSV/Parquet, one column per key) or ranges (TOML) to score "
        "each trial over")] = None,
    set_: SetOption = None,
    workers: Annotated[Optional[int], typer.Option(
        help="parallel workers (1 = serial; default: 1)")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler tcp://HOST:PORT or 'local'")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue the study in --out")] = False,
    xlsx: Annotated[Optional[Path], typer.Option(help="also write a workbook")] = None,
) -> None:
    """Search the plan space for the best plan (TPE; NSGA-II for two objectives)."""
    from sim.analysis.search import optimize_scenario, write_best_toml
    from sim.config.scenario import ScenarioError
    from sim.execution.executors import ExecutorError, make_executor

    for opt, val, low in (("--trials", trials, 1), ("--reps", reps, 1),
                          ("--fresh-reps", fresh_reps, 0)):
        if val < low:
            fail(f"{opt}: must be at least {low} (got {val})")
    if workers is not None and workers < 1:
        fail(f"--workers: must be at least 1 (got {workers})")
    check_scheduler(scheduler, workers)
    try:
        executor = make_executor(workers=workers, scheduler=scheduler)
    except ExecutorError as exc:
        fail(str(exc))
    try:
        with executor, progress_bar(trials, "optimising") as bar:
            task = bar.add_task("optimising", total=trials, rate="")
            res = optimize_scenario(
                scenario, out, vary, objective or ["roi"], constraint or [], trials, reps,
                uncertainty, set_ or [], executor, resume, fresh_reps, workers or 1,
                attribution_reps=min(3, fresh_reps) if xlsx is not None else 0,
                on_trial=lambda t: bar.advance(task))
    except ScenarioError as exc:
        fail(str(exc))
    _finish(res, scenario, out, set_ or [], xlsx, write_best_toml)


def _finish(res, scenario: Path, out: Path, set_: list[str], xlsx, write_best_toml) -> None:
    from sim.io.decision_report import optimize_report, optimize_sheets

    res.trials.to_parquet(out / "trials.parquet", index=False)
    console.print(f"{len(res.trials)} trials ({res.runs} runs this session); study in "
                  f"{out / 'study.db'}", highlight=False)
    for line in res.notes:
        console.print(line, highlight=False)
    if res.best_overrides:
        name = (res.validation.scenarios[0].name if res.validation else scenario.stem) or \
            scenario.stem
        best = write_best_toml(out / "best.toml", scenario, res.best_overrides, set_,
                               f"{name}_optimized")
        console.print(f"best plan: {best}", highlight=False)
        for k, v in res.best_overrides.items():
            shown = ", ".join(f"{a} {b:.3f}" for a, b in v.items()) if isinstance(v, dict) \
                else f"{v:.4g}"
            console.print(f"  {k}: {shown}", highlight=False)
    if res.validation is not None:
        console.print("[bold]Best plan vs input on fresh seeds[/]")
        for line in res.validation.verdict_lines():
            console.print(f"  {line}", highlight=False)
    report = optimize_report(res, out / "report.html")
    console.print(f"wrote {out / 'trials.parquet'} and {report}", highlight=False)
    if xlsx is not None:
        from sim.io.workbook import write_workbook

        console.print(f"wrote {write_workbook(xlsx, optimize_sheets(res))}", highlight=False)
