"""socsim calibrate and --uncertainty on the command line: bad input exits 2, intervals say
which uncertainty they hold."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SWARM = str(ROOT / "scenarios" / "kol_koc_swarm.toml")
SMALL = ["--set", "run.consumers=1000", "--set", "run.days=15"]
PRIORS = """
[[prior]]
key = "behaviour.c0"
low = -6.5
high = -2.5

[[prior]]
key = "behaviour.follower_trust"
low = 0.2
high = 0.9
"""
runner = CliRunner()


def calibrate_args(observed: Path, out: Path, *extra: str) -> list[str]:
    return ["calibrate", BASELINE, "--observed", str(observed), "--fit",
            "behaviour.c0=-5.5:-3", "--out", str(out), *SMALL, *extra]


def test_bad_observed_file_exits_2_naming_column_and_row(tmp_path):
    cases = {
        "day,reach\n1,10\n2,8\n": "column 'reach', row 3 (day 2)",
        "day,reach,likes_received\n1,10,2\n": "column 'likes_received', row 1: unknown KPI",
        "when,reach\n1,10\n": "no 'day' column",
        "day,orders\n1,3\n2,x\n": "column 'orders', row 3 (day 2): 'x' is not a number",
        "day,orders\n1,-3\n": "column 'orders', row 2 (day 1): -3 is negative",
    }
    for i, (text, fragment) in enumerate(cases.items()):
        obs = tmp_path / f"obs{i}.csv"
        obs.write_text(text)
        res = runner.invoke(app, calibrate_args(obs, tmp_path / f"out{i}"))
        assert res.exit_code == 2, res.output
        assert fragment in " ".join(res.output.split()), res.output
        assert "Traceback" not in res.output
        assert not (tmp_path / f"out{i}" / "fit.json").exists()


def test_bad_fit_and_method_exit_2(tmp_path):
    obs = tmp_path / "obs.csv"
    obs.write_text("day,reach\n1,10\n")
    for extra, fragment in [(["--fit", "behaviour.c0=oops"], "KEY=LO:HI"),
                            (["--method", "mcmc"], "--method: 'mcmc' unknown"),
                            (["--trials", "3"], "--trials"), (["--reps", "0"], "--reps")]:
        args = calibrate_args(obs, tmp_path / "out", *extra)
        if extra[0] == "--fit":
            args = [a for a in args if a != "behaviour.c0=-5.5:-3"]
            args.remove("--fit")
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and fragment in " ".join(res.output.split()), res.output


def _widths(out: Path, kpi: str) -> pd.Series:
    t = pd.read_csv(out / "comparison.csv")
    t = t[t.kpi == kpi].set_index("scenario")
    return t["hi"] - t["lo"]


def test_compare_uncertainty_widens_intervals_and_says_both_sources(tmp_path):
    priors = tmp_path / "priors.toml"
    priors.write_text(PRIORS)
    # 2,000 consumers over 30 days: a smaller grounded campaign has a handful of orders, whose
    # intervals over seeds are as wide as the count itself and hide the parameters' share
    size = ["--set", "run.consumers=2000", "--set", "run.days=30"]
    common = ["compare", BASELINE, SWARM, "--reps", "5", "--attribution-reps", "0", *size]
    plain = runner.invoke(app, [*common, "--out", str(tmp_path / "seeds")])
    wide = runner.invoke(app, [*common, "--out", str(tmp_path / "both"), "--uncertainty",
                               str(priors)])
    assert plain.exit_code == 0 and wide.exit_code == 0, wide.output
    for kpi in ("orders", "gmv"):
        assert (_widths(tmp_path / "both", kpi) > _widths(tmp_path / "seeds", kpi)).all()
    assert "seeds only" in plain.output and "seeds + parameters" in wide.output
    text = " ".join(wide.output.split())
    assert "seed noise + parameter uncertainty" in text
    report = (tmp_path / "both" / "report.html").read_text()
    assert "seeds + parameters" in report and "seed noise and parameter uncertainty" in report
    assert "seeds only" in (tmp_path / "seeds" / "report.html").read_text()


def test_run_and_sweep_record_the_draws(tmp_path):
    priors = tmp_path / "priors.toml"
    priors.write_text(PRIORS)
    res = runner.invoke(app, ["run", BASELINE, *SMALL, "--reps", "2", "--out",
                              str(tmp_path / "run"), "--uncertainty", str(priors)])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["interval"]["holds"] == "seeds + parameters"
    assert len({p["behaviour.c0"] for p in summary["parameters"]}) == 2
    (tmp_path / "base.toml").write_text(f'extends = "{BASELINE}"\n[run]\nconsumers = 400\n'
                                        "days = 5\n")
    (tmp_path / "sweep.toml").write_text(
        'base = "base.toml"\ndesign = "grid"\nreplications = 2\nkpis = ["orders"]\n'
        '[[parameters]]\nname = "behaviour.s0"\nvalues = [0.1, 0.3]\n')
    res = runner.invoke(app, ["sweep", str(tmp_path / "sweep.toml"), "--out",
                              str(tmp_path / "sw"), "--workers", "1", "--uncertainty",
                              str(priors)])
    assert res.exit_code == 0, res.output
    runs = pd.concat(pd.read_parquet(p) for p in (tmp_path / "sw" / "runs").glob("*.parquet"))
    by_rep = runs.groupby("replication")["behaviour.c0"].nunique()
    assert (by_rep == 1).all() and runs["behaviour.c0"].nunique() == 2  # paired across points
    bad = runner.invoke(app, ["sweep", str(tmp_path / "sweep.toml"), "--out",
                              str(tmp_path / "sw2"), "--uncertainty", str(tmp_path / "no.toml")])
    assert bad.exit_code == 2 and "file not found" in bad.output
