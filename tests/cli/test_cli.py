"""The socsim command line: run, validate, scenarios, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SMALL = ["--set", "run.consumers=1000", "--set", "run.days=15"]
runner = CliRunner()


def test_run_prints_kpis_and_writes_outputs(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", BASELINE, *SMALL, "--reps", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "roi" in res.output and "95% interval" in res.output
    ts = pd.read_parquet(out / "timeseries.parquet")
    required = {"replication", "step", "reach", "exposures", "engaged", "buyers", "orders",
                "gmv", "spend", "roi", "roas", "cac", "ugc_share", "negative_sentiment"}
    assert required <= set(ts.columns)
    assert sorted(ts.replication.unique()) == [0, 1, 2] and ts.step.max() == 15
    summary = json.loads((out / "summary.json").read_text())
    roi = summary["kpis"]["roi"]
    assert roi["lo"] <= roi["mean"] <= roi["hi"]
    assert summary["seeds"] == [1, 2, 3]


def test_run_single_rep_summary_is_plain_values(tmp_path):
    res = runner.invoke(app, ["run", BASELINE, *SMALL, "--seed", "5", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert isinstance(summary["kpis"]["gmv"], float) and summary["seeds"] == [5]


def test_set_overrides_values(tmp_path):
    res = runner.invoke(app, ["run", BASELINE, *SMALL, "--set", "retailers.0.budget=0",
                              "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "summary.json").read_text())["kpis"]["spend"] == 0


def test_validate_ok():
    res = runner.invoke(app, ["validate", BASELINE])
    assert res.exit_code == 0 and "ok" in res.output


@pytest.mark.parametrize(
    "args, expected",
    [
        (["validate", "nope.toml"], "scenario file not found"),
        (["validate", BASELINE, "--set", "graph.mixing=2"], "graph.mixing"),
        (["validate", BASELINE, "--set", "run.colour=3"], "unknown key"),
        (["validate", BASELINE, "--set", "run.days=-1"], "greater than or equal to 1"),
        (["validate", BASELINE, "--set", "novalue"], "expected dotted.key=value"),
        (["run", BASELINE, "--set", "graph.kind=edgelist", "--set", "graph.path=missing.txt"],
         "edge-list file not found"),
    ],
)
def test_bad_input_exits_2_with_one_message(args, expected):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert expected in res.output
    assert "Traceback" not in res.output


def test_bad_thread_setting_exits_2(monkeypatch):
    monkeypatch.setenv("SOCSIM_THREADS", "zero")
    res = runner.invoke(app, ["validate", BASELINE])
    assert res.exit_code == 2, res.output
    assert "SOCSIM_THREADS" in res.output and "'zero'" in res.output
    assert "Traceback" not in res.output


def test_bad_toml_file_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\ndays = "soon"\n')
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2 and "run.days" in res.output and "'soon'" in res.output


def test_scenarios_lists_questions():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0
    assert "baseline.toml" in res.output and "reference/bass.toml" in res.output


def test_console_script_runs_end_to_end(tmp_path):
    exe = Path(sys.executable).with_name("socsim")
    proc = subprocess.run([str(exe), "validate", BASELINE], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([str(exe), "validate", str(tmp_path / "x.toml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
