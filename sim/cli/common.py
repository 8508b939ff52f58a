"""Helpers every command uses: plain-text printing, the exit-2 ``fail``, loading, checks.

User text (scenario names, file names, values, error messages) is printed as *plain text*:
everything goes through :func:`say`, :func:`fail`, :func:`warn` or :func:`cell`, which hand Rich
:class:`rich.text.Text` objects, never markup strings, so ``Q3 plan [/]`` or ``[link=...]`` in a
name is shown as typed. Styling is applied by these helpers, not by markup in the text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.config.formatting import fmt_number
from sim.config.kpis import HEADLINE_KPIS

if TYPE_CHECKING:
    from sim.config.scenario import Scenario
    from sim.io.outputs import OutputFolder

console = Console()
err_console = Console(stderr=True)

SetOption = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="override a scenario value: dotted.key=value (repeatable)"),
]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="replace a previous socsim output in --out as a whole (never a folder "
    "socsim did not write)")]
UncertaintyOption = Annotated[Optional[Path], typer.Option(
    "--uncertainty", help="posterior.parquet of socsim calibrate (or a .toml table of "
    "[[prior]]): each replication draws one parameter vector, the same for every scenario, so "
    "intervals hold seed noise + parameter uncertainty")]
AllowLargeOption = Annotated[bool, typer.Option(
    "--allow-large", help="run even when the pre-flight estimate of memory or time is above "
    "the limit")]


def cell(value: Any, style: str = "") -> Text:
    """A plain-text table cell (numbers through :func:`sim.config.formatting.fmt_number`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Text(fmt_number(value), style=style)
    return Text(str(value), style=style)


def say(text: Any, style: str = "", *, err: bool = False) -> None:
    """Print one line of plain text (never parsed as markup, no syntax highlighting)."""
    (err_console if err else console).print(Text(str(text), style=style), soft_wrap=True)


def warn(message: str) -> None:
    """Print a warning on stderr (plain text)."""
    err_console.print(Text("warning: ", style="bold yellow") + Text(str(message)),
                      soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one error message on stderr and exit with ``code`` (2: bad input)."""
    err_console.print(Text("error: ", style="bold red") + Text(str(message)), soft_wrap=True)
    raise typer.Exit(code)


def table(title: str = "", columns: list[tuple[str, str]] | None = None, **kw: Any) -> Table:
    """A Rich table with a plain-text title; ``columns`` = [(header, "left"|"right"), ...]."""
    t = Table(title=Text(title) if title else None, title_justify="left", **kw)
    for header, justify in columns or []:
        t.add_column(Text(header), justify=justify)  # type: ignore[arg-type]
    return t


def print_table(t: Table, min_width: int = 120) -> None:
    """Print a table; a file or pipe gets the whole width instead of Rich's 80 columns."""
    wide = console if console.is_terminal else Console(width=max(console.width, min_width))
    wide.print(t)


def load_or_fail(path: Path, overrides: list[str] | None = None) -> "Scenario":
    """Load a scenario file or bundled name (``extends``, ``--set``) and its edge list; every
    problem exits 2, as does a ``SOCSIM_THREADS`` that is not an integer ≥ 1. Deprecation
    notes and edge-list adjustments are printed to stderr."""
    from sim.config.loading import load_with_notes
    from sim.config.scenario import ScenarioError
    from sim.kernels.threads import thread_count
    from sim.world.graph import EdgeListError, fit_to_edgelist

    try:
        thread_count()  # the compiled kernels' thread setting, checked before any work
    except ValueError as exc:
        fail(str(exc))
    try:
        scn, notes = load_with_notes(path, overrides or [])
        scn, changes = fit_to_edgelist(scn)
    except (ScenarioError, EdgeListError) as exc:
        fail(str(exc))
    for note in notes:
        say(f"note: {note}", err=True)
    for change in changes:
        warn(change)
    return scn


def check_workers(workers: int | None, option: str = "--workers") -> None:
    """Exit 2 unless ``workers`` is at least 1; warn when it is above the CPU count."""
    if workers is None:
        return
    cpus = os.cpu_count() or 1
    if workers < 1:
        fail(f"{option}: must be at least 1 (got {workers}); this machine has {cpus} CPU(s)")
    if workers > cpus:
        warn(f"{option} {workers} is more than the {cpus} CPU(s) of this machine: each worker "
             "holds a whole model in memory and they compete for the same cores")


def preflight_or_fail(scenarios: list["Scenario"], runs: int, workers: int,
                      allow_large: bool) -> None:
    """Estimate memory and time of the job; exit 2 above the limits unless ``allow_large``."""
    from sim.config.preflight import check_job

    problem, notes = check_job(scenarios, runs=runs, workers=workers)
    if problem and not allow_large:
        fail(f"{problem}; reduce the job or add --allow-large")
    for note in ([problem] if problem else []) + notes:
        warn(note)


def begin_output(out: Path | None, force: bool, command: str) -> "OutputFolder | None":
    """Check ``--out`` and open its transaction before any computing (exit 2 if unusable)."""
    if out is None:
        return None
    from sim.io.outputs import OutputError, OutputFolder

    tx = OutputFolder(out, force=force, command=command)
    try:
        tx.begin()
    except OutputError as exc:
        fail(str(exc))
    return tx


def finish_output(tx: "OutputFolder") -> None:
    """Publish the output folder and say what was written (and what failed, exit 1)."""
    from sim.io.outputs import OutputError

    try:
        published = tx.commit()
    except OutputError as exc:
        fail(str(exc), code=1)
    if published:
        say(f"wrote {', '.join(tx.written)} to {tx.out}")
    if tx.failed:
        lost = "; ".join(f"{name}: {why}" for name, why in tx.failed.items())
        kept = (f"the other results are saved in {tx.out}" if published
                else f"nothing was written to {tx.out}")
        fail(f"could not write {lost}; {kept}", code=1)


@contextmanager
def aborting_output(tx: "OutputFolder | None") -> Iterator[None]:
    """Discard the output folder (nothing is written) if the body raises; no-op without one."""
    try:
        yield
    except BaseException:
        if tx is not None:
            tx.abort()
        raise


@contextmanager
def publishing_output(tx: "OutputFolder | None") -> Iterator[None]:
    """Publish the output folder after the body (printing), even if the body fails."""
    try:
        yield
    finally:
        if tx is not None:
            finish_output(tx)


def load_uncertainty_or_fail(path: Path | None, scenarios: list["Scenario"]):
    """Read an ``--uncertainty`` file and check it against every scenario (exit 2 if bad);
    None when no file is given."""
    if path is None:
        return None
    from sim.execution.uncertainty import UncertaintyError, load_uncertainty

    try:
        draws = load_uncertainty(path)
        for scn in scenarios:
            draws.check(scn)
    except UncertaintyError as exc:
        fail(str(exc))
    return draws
