"""The ``socsim`` command line (Typer): the app is in :mod:`sim.cli.app`, one module per
command beside it, shared helpers in :mod:`sim.cli.common`. Entry point: ``sim.cli:app``."""

from __future__ import annotations

from sim.cli.app import app, main

__all__ = ["app", "main"]
