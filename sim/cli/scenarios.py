"""``socsim scenarios``: list scenario files and the question each answers."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import cell, fail, print_table, table

from sim.config.bundled import bundled_dir

SCENARIO_DIR = bundled_dir()


def scenario_question(path: Path) -> str:
    """The ``question`` of a scenario file, else its first comment line ('' if unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    try:
        data = tomllib.loads(text)
        if isinstance(data.get("question"), str) and data["question"]:
            return data["question"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        pass
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def scenarios(
    directory: Annotated[Path, typer.Option(help="folder to list")] = SCENARIO_DIR,
) -> None:
    """List the bundled scenarios and the question each answers."""
    if not directory.is_dir():
        fail(f"--directory: {directory} is not a folder")
    t = table(f"scenarios in {directory}", [("file", "left"), ("question", "left")])
    for path in sorted(directory.rglob("*.toml")):
        if "sweeps" in path.relative_to(directory).parts:
            continue
        t.add_row(cell(path.relative_to(directory)), cell(scenario_question(path)))
    print_table(t, min_width=100)
