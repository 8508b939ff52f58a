"""The ``socsim`` command line (Typer): the app is in :mod:`sim.cli.app`, one module per
command beside it, shared helpers in :mod:`sim.cli.common`. Entry point: ``sim.cli:app``.

The helpers are re-exported here first (before the app imports the command modules), so a
command module may write ``from sim.cli import SetOption, load_or_fail`` as well as
``from sim.cli.common import ...``.
"""

from __future__ import annotations

from sim.cli.common import (HEADLINE_KPIS, AllowLargeOption, ForceOption, SetOption, cell,
                            check_workers, console, err_console, fail, load_or_fail, say, table,
                            warn)
from sim.cli.app import app, main  # noqa: E402  (after the helpers: see the docstring)

__all__ = ["HEADLINE_KPIS", "AllowLargeOption", "ForceOption", "SetOption", "app", "cell",
           "check_workers", "console", "err_console", "fail", "load_or_fail", "main", "say",
           "table", "warn"]
