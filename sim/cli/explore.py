"""``socsim explore``: every plan in many uncertain futures; robustness and scenario discovery."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (ForceOption, SetOption, aborting_output, begin_output,
                            check_workers, fail, finish_output, load_or_fail, say)
from sim.cli.sweep import check_scheduler


def explore(
    plans: Annotated[list[Path], typer.Argument(help="plan TOML files (one or more)")],
    out: Annotated[Path, typer.Option(help="folder for outcomes.parquet, robustness.csv, "
                                      "discovery.csv, report.html")],
    uncertain: Annotated[list[str], typer.Option(
        help="uncertain scenario key and range KEY=LO:HI (repeatable)")],
    futures: Annotated[int, typer.Option(help="futures sampled from the uncertainty box")] = 40,
    design: Annotated[str, typer.Option(help="lhs (Latin hypercube) or sobol (power of two "
                                        "futures)")] = "lhs",
    metric: Annotated[str, typer.Option(help="KPI the plans are judged on")] = "roi",
    target: Annotated[Optional[float], typer.Option(
        help="target for the metric: P(metric ≥ target) and where plans miss it")] = None,
    reps: Annotated[int, typer.Option(help="replications per plan and future (common "
                                      "seeds)")] = 2,
    seed: Annotated[int, typer.Option(help="seed of the futures' design")] = 0,
    set_: SetOption = None,
    workers: Annotated[Optional[int], typer.Option(
        help="parallel workers (1 = serial; default: all cores)")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler tcp://HOST:PORT or 'local'")] = None,
    xlsx: Annotated[Optional[Path], typer.Option(help="also write a workbook")] = None,
    force: ForceOption = False,
) -> None:
    """Stress-test plans across uncertain futures (XLRM): regret, robustness, PRIM boxes."""
    from sim.analysis.comparison import common_kpis
    from sim.analysis.explore import (discovery, discovery_sentences, explore as run_explore,
                                      headline, parse_uncertain, robustness, sample_futures)
    from sim.config.scenario import ScenarioError
    from sim.execution.executors import ExecutorError, make_executor
    from sim.execution.progress import RunProgress

    for opt, val in (("--futures", futures), ("--reps", reps)):
        if val < 1:
            fail(f"{opt}: must be at least 1 (got {val})")
    check_workers(workers)
    check_scheduler(scheduler, workers)
    loaded = _load_plans(plans, set_)
    known = [*common_kpis(list(loaded.values())), "net_profit"]
    if metric not in known:
        fail(f"--metric: unknown KPI {metric!r}")
    try:
        per_plan = [[parse_uncertain(u, s) for u in uncertain] for s in loaded.values()]
        unc = per_plan[0]  # every plan accepts every uncertain value (checked above)
        table = sample_futures(unc, futures, design, seed)
        executor = make_executor(workers=workers, scheduler=scheduler)
    except (ScenarioError, ExecutorError) as exc:
        fail(str(exc))
    tx = begin_output(out, force, "explore")
    total = len(loaded) * futures * reps
    with aborting_output(tx), executor, \
            RunProgress(total, f"exploring on {executor.describe()}") as bar:
        ex = run_explore(loaded, unc, table, reps, metric, target, executor, on_done=bar)
    rob, disc = robustness(ex), discovery(ex)
    lines = [headline(ex, rob), *discovery_sentences(ex, disc)]
    _write(tx, ex, rob, disc, lines, xlsx)


def _load_plans(plans: list[Path], set_: list[str] | None) -> dict:
    """The plans by name (their ``name``, else the file stem); exit 2 if a name repeats."""
    loaded = {}
    for p in plans:
        scn = load_or_fail(p, set_)
        name = scn.name or p.stem
        if name in loaded:
            fail(f"{p}: plan name {name!r} is used twice; give each plan its own name")
        loaded[name] = scn
    return loaded


def _write(tx, ex, rob, disc, lines, xlsx) -> None:
    from sim.io.decision_report import explore_report, explore_sheets

    tx.write("outcomes.parquet", lambda f: ex.outcomes.to_parquet(f, index=False))
    tx.write("robustness.csv", lambda f: rob.to_csv(f, index=False))
    tx.write("discovery.csv", lambda f: disc.to_csv(f, index=False))
    tx.write("report.html", lambda f: explore_report(ex, rob, disc, lines, f))
    say("Verdict", style="bold")
    for line in lines:
        say(f"  {line}")
    finish_output(tx)
    if xlsx is not None:
        from sim.io.workbook import write_workbook

        say(f"wrote {write_workbook(xlsx, explore_sheets(ex, rob, disc, lines))}")
