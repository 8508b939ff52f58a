"""``socsim run --out`` writes creators.csv: one row per creator and seed, spread within tiers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

BASELINE = str(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml")


def test_run_out_writes_creators_with_within_tier_spread(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", BASELINE, "--set", "run.consumers=2000", "--set",
                                   "run.days=30", "--reps", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "creators.csv")
    for col in ("creator", "tier", "platform", "fee", "impressions", "engagements", "orders",
                "seed"):
        assert col in table.columns
    assert sorted(table["seed"].unique()) == [1, 2]
    head = table[(table.tier == "head") & (table.seed == 1)]
    assert head["fee"].nunique() == 1  # one fee per tier ...
    assert head["impressions"].nunique() > 1  # ... yet creators of the tier differ
    assert (table["engagements"] <= table["views"]).all()


LIFT = ["incremental_orders", "incremental_orders_mean", "incremental_orders_lo",
        "incremental_orders_hi"]
SMALL = ["--set", "run.consumers=2000", "--set", "run.days=30"]


def test_run_out_without_creator_lift_leaves_incremental_orders_empty(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", BASELINE, *SMALL, "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "creators.csv")
    assert set(LIFT) <= set(table.columns) and table[LIFT].isna().all().all()
    kinds = table[["likes", "comments", "saves", "shares"]].sum(axis=1)
    assert (kinds == table["engagements"]).all()


def test_run_creator_lift_fills_the_measured_creators(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", BASELINE, *SMALL, "--reps", "2", "--creator-lift",
                                   "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "incremental orders per creator" in res.output
    table = pd.read_csv(out / "creators.csv")
    measured = table.dropna(subset=["incremental_orders_mean"])
    assert measured["creator"].nunique() == 2 and len(measured) == 4  # 2 creators × 2 seeds
    for _, g in measured.groupby("creator"):
        assert g["incremental_orders"].mean() == pytest.approx(g["incremental_orders_mean"].iloc[0])
        assert (g["incremental_orders_lo"] <= g["incremental_orders_mean"]).all()
    assert table.drop(measured.index)[LIFT].isna().all().all()


def test_creators_csv_is_not_written_when_the_lift_fails(tmp_path, monkeypatch):
    import sim.analysis.creator_lift as lift

    def broken(args):
        raise RuntimeError("withheld run failed")

    monkeypatch.setattr(lift, "run_lift_job", broken)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", BASELINE, *SMALL, "--creator-lift", "1", "--out",
                                   str(out)])
    assert res.exit_code != 0
    assert not (out / "creators.csv").exists() and not (out / "summary.json").exists()


@pytest.mark.parametrize("args, word", [(["--creator-lift", "-1"], "-1"),
                                        (["--creator-lift", "2", "--set", "run.mode=bass"],
                                         "bass")])
def test_bad_creator_lift_exits_2(args, word):
    res = CliRunner().invoke(app, ["run", BASELINE, *SMALL, *args])
    assert res.exit_code == 2 and "--creator-lift" in res.output and word in res.output


def test_compare_out_writes_creators_per_scenario_with_lift(tmp_path):
    out = tmp_path / "cmp"
    swarm = str(Path(BASELINE).with_name("kol_koc_swarm.toml"))
    res = CliRunner().invoke(app, ["compare", BASELINE, swarm, *SMALL, "--reps", "2",
                                   "--attribution-reps", "0", "--creator-lift", "1", "--out",
                                   str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "creators.csv")
    assert table.columns[0] == "scenario" and table["scenario"].nunique() == 2
    measured = table.dropna(subset=["incremental_orders_mean"])
    assert measured.groupby("scenario")["creator"].nunique().tolist() == [1, 1]
    assert len(measured) == 4  # one creator × two seeds in each scenario
