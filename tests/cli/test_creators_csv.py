"""``socsim run --out`` writes creators.csv: one row per creator and seed, spread within tiers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
