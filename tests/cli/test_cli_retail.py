"""The retail scenarios from the command line: run with per-store tables, compare, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
PILOT = str(ROOT / "scenarios" / "store_o2o_pilot.toml")
DIST = str(ROOT / "scenarios" / "distributor_recruitment.toml")
MEMBERS = str(ROOT / "scenarios" / "membership_tiers.toml")
SMALL = ["--set", "run.consumers=1500", "--set", "run.days=20"]
runner = CliRunner()


def test_run_writes_per_store_table_and_shows_retail_kpis(tmp_path):
    res = runner.invoke(app, ["run", PILOT, *SMALL, "--reps", "2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    for kpi in ("store_visits", "redemption_rate", "store_gmv", "online_gmv",
                "member_revenue_share"):
        assert kpi in res.output
    stores = pd.read_csv(tmp_path / "stores.csv")
    assert sorted(stores.replication.unique()) == [0, 1]
    assert list(stores.store[:3]) == ["north", "centre", "south"]
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert {"store_visits", "redemptions", "redemption_rate"} <= set(ts.columns)


def test_compare_shows_the_retail_kpis_both_scenarios_have(tmp_path):
    steep = str(ROOT / "scenarios" / "distributor_steep_rebates.toml")
    res = runner.invoke(app, ["compare", DIST, steep, *SMALL, "--reps", "2",
                              "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert {"distributor_gmv", "commissions", "channel_conflict"} <= set(table.kpi)
    assert "commissions" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_scenarios_lists_the_retail_questions():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0
    assert "pilot stores" in res.output and "membership" in res.output


@pytest.mark.parametrize(
    ("scenario", "setting", "expected"),
    [
        (PILOT, "retailers.0.stores.north.circles=[99]", "stores.north.circles"),
        (PILOT, "retailers.0.o2o.redemption_quality=1.5", "o2o.redemption_quality"),
        (PILOT, "retailers.0.stores.north.capacity=0", "capacity"),
        (DIST, "retailers.0.distributors.tiers=[[100.0, 0.1]]", "tiers"),
        (DIST, "retailers.0.allocation.shops=0.1", "unknown channel 'shops'"),
        (MEMBERS, "retailers.0.membership.level_boost=[1.0]", "level_boost"),
        (MEMBERS, "retailers.0.membership.level_thresholds=[0.0, 500.0, 100.0]", "ascend"),
    ],
)
def test_bad_retail_input_exits_2_naming_the_field(scenario, setting, expected):
    res = runner.invoke(app, ["validate", scenario, "--set", setting])
    assert res.exit_code == 2, res.output
    assert expected in res.output and "Traceback" not in res.output


def test_sweep_over_a_retail_lever(tmp_path):
    spec = tmp_path / "o2o.toml"
    spec.write_text(f"""name = "o2o"
base = "{Path(PILOT).as_posix()}"
design = "grid"
replications = 1
seed = 5
kpis = ["redemption_rate", "store_gmv", "gmv"]
[set]
"run.consumers" = 1500
"run.days" = 20
[[parameters]]
name = "retailers.brand.o2o.redemption_quality"
values = [0.2, 1.0]
""", encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["query", str(out), 'SELECT count(*) AS n, min(store_gmv) AS s '
                              'FROM runs', "--csv", str(tmp_path / "q.csv")])
    assert res.exit_code == 0, res.output
    row = pd.read_csv(tmp_path / "q.csv").iloc[0]
    assert row.n == 2 and row.s > 0
