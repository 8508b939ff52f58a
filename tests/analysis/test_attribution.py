"""Channel attribution: disabled channels, incremental orders by removal under the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis.attribution import (TABLE_COLUMNS, attribution_channels, measure_attribution,
                             without_channel)
from sim.cli import app
from sim.engine.model import SocialCommerceModel
from sim.execution.runner import run_single
from sim.config.scenario import ScenarioError, load_scenario

SMALL = {"run.consumers": 1200, "run.days": 30}


@pytest.fixture(scope="module")
def small(baseline_path):
    return load_scenario(baseline_path, SMALL)


def test_disabled_channel_gets_no_money_and_other_lines_keep_theirs(small):
    full = SocialCommerceModel(small, seed=1).retailers[0]
    off = SocialCommerceModel(without_channel(small, "ads"), seed=1).retailers[0]
    assert off.lines["ads"] == 0.0 and full.lines["ads"] > 0
    for ch, line in full.lines.items():
        if ch != "ads":
            assert off.lines[ch] == line  # no renormalisation onto the other channels


def test_disabled_channels_are_validated(small):
    with pytest.raises(ScenarioError, match=r"retailers\.brand\.disabled_channels: unknown "
                                            r"channel 'tv'"):
        small.with_overrides({"retailers.0.disabled_channels": ["tv"]})


def test_removed_channel_spends_nothing_and_others_spend_the_same(small):
    full = run_single(small, 4, keep_timeseries=False)
    off = run_single(without_channel(small, "waist"), 4, keep_timeseries=False)
    assert full.summary["spend_waist"] > 0
    assert off.summary["spend_waist"] == 0.0
    assert off.summary["spend_ads"] == pytest.approx(full.summary["spend_ads"])
    assert off.summary["spend_head"] == pytest.approx(full.summary["spend_head"])


def test_zero_share_channel_has_exactly_zero_incremental_orders(small):
    scn = small.with_overrides({"retailers.0.allocation.ads": 0.0})
    assert "ads" not in attribution_channels(scn)  # skipped by default (nothing to remove)...
    # ...but really re-run here: a line of 0 yuan and a removed line give identical runs
    base, attr = measure_attribution(scn, reps=2, seed=7, channels=["ads", "waist"])
    rows = attr.per_seed[attr.per_seed.channel == "ads"]
    assert len(rows) == 2
    assert (rows[["incremental_orders", "incremental_gmv", "incremental_spend"]] == 0).all().all()
    ads = attr.table.set_index("channel").loc["ads"]
    assert ads.incremental_orders == 0 and ads.incremental_lo == 0 and ads.incremental_hi == 0
    assert list(attr.table.columns) == TABLE_COLUMNS
    assert [r.seed for r in base] == [7, 8]
    assert (attr.per_seed[attr.per_seed.channel == "waist"].incremental_spend > 0).all()
    # a funded channel that was not re-run has no incremental figure; an unfunded one has 0
    tab = attr.table.set_index("channel")
    assert np.isnan(tab.loc["head", "incremental_orders"])
    if "nano" in tab.index and scn.retailers[0].allocation.get("nano", 0) == 0:
        assert tab.loc["nano", "incremental_orders"] == 0


def test_attribution_table_is_consistent(small):
    base, attr = measure_attribution(small, reps=2, seed=3)
    tab = attr.table.set_index("channel")
    assert set(attr.per_seed.seed) == {3, 4}
    # organic channels have no budget: no incremental figure
    assert np.isnan(tab.loc["wom", "incremental_orders"])
    assert tab.loc["wom", "kind"] == "organic"
    # heuristic credit never exceeds the orders placed
    orders = np.mean([r.summary["orders"] for r in base])
    assert attr.total_orders == orders
    assert tab["last_touch_orders"].sum() <= orders + 1e-9
    assert tab["first_touch_orders"].sum() <= orders + 1e-9
    # spend in the table is each channel's booked spend
    for ch in ("head", "waist", "tail", "ads"):
        assert tab.loc[ch, "spend"] == pytest.approx(np.mean([r.summary[f"spend_{ch}"]
                                                              for r in base]))
    # coupons never touch anyone: no first/last-touch credit, whatever their real effect
    assert tab.loc["coupons", "last_touch_orders"] == 0
    assert attr.findings()


def test_cli_run_attribution_writes_csv(tmp_path, baseline_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(baseline_path), "--reps", "2", "--attribution",
                                      "--out", str(out), "--set", "run.consumers=1000",
                                      "--set", "run.days=20"])
    assert result.exit_code == 0, result.output
    assert "incremental" in result.output
    table = pd.read_csv(out / "attribution.csv")
    assert list(table.columns) == TABLE_COLUMNS
    assert {"head", "waist", "tail", "ads", "community", "coupons", "wom"} <= set(table.channel)
