"""``socsim run``: replications of one scenario, KPI table, optional attribution and --out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (HEADLINE_KPIS, AllowLargeOption, ForceOption, SetOption,
                            UncertaintyOption, aborting_output, begin_output, cell,
                            check_workers, fail, load_or_fail, load_uncertainty_or_fail,
                            preflight_or_fail, print_table, publishing_output, say, table)
from sim.cli.sweep import check_scheduler

SEED_MAX = 2**63 - 1


def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file or bundled name")],
    out: Annotated[Optional[Path], typer.Option(
        help="write timeseries.parquet, summary.json and creators.csv to this new (or empty) "
        "folder")] = None,
    seed: Annotated[Optional[int], typer.Option(help="base seed (default: run.seed)")] = None,
    reps: Annotated[Optional[int], typer.Option(help="replications (default: run.replications)")] = None,
    workers: Annotated[int, typer.Option(help="parallel processes for replications")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        help="run on the Dask cluster at tcp://HOST:PORT ('local': a local Dask cluster); "
        "results identical to serial")] = None,
    set_: SetOption = None,
    attribution: Annotated[bool, typer.Option(
        "--attribution", help="also measure first-touch, last-touch and incremental orders per "
        "channel (re-runs each seed once per paid channel with that channel removed)")] = False,
    lift_n: Annotated[int, typer.Option(
        "--creator-lift", help="also measure incremental orders of the N creators with the "
        "most spend (creators.csv): one extra run per creator and seed in which it posted")] = 0,
    force: ForceOption = False,
    allow_large: AllowLargeOption = False,
    uncertainty: UncertaintyOption = None,
) -> None:
    """Run a scenario and print its KPIs (mean and 95% interval over replications)."""
    from sim.analysis.attribution import runs_needed
    from sim.execution.progress import RunProgress
    from sim.execution.executors import ExecutorError
    from sim.execution.runner import summarize

    scn = load_or_fail(scenario, set_)
    n_reps = reps if reps is not None else scn.run.replications
    _check_options(scn, n_reps, seed, workers, scheduler, attribution)
    check_lift(scn, lift_n)
    draws = load_uncertainty_or_fail(uncertainty, [scn])
    n_runs = runs_needed(scn, n_reps) if attribution else n_reps
    preflight_or_fail([scn], runs=n_runs, workers=workers, allow_large=allow_large)
    tx = begin_output(out, force, "run")
    import time

    start = time.perf_counter()
    try:
        with aborting_output(tx):
            with RunProgress(n_runs, f"running {scenario.name}") as bar:
                results, attr = _simulate(scn, n_reps, seed, workers, scheduler, attribution,
                                          out is not None, draws, bar)
            lift = creator_lift(scn, results, lift_n, workers, scheduler)
    except ExecutorError as exc:  # the output folder is aborted already
        fail(str(exc))
    elapsed = time.perf_counter() - start
    summary_table = summarize(results)
    if tx is not None:
        _write_outputs(tx, scenario, scn, results, summary_table, attr, draws, lift)
    with publishing_output(tx):  # the results are published even if printing fails
        print_kpi_table(summary_table, title=f"{scn.name or scenario.stem}: "
                        f"{scn.run.consumers:,} consumers, {scn.run.days} days, {n_reps} "
                        f"replication(s), {elapsed:.1f} s", source=interval_label(draws))
        if draws is not None:
            say(f"intervals hold {draws.describe()}", style="dim")
        if attribution:
            print_attribution_table(attr, title=f"attribution per channel ({n_reps} seed(s); "
                                    "incremental = orders lost when the channel is removed)")
        if lift is not None:
            print_lift_table(lift, n_reps)


def _simulate(scn, n_reps: int, seed: int | None, workers: int, scheduler: str | None,
              attribution: bool, keep_timeseries: bool, draws, on_done):
    """The replications, and the attribution measured on them (None without --attribution)."""
    from sim.analysis.attribution import measure_attribution
    from sim.execution.runner import replicate

    if attribution:
        return measure_attribution(scn, n_reps, seed, workers=workers, scheduler=scheduler,
                                   on_done=on_done, keep_timeseries=keep_timeseries,
                                   uncertainty=draws)
    return replicate(scn, n_reps, seed, workers=workers, scheduler=scheduler,
                     keep_timeseries=keep_timeseries, on_done=on_done, uncertainty=draws), None


def _check_options(scn, n_reps: int, seed: int | None, workers: int, scheduler: str | None,
                   attribution: bool) -> None:
    """Exit 2 on a bad number of replications, seed, workers or scheduler, or attribution of a
    reference mode."""
    if not 1 <= n_reps <= 100_000:
        fail(f"--reps: must be 1..100,000 (got {n_reps})")
    if seed is not None and not 0 <= seed <= SEED_MAX - n_reps:
        fail(f"--seed: must be 0..{SEED_MAX - n_reps:,} (got {seed})")
    check_workers(workers)
    check_scheduler(scheduler, workers)
    if attribution and scn.run.mode != "full":
        fail(f"--attribution: needs run.mode 'full' (got {scn.run.mode!r}): reference modes "
             "have no budget channels")


def check_lift(scn, n: int) -> None:
    """Exit 2 on a negative --creator-lift or one asked of a reference mode."""
    if n < 0:
        fail(f"--creator-lift: must be 0 or more creators (got {n})")
    if n and scn.run.mode != "full":
        fail(f"--creator-lift: needs run.mode 'full' (got {scn.run.mode!r}): reference modes "
             "have no creators")


def creator_lift(scn, results, n: int, workers: int, scheduler: str | None):
    """Incremental orders of the ``n`` top-spend creators (None when ``n`` is 0), with a
    progress bar over the withheld runs (:mod:`sim.analysis.creator_lift`)."""
    if n <= 0:
        return None
    from sim.analysis.creator_lift import lift_runs_needed, measure_creator_lift
    from sim.execution.progress import RunProgress

    with RunProgress(lift_runs_needed(results, n), "creator lift (one run per creator and "
                     "seed)") as bar:
        return measure_creator_lift(scn, results, n, workers=workers, scheduler=scheduler,
                                    on_done=bar)


def print_lift_table(lift, n_reps: int) -> None:
    """The measured creators, most incremental orders first (at most 10 rows)."""
    t = table(f"incremental orders per creator ({len(lift.table)} creator(s), {n_reps} seed(s), "
              f"{lift.runs} withheld run(s); 95% interval holds seed noise)",
              [(c, "left" if c in ("creator", "tier") else "right")
               for c in ("creator", "tier", "incremental", "95% interval")])
    top = lift.table.sort_values("incremental_orders", ascending=False).head(10)
    for row in top.itertuples():
        ci = "—" if row.lo != row.lo else f"{row.lo:+.1f} – {row.hi:+.1f}"
        t.add_row(*map(cell, [str(row.creator), row.tier, f"{row.incremental_orders:+.1f}", ci]))
    print_table(t)


def _write_outputs(tx, scenario: Path, scn, results, summary_table, attr, draws=None,
                   lift=None) -> None:
    """Write timeseries.parquet, summary.json, creators.csv (full mode: one row per creator and
    seed; incremental orders with ``--creator-lift``), attribution.csv (with --attribution)
    and the per-store table stores.csv (when the scenario has stores) into the output folder."""
    import pandas as pd

    from sim.config.formatting import write_csv
    from sim.execution.runner import retail_tables, timeseries_frame

    n_reps = len(results)
    summary = {
        "scenario": str(scenario), "name": scn.name, "seeds": [r.seed for r in results],
        "replications": n_reps, "consumers": scn.run.consumers, "days": scn.run.days,
        "kpis": {row.kpi: ({"mean": row.mean, "lo": row.lo, "hi": row.hi} if n_reps > 1
                           else row.mean) for row in summary_table.itertuples()},
        "interval": {"level": 0.95, "holds": interval_label(draws),
                     "uncertainty": None if draws is None else draws.to_json()},
    }
    if draws is not None:
        summary["parameters"] = [r.extra.get("params", {}) for r in results]
    tx.write("timeseries.parquet",
             lambda p: timeseries_frame(results).to_parquet(p, index=False))
    tx.write("summary.json", lambda p: p.write_text(json.dumps(summary, indent=2)))
    if attr is not None:
        tx.write("attribution.csv", lambda p: write_csv(attr.table, p))
    from sim.analysis.creator_lift import with_lift

    creators = with_lift(results, lift)  # incremental orders empty where not measured
    if creators:
        tx.write("creators.csv", lambda p: write_csv(pd.concat(creators, ignore_index=True), p))
    for name, frame in retail_tables(results).items():  # stores.csv: one row per store
        tx.write(f"{name}.csv", lambda p, frame=frame: write_csv(frame, p))


def interval_label(draws) -> str:
    """What the intervals hold: ``seeds only`` or ``seeds + parameters``."""
    from sim.execution.uncertainty import interval_label as label

    return label(draws)


def print_kpi_table(summary_table, title: str, source: str = "seeds only") -> None:
    """Print the headline KPIs of a :func:`sim.execution.runner.summarize` table."""
    show = summary_table[summary_table.kpi.isin(HEADLINE_KPIS)].set_index("kpi").reindex(
        [k for k in HEADLINE_KPIS if k in set(summary_table.kpi)])
    say(title)
    multi = int(show["n"].iloc[0]) > 1
    cols = [("KPI", "left"), ("mean", "right")] + (
        [(f"95% interval ({source})", "right")] if multi else [])
    t = table(columns=cols)
    for kpi, row in show.iterrows():
        cells = [cell(kpi), cell(row["mean"])]
        if multi:
            cells.append(cell(f"{cell(row['lo'])} – {cell(row['hi'])}"))
        t.add_row(*cells)
    print_table(t, min_width=80)


def print_attribution_table(attr, title: str) -> None:
    """Print first-touch, last-touch and incremental orders per channel, and the findings."""
    def num(v: float, text: str) -> str:
        return "—" if v != v else text

    t = table(title, [(c, "left" if c == "channel" else "right") for c in (
        "channel", "spend (yuan)", "first touch", "last touch", "incremental", "95% interval",
        "last/incr.", "incr. ROI")])
    for row in attr.table.itertuples():
        t.add_row(*map(cell, [
            row.channel + (" (organic)" if row.kind == "organic" else ""), row.spend,
            f"{row.first_touch_orders:.1f}", f"{row.last_touch_orders:.1f}",
            num(row.incremental_orders, f"{row.incremental_orders:.1f}"),
            "—" if row.incremental_lo != row.incremental_lo or row.n < 2
            else f"{row.incremental_lo:+.1f} – {row.incremental_hi:+.1f}",
            num(row.last_touch_ratio, f"{row.last_touch_ratio:.2f}×"),
            num(row.incremental_roi, f"{row.incremental_roi:.2f}"),
        ]))
    print_table(t)
    say(f"total orders (mean): {attr.total_orders:,.1f}")
    for line in attr.findings():
        say(f"  • {line}")
