"""``socsim show``: print a scenario fully resolved (``extends`` merged, overrides applied,
every default filled in) as TOML that ``socsim run`` reads back to the same scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import SetOption, load_or_fail


def show(
    scenario: Annotated[Path, typer.Argument(
        help="scenario TOML file or bundled name (baseline, kol_pyramid, reference/bass, ...)")],
    set_: SetOption = None,
) -> None:
    """Print the fully resolved scenario as TOML (extends merged, --set applied, defaults in)."""
    from sim.config.loading import to_toml

    scn = load_or_fail(scenario, set_)
    overrides = "".join(f" --set {s}" for s in set_ or [])
    header = (f"# socsim show {scenario}{overrides}\n"
              "# every value resolved: extends merged, overrides applied, defaults filled in\n")
    typer.echo(header.replace("\r", " ") + to_toml(scn), nl=False)
