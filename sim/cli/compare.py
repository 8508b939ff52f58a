"""``socsim compare``: paired replications of several scenarios, verdict, CSV and HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.config.kpis import DIAGNOSTIC_PREFIXES, kpi_info, lower_is_better
from sim.cli.common import (HEADLINE_KPIS, AllowLargeOption, ForceOption, SetOption,
                            UncertaintyOption, aborting_output, begin_output, cell,
                            check_workers, fail, load_or_fail, load_uncertainty_or_fail,
                            preflight_or_fail, print_table, publishing_output, say, table)
from sim.cli.run import check_lift, creator_lift, print_lift_table
from sim.cli.sweep import check_scheduler


def compare(
    scenarios: Annotated[list[Path], typer.Argument(
        help="scenario TOML files or bundled names (two or more); the first is the reference")],
    reps: Annotated[int, typer.Option(help="replications per scenario, same seeds for all")] = 10,
    out: Annotated[Optional[Path], typer.Option(
        help="write comparison.csv, report.html and creators.csv to this new (or empty) "
        "folder")] = None,
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
    force: ForceOption = False,
    allow_large: AllowLargeOption = False,
    equalize: Annotated[Optional[str], typer.Option(
        help="'budget': rescale every plan's budget to the first plan's before comparing")] = None,
    xlsx: Annotated[Optional[Path], typer.Option(
        help="also write a workbook (Verdict, KPIs, Attribution, Time series, Inputs)")] = None,
    uncertainty: UncertaintyOption = None,
    lift_n: Annotated[int, typer.Option(
        "--creator-lift", help="also measure incremental orders of each scenario's N creators "
        "with the most spend (creators.csv): one extra run per creator and seed in which it "
        "posted")] = 0,
) -> None:
    """Compare scenarios on paired replications: KPI table, P(beats first), verdict, report."""
    import time

    from sim.analysis.attribution import attribution_channels
    from sim.analysis.comparison import compare as run_compare
    from sim.execution.executors import ExecutorError
    from sim.execution.progress import RunProgress

    _check_options(len(scenarios), reps, seed, workers, scheduler, equalize)
    loaded = [load_or_fail(p, set_) for p in scenarios]
    for scn in loaded:
        check_lift(scn, lift_n)
    draws = load_uncertainty_or_fail(uncertainty, loaded)
    attribution_reps = _attribution_reps(attribution_reps, reps, out is not None, loaded)
    n_runs = len(loaded) * reps + sum(
        attribution_reps * len(attribution_channels(s)) for s in loaded)
    preflight_or_fail(loaded, runs=n_runs, workers=workers, allow_large=allow_large)
    _check_metric(metric, loaded)
    names = _display_names(loaded, scenarios)
    tx = begin_output(out, force, "compare")
    start = time.perf_counter()
    try:
        with aborting_output(tx):
            with RunProgress(n_runs, f"comparing {len(loaded)} scenarios") as bar:
                cmp = run_compare(loaded, reps, seed, metric, workers, bar, names=names,
                                  attribution_reps=attribution_reps, equalize=equalize,
                                  uncertainty=draws, scheduler=scheduler)
            lifts = _lifts(cmp, lift_n, workers, scheduler)
    except ExecutorError as exc:  # the output folder is aborted already
        fail(str(exc))
    elapsed = time.perf_counter() - start
    if tx is not None:
        _write_outputs(tx, cmp, lifts)
    with publishing_output(tx):  # the results are published even if printing fails
        _print_verdict(cmp, reps, n_runs, elapsed)
        for name, lift in lifts.items():
            say(name)
            print_lift_table(lift, reps)
    if xlsx is not None:
        from sim.io.outputs import write_file_atomic
        from sim.io.workbook import comparison_workbook

        say(f"wrote {write_file_atomic(xlsx, lambda p: comparison_workbook(cmp, p))}")


def _lifts(cmp, n: int, workers: int, scheduler: str | None) -> dict:
    """Per scenario name, the incremental orders of its ``n`` top-spend creators on all
    its seeds ({} when ``n`` is 0)."""
    return {name: creator_lift(scn, cmp.results[name], n, workers, scheduler)
            for name, scn in zip(cmp.names, cmp.scenarios)} if n > 0 else {}


def _write_outputs(tx, cmp, lifts: dict | None = None) -> None:
    """comparison.csv, report.html and (full-mode scenarios) creators.csv — one row per
    scenario, creator and seed, incremental orders where ``--creator-lift`` measured them."""
    import pandas as pd

    from sim.analysis.creator_lift import with_lift
    from sim.config.formatting import write_csv
    from sim.io.report import write_report

    tx.write("comparison.csv", cmp.to_csv)
    tx.write("report.html", lambda p: write_report(cmp, p))
    lifts = lifts or {}
    tables = [t.assign(scenario=name)[["scenario", *t.columns]] for name in cmp.names
              for t in with_lift(cmp.results[name], lifts.get(name))]
    if tables:
        tx.write("creators.csv", lambda p: write_csv(pd.concat(tables, ignore_index=True), p))


def _print_verdict(cmp, reps: int, n_runs: int, elapsed: float) -> None:
    """The KPI table (titled with the job's size and time) and the verdict lines."""
    scn = cmp.scenarios[0]
    print_comparison_table(cmp, title=(
        f"{len(cmp.scenarios)} scenarios × {reps} paired replications (seeds {cmp.seeds[0]}–"
        f"{cmp.seeds[-1]}), {scn.run.consumers:,} consumers, {scn.run.days} days, "
        f"{n_runs} runs in {elapsed:.1f} s"))
    say("Verdict", style="bold")
    for line in cmp.verdict_lines():
        say(f"  {line}")


def _attribution_reps(asked: int | None, reps: int, has_out: bool, loaded: list) -> int:
    """Seeds for incremental attribution: ``--attribution-reps``, else min(reps, 5) with
    ``--out`` and 0 without; 0 when a scenario is a reference mode (exit 2 if out of 0..reps)."""
    if asked is None:
        asked = min(reps, 5) if has_out else 0
    if not 0 <= asked <= reps:
        fail(f"--attribution-reps: must be 0..{reps} (got {asked})")
    if asked and any(s.run.mode != "full" for s in loaded):
        return 0
    return asked


def _check_metric(metric: str, loaded: list) -> None:
    """Exit 2 unless ``metric`` is a KPI every scenario reports."""
    from sim.analysis.comparison import common_kpis

    known = common_kpis(loaded)
    if metric not in known:
        shown = [k for k in known if not k.startswith(DIAGNOSTIC_PREFIXES)]
        fail(f"--metric: unknown KPI {metric!r}; allowed: {', '.join(shown)}")


def _display_names(loaded: list, files: list[Path]) -> list[str]:
    """Each scenario's name (else its file stem), with the file added when names repeat."""
    names = [s.name or p.stem for s, p in zip(loaded, files)]
    if len(set(names)) < len(names):
        names = [f"{n} ({p})" for n, p in zip(names, files)]
    return names


def _check_options(n_files: int, reps: int, seed: int | None, workers: int,
                   scheduler: str | None, equalize: str | None) -> None:
    """Exit 2 on a bad number of files, replications, seed, workers, scheduler or equalize."""
    if n_files < 2:
        fail(f"compare: give at least two scenario files (got {n_files})")
    if not 2 <= reps <= 100_000:
        fail(f"--reps: a comparison needs at least 2 replications, at most 100,000 (got {reps})")
    if seed is not None and not 0 <= seed <= 2**63 - 1 - reps:
        fail(f"--seed: must be 0..{2**63 - 1 - reps:,} (got {seed})")
    check_workers(workers)
    check_scheduler(scheduler, workers)
    if equalize not in (None, "budget"):
        fail(f"--equalize: unknown value {equalize!r}; allowed: budget")


def print_comparison_table(cmp, title: str) -> None:
    """Per headline KPI and scenario: mean, 95% interval, difference to the first scenario with
    its interval, and P(beats first) (lower is better for CAC, sentiment, dependence)."""
    kpis = [k for k in HEADLINE_KPIS if k in set(cmp.table.kpi)]
    if cmp.metric not in kpis:
        kpis.append(cmp.metric)
    ref = cmp.reference
    t = table(title)
    for col in ("KPI", "scenario", "mean", f"95% interval ({cmp.interval_source})",
                f"Δ vs {ref}", "Δ 95% interval", f"P(beats {ref})"):
        text = col in ("KPI", "scenario")
        t.add_column(cell(col), justify="left" if text else "right", no_wrap=not text,
                     min_width=12 if text else None)
    rows = cmp.table.set_index(["kpi", "scenario"])
    for kpi in kpis:
        t.add_section()
        label = kpi + (" ↓" if lower_is_better(kpi) else "")
        for j, name in enumerate(cmp.names):
            r = rows.loc[(kpi, name)]
            is_ref = name == ref
            neutral = kpi_info(kpi).direction == "neither"
            t.add_row(*map(cell, [
                label if j == 0 else "", name,
                "undefined" if r["mean"] != r["mean"] else r["mean"],
                "—" if r["lo"] != r["lo"] else f"{cell(r['lo'])} – {cell(r['hi'])}",
                "—" if is_ref else f"{'+' if r['diff'] >= 0 else ''}{cell(r['diff'])}",
                "—" if is_ref or r["diff_lo"] != r["diff_lo"]
                else f"{cell(r['diff_lo'])} – {cell(r['diff_hi'])}",
                "—" if is_ref or neutral or r["p_superior"] != r["p_superior"]
                else f"{r['p_superior']:.0%}",
            ]), style="bold" if kpi == cmp.metric else "")
    print_table(t, min_width=140)
    say("↓ lower is better. Δ: paired difference (same seeds) to the first scenario.",
        style="dim")
