"""``socsim query``: SQL (DuckDB) over a sweep's results, printed as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import cell, console, fail, say, table


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
    from rich.console import Console

    from sim.config.formatting import write_csv
    from sim.io.outputs import write_file_atomic
    from sim.sweeps.driver import query as run_query

    if not directory.is_dir():
        fail(f"{directory}: no such sweep output directory")
    if limit < 0:
        fail(f"--limit: must be 0 or more (got {limit})")
    try:
        df = run_query(directory, sql)
    except FileNotFoundError as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(f"SQL: {str(exc).splitlines()[0]} (views: runs, timeseries if kept; "
             'quote dotted names: "behaviour.s0")')
    t = table(f"{len(df):,} row(s)")
    for col in df.columns:  # never squeeze a number to "0.…": wide tables fold, not truncate
        t.add_column(cell(col), justify="right" if df[col].dtype.kind in "iuf" else "left",
                     overflow="fold", min_width=min(len(str(col)), 12))
    for row in df.head(limit).itertuples(index=False):
        t.add_row(*[cell(v) for v in row])
    width = sum(max(len(str(c)), 10) + 3 for c in df.columns) + 4
    out = console if console.is_terminal and console.width >= width else Console(
        width=max(width, 80), force_terminal=console.is_terminal)
    out.print(t)
    if len(df) > limit:
        say(f"... {len(df) - limit:,} more row(s); use --limit or --csv", style="dim")
    if csv is not None:
        try:
            csv.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomic(csv, lambda p: write_csv(df, p))
        except OSError as exc:
            fail(f"--csv: cannot write {csv} ({exc.strerror or exc})", code=1)
        say(f"wrote {csv}")
