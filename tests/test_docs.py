"""The docs stay true: the scenario reference matches the schema, the quick start has two commands,
links point at files that exist, and nothing cites files outside the repository."""

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


def test_scenario_reference_is_current():
    ref = load_reference_script()
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert ref.inject(text) == text, (
        "docs/scenarios.md's reference is stale: run `python scripts/scenario_reference.py --write`")


def test_kpi_table_is_current():
    ref = load_reference_script()
    text = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert ref.inject(text, "kpis") == text, (
        "docs/kpis.md's KPI table is stale: run `python scripts/scenario_reference.py --write`")


def test_readme_quick_start_has_two_commands_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_links_point_at_files_in_the_repository():
    import re

    broken = []
    for doc in _docs():
        for target in re.findall(r"\]\(([^)#\s]+)", doc.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, broken


def test_nothing_cites_files_outside_the_repository():
    """The design notes and reference files the project started from are not shipped with it."""
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    bad = []
    for name in files:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".toml", ".sh"} or "benchmarks/profiles" in name:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in ("DESIGN.md", "stylized_facts.md", "platform_notes.md", "../shared/"):
            if needle in text and path.name != "test_docs.py":
                bad.append(f"{name}: {needle}")
    assert not bad, bad
