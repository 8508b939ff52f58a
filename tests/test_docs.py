"""The README stays true: its scenario reference matches the schema, its files exist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_reference_script():
    spec = importlib.util.spec_from_file_location("scenario_reference",
                                                  ROOT / "scripts" / "scenario_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_scenario_reference_is_current():
    ref = load_reference_script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ref.inject(readme) == readme, (
        "README's scenario reference is stale: run `python scripts/scenario_reference.py --write`")


def test_readme_quick_start_has_two_commands_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
