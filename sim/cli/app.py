"""The ``socsim`` Typer app: one module per command, registered here one line each.

How to add a command ``foo``:

1. write ``sim/cli/foo.py`` with a function ``foo(...)`` (Typer ``Annotated`` options, a
   docstring that becomes its ``--help``). Keep it thin: parse and check the options, call a
   library function below the CLI, print. Print user text only through :mod:`sim.cli.common`
   (``say``, ``warn``, ``fail``, ``cell``/``table``) so names are never read as Rich markup;
   bad input ends in ``fail(...)`` (exit 2, one message naming the option or field and value);
   load scenarios with ``load_or_fail``; write ``--out`` folders with ``begin_output`` /
   ``finish_output`` (a transaction: complete or nothing);
2. add one line ``command("foo")`` to the list below (alphabetical order).

Heavy modules (mesa, pandas, the model) are imported inside the command functions, so that
``--help`` and ``validate`` answer at once.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="socsim: agent-based simulator of a social-commerce ecosystem.",
    pretty_exceptions_enable=False,
)


def command(name: str) -> None:
    """Register ``sim.cli.<name>``'s ``name``: a function becomes the command ``name``, a
    :class:`typer.Typer` the command group ``name`` (``socsim creators pick``)."""
    module = importlib.import_module(f"sim.cli.{name}")
    target = getattr(module, name)
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=name)
    else:
        app.command(name=name)(target)


command("analyze")
command("calibrate")
command("compare")
command("creators")
command("explore")
command("optimize")
command("query")
command("run")
command("scenarios")
command("show")
command("sweep")
command("validate")
command("viz")


def main() -> None:  # pragma: no cover - entry point
    app()
