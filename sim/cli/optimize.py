"""``socsim optimize``: search for a better plan (Optuna), validate it on fresh seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import SetOption, check_workers, fail, say
from sim.cli.sweep import check_scheduler


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
    from sim.execution.progress import RunProgress

    for opt, val, low in (("--trials", trials, 1), ("--reps", reps, 1),
                          ("--fresh-reps", fresh_reps, 0)):
        if val < low:
            fail(f"{opt}: must be at least {low} (got {val})")
    check_workers(workers)
    check_scheduler(scheduler, workers)
    try:
        executor = make_executor(workers=workers, scheduler=scheduler)
    except ExecutorError as exc:
        fail(str(exc))
    try:
        with executor, RunProgress(trials * reps, f"optimising on {executor.describe()}") as bar:
            res = optimize_scenario(
                scenario, out, vary, objective or ["roi"], constraint or [], trials, reps,
                uncertainty, set_ or [], executor, resume, fresh_reps, workers or 1,
                attribution_reps=min(3, fresh_reps) if xlsx is not None else 0,
                on_trial=lambda t: bar.advance(reps))
    except ScenarioError as exc:
        fail(str(exc))
    _finish(res, scenario, out, set_ or [], xlsx, write_best_toml)


def _finish(res, scenario: Path, out: Path, set_: list[str], xlsx, write_best_toml) -> None:
    from sim.io.decision_report import optimize_report, optimize_sheets

    from sim.io.outputs import write_file_atomic

    write_file_atomic(out / "trials.parquet", lambda p: res.trials.to_parquet(p, index=False))
    say(f"{len(res.trials)} trials ({res.runs} runs this session); study in {out / 'study.db'}")
    for line in res.notes:
        say(line)
    if res.best_overrides:
        name = (res.validation.scenarios[0].name if res.validation else scenario.stem) or \
            scenario.stem
        best = write_best_toml(out / "best.toml", scenario, res.best_overrides, set_,
                               f"{name}_optimized")
        say(f"best plan: {best}")
        for k, v in res.best_overrides.items():
            shown = ", ".join(f"{a} {b:.3f}" for a, b in v.items()) if isinstance(v, dict) \
                else f"{v:.4g}"
            say(f"  {k}: {shown}")
    if res.validation is not None:
        say("Best plan vs input on fresh seeds", style="bold")
        for line in res.validation.verdict_lines():
            say(f"  {line}")
    report = write_file_atomic(out / "report.html", lambda p: optimize_report(res, p))
    say(f"wrote {out / 'trials.parquet'} and {report}")
    if xlsx is not None:
        from sim.io.workbook import write_workbook

        say(f"wrote {write_workbook(xlsx, optimize_sheets(res))}")
