"""The decision commands on the command line: bad input exits 2 naming the option and value."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli import app

SETS = ["--set", "run.consumers=600", "--set", "run.days=10"]


@pytest.mark.parametrize("args, message", [
    (["--vary", "budget_shares"], "--vary 'budget_shares'"),
    (["--vary", "retailers.0.coupon_value=5:1"], "LO must be below HI"),
    (["--vary", "allocation", "--objective", "happiness"], "--objective: unknown KPI 'happiness'"),
    (["--vary", "allocation", "--constraint", "cac<60"], "--constraint 'cac<60'"),
    (["--vary", "allocation", "--trials", "0"], "--trials: must be at least 1"),
    (["--vary", "allocation", "--uncertainty", "nope.csv"], "--uncertainty: nope.csv"),
])
def test_optimize_bad_input_exits_2(tmp_path, baseline_path, args, message):
    res = CliRunner().invoke(app, ["optimize", str(baseline_path), "--out", str(tmp_path / "o"),
                                   *args, *SETS])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("args, message", [
    (["--uncertain", "behaviour.follower_trust"], "--uncertain 'behaviour.follower_trust'"),
    (["--uncertain", "behaviour.nothing=0:1"], "behaviour.nothing"),
    (["--uncertain", "behaviour.follower_trust=0.2:0.5", "--design", "grid"], "--design 'grid'"),
    (["--uncertain", "behaviour.follower_trust=0.2:0.5", "--metric", "joy"], "--metric"),
])
def test_explore_bad_input_exits_2(tmp_path, baseline_path, args, message):
    res = CliRunner().invoke(app, ["explore", str(baseline_path), "--out", str(tmp_path / "e"),
                                   *args, *SETS])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_compare_equalize_budget_on_the_command_line(tmp_path, baseline_path):
    cheap = tmp_path / "cheap.toml"
    cheap.write_text(f'extends = "{baseline_path}"\nname = "cheap"\n'
                     '[retailers.brand]\nbudget = 5000.0\n')
    files = [str(baseline_path), str(cheap)]
    plain = CliRunner().invoke(app, ["compare", *files, "--reps", "2", *SETS])
    assert plain.exit_code == 0, plain.output
    assert "differ in budget" in " ".join(plain.output.split())
    equal = CliRunner().invoke(app, ["compare", *files, "--reps", "2", "--equalize", "budget",
                                     *SETS])
    assert equal.exit_code == 0, equal.output
    text = " ".join(equal.output.split())
    assert "differ in budget" not in text and "--equalize budget" in text
    bad = CliRunner().invoke(app, ["compare", *files, "--equalize", "spend", *SETS])
    assert bad.exit_code == 2 and "--equalize: unknown value 'spend'" in bad.output


def test_optimize_small_run_writes_its_files(tmp_path, baseline_path):
    out = tmp_path / "opt"
    res = CliRunner().invoke(app, ["optimize", str(baseline_path.parent / "kol_pyramid.toml"),
                                   "--vary", "tiers", "--objective", "roi", "--objective", "gmv",
                                   "--trials", "6", "--reps", "1", "--fresh-reps", "2",
                                   "--out", str(out), "--xlsx", str(tmp_path / "o.xlsx"), *SETS])
    assert res.exit_code == 0, res.output
    for name in ("best.toml", "trials.parquet", "report.html", "study.db"):
        assert (out / name).is_file()
    assert "Pareto front" in (out / "report.html").read_text()
    pytest.importorskip("openpyxl")
    import pandas as pd

    book = pd.read_excel(tmp_path / "o.xlsx", sheet_name=None)
    assert list(book)[:5] == ["Verdict", "KPIs", "Attribution", "Time series", "Inputs"]
    trials = pd.read_parquet(out / "trials.parquet")
    pd.testing.assert_frame_equal(book["Trials"], trials, check_dtype=False, rtol=1e-12)
