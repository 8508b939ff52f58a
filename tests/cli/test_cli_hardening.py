"""Hardened commands: plain-text names, --out transactions, early checks, late failures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
TINY = ["--set", "run.consumers=300", "--set", "run.days=5"]
MARKUP = r"Q3 plan [/] [[retailers]] [link=http://evil]click[/link] $\frac{1$"
runner = CliRunner()


def _named(tmp_path, name: str, file: str = "q3.toml") -> str:
    path = tmp_path / file
    text = name.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(f'extends = "{BASELINE}"\nname = "{text}"\nquestion = "{text}?"\n')
    return str(path)


def test_run_prints_a_markup_name_as_typed_and_saves_results(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", _named(tmp_path, MARKUP), *TINY, "--reps", "2",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert MARKUP in res.output
    assert json.loads((out / "summary.json").read_text())["name"] == MARKUP


def test_compare_with_markup_math_and_formula_names(tmp_path):
    a = _named(tmp_path, MARKUP, "a.toml")
    b = _named(tmp_path, "=HYPERLINK(\"http://x\")", "b.toml")
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", a, b, "--reps", "2", *TINY, "--out", str(out),
                              "--attribution-reps", "0"])
    assert res.exit_code == 0, res.output
    assert "Q3 plan [/]" in res.output
    csv = pd.read_csv(out / "comparison.csv")
    assert set(csv.scenario) == {MARKUP, "'=HYPERLINK(\"http://x\")"}  # text, not a formula
    assert "<html" in (out / "report.html").read_text()[:200].lower()


def test_validate_scenarios_and_errors_print_markup_literally(tmp_path):
    res = runner.invoke(app, ["validate", BASELINE, "--set", 'run.days="[/]"'])
    assert res.exit_code == 2 and "'[/]'" in res.output
    res = runner.invoke(app, ["validate", BASELINE, "--set", 'name="[bold]x[/bold]"'])
    assert res.exit_code == 0
    _named(tmp_path, MARKUP)
    res = runner.invoke(app, ["scenarios", "--directory", str(tmp_path)])
    assert res.exit_code == 0 and MARKUP[:20] in res.output


def test_late_report_failure_keeps_the_csv_and_says_so(tmp_path, monkeypatch):
    import sim.io.report

    def broken(*_a, **_k):
        raise RuntimeError("matplotlib exploded")

    monkeypatch.setattr(sim.io.report, "write_report", broken)
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", BASELINE, BASELINE, "--reps", "2", *TINY,
                              "--out", str(out), "--attribution-reps", "0"])
    assert res.exit_code == 1
    assert "report.html" in res.output and "saved in" in res.output
    assert (out / "comparison.csv").exists() and not (out / "report.html").exists()


def test_unwritable_out_fails_before_computing(tmp_path, monkeypatch):
    import sim.execution.runner

    def never(*_a, **_k):
        raise AssertionError("computed before checking --out")

    monkeypatch.setattr(sim.execution.runner, "replicate", never)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["run", BASELINE, *TINY, "--out", str(blocker / "out")])
    assert res.exit_code == 2 and "cannot write" in res.output


def test_out_refused_then_forced_replaces_everything(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", BASELINE, *TINY, "--attribution", "--set",
                               "run.days=3", "--out", str(out)]).exit_code == 0
    assert (out / "attribution.csv").exists()
    res = runner.invoke(app, ["run", BASELINE, *TINY, "--out", str(out)])
    assert res.exit_code == 2 and "--force" in res.output
    res = runner.invoke(app, ["run", BASELINE, *TINY, "--out", str(out), "--force"])
    assert res.exit_code == 0
    assert not (out / "attribution.csv").exists()  # no stale file from the earlier run


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers: must be at least 1"),
    (["--workers", "-3"], "--workers: must be at least 1"),
    (["--seed", "-1"], "--seed"),
    (["--reps", "0"], "--reps"),
    (["--set", "platforms.feed.ad_cpm=1e-300"], "pre-flight estimate"),
    (["--set", "run.consumers=50000000", "--set", "run.days=3650"], "pre-flight estimate"),
])
def test_bad_options_and_bombs_exit_2(args, message):
    res = runner.invoke(app, ["run", BASELINE, "--set", "run.consumers=300", *args])
    assert res.exit_code == 2 and message in res.output, res.output


def test_many_workers_only_warn(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    res = runner.invoke(app, ["run", BASELINE, *TINY, "--workers", "2", "--reps", "2"])
    assert res.exit_code == 0 and "more than the 1 CPU" in res.output


def test_query_never_truncates_numbers(tmp_path):
    from sim.sweeps.store import write_chunk

    out = tmp_path / "sw"
    (out / "runs").mkdir(parents=True)
    row = {"run_id": 0, "point": 0, "replication": 0, "seed": 1}
    row.update({f"a_rather_long_kpi_name_{i}": 0.123456 for i in range(14)})
    write_chunk(out, 0, [row], {})
    res = runner.invoke(app, ["query", str(out), "SELECT * FROM runs"])
    assert res.exit_code == 0
    assert res.output.count("0.123") == 14 and "0.…" not in res.output
