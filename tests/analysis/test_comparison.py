"""Scenario comparison: common random numbers, paired statistics, verdicts, CLI and report."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.analysis.comparison import (COLUMNS, LOWER_IS_BETTER, compare, kpi_names, paired_stats,
                         verdict_sentence)
from sim.execution.runner import run_single

SMALL = {"run.consumers": 1500, "run.days": 30}


@pytest.fixture(scope="module")
def small(baseline_path):
    from sim.config.scenario import load_scenario

    return load_scenario(baseline_path, SMALL)


def test_paired_stats_ties_count_half_and_direction():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 2.0, 1.0, 5.0])  # wins, tie, loss, win
    p = paired_stats(a, b, "roi")
    assert p.p_superior == pytest.approx((2 + 0.5) / 4)
    assert p.diff == pytest.approx(0.0)
    q = paired_stats(a, b, "cac")  # lower is better: loss, tie, win, loss
    assert "cac" in LOWER_IS_BETTER
    assert q.p_superior == pytest.approx((1 + 0.5) / 4)
    better = paired_stats(np.array([1.0, 2, 3, 4]), np.array([2.0, 3.1, 4.05, 5.2]), "roi")
    assert better.outcome == "better" and better.diff_lo > 0
    assert "beats" in verdict_sentence(better) and "100%" in verdict_sentence(better)
    worse_cac = paired_stats(np.array([1.0, 2, 3, 4]), np.array([2.0, 3.1, 4.05, 5.2]), "cac")
    assert worse_cac.outcome == "worse" and worse_cac.p_superior == 0.0
    noisy = paired_stats(np.array([1.0, 2, 3, 4]), np.array([1.5, 1.6, 3.4, 3.7]), "roi")
    assert noisy.outcome == "unclear"
    assert "not distinguishable" in verdict_sentence(noisy)


def test_kpi_names_match_a_real_run(small):
    res = run_single(small, 3, keep_timeseries=False)
    assert sorted(kpi_names(small)) == sorted(res.summary)


def test_self_comparison_shows_exactly_zero_difference(small):
    cmp = compare([small, small], reps=3, seed=11)
    assert cmp.names == [small.name, f"{small.name} (2)"]
    assert cmp.seeds == [11, 12, 13]
    assert list(cmp.table.columns) == COLUMNS
    other = cmp.table[cmp.table.scenario == cmp.names[1]]
    assert len(other) == len(set(cmp.table.kpi)) > 30
    assert (other[["diff", "diff_lo", "diff_hi"]] == 0.0).all().all()
    assert (other["p_superior"] == 0.5).all()
    ref = cmp.table[cmp.table.scenario == cmp.names[0]]
    assert (ref["p_superior"] == 0.5).all() and (ref["diff"] == 0.0).all()
    assert "identical" in cmp.verdict


def test_larger_budget_on_an_effective_channel_wins(small):
    bigger = small.with_overrides({"retailers.0.allocation.tail": 0.6, "name": "more_koc"})
    # tail = KOC line: 0.2 -> 0.6 of the same normalised pie would shrink the others, so raise
    # the budget to keep every other line's yuan unchanged: total share 1.0 -> 1.4
    bigger = bigger.with_overrides({"retailers.0.budget": small.retailers[0].budget * 1.4})
    for ch in ("head", "waist", "ads", "coupons", "community"):
        assert bigger.retailers[0].allocation[ch] == small.retailers[0].allocation[ch]
    cmp = compare([small, bigger], reps=10, seed=1, metric="orders")
    row = cmp.table.set_index(["scenario", "kpi"]).loc[("more_koc", "orders")]
    assert row["p_superior"] >= 0.9
    assert row["diff_lo"] > 0
    assert cmp.headline().startswith("more_koc is best on orders")
    assert re.search(r"more_koc beats baseline on orders in (9\d|100)% of runs", cmp.verdict)


def test_parallel_equals_serial(small):
    other = small.with_overrides({"retailers.0.allocation.ads": 0.4, "name": "ads_heavy"})
    serial = compare([small, other], reps=2, seed=5, workers=1, attribution_reps=1)
    parallel = compare([small, other], reps=2, seed=5, workers=2, attribution_reps=1)
    pd.testing.assert_frame_equal(serial.table, parallel.table, check_exact=True)
    for name in serial.names:
        for a, b in zip(serial.results[name], parallel.results[name]):
            assert a.seed == b.seed and a.summary == b.summary
            pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert serial.verdict == parallel.verdict
    for name in serial.names:  # channel-removed runs too
        pd.testing.assert_frame_equal(serial.attribution[name].per_seed,
                                      parallel.attribution[name].per_seed, check_exact=True)


def test_unknown_metric_is_refused(small):
    with pytest.raises(ValueError, match="metric: unknown KPI 'happiness'"):
        compare([small, small], reps=2, metric="happiness")


# ------------------------------------------------------------------------------- CLI
SETS = ["--set", "run.consumers=1000", "--set", "run.days=20"]


def test_cli_compare_writes_csv_and_report(tmp_path, baseline_path):
    text = baseline_path.read_text()
    text = re.sub(r"(?m)^name = .*$", 'name = "more_ads"', text, count=1)
    text, k = re.subn(r"(?m)^allocation = \{.*\}$",
                      "allocation = { head = 0.2, waist = 0.25, tail = 0.2, ads = 0.5, "
                      "coupons = 0.1, community = 0.1 }", text)
    assert k == 1
    variant = tmp_path / "more_ads.toml"
    variant.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["compare", str(baseline_path), str(variant), "--reps", "2",
                                      "--out", str(out), "--attribution-reps", "1", *SETS])
    assert result.exit_code == 0, result.output
    assert "Verdict" in result.output and "P(beats baseline)" in result.output
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == COLUMNS
    assert set(table.scenario) == {"baseline", "more_ads"}
    assert len(table) == 2 * table.kpi.nunique()
    page = (out / "report.html").read_text()
    images = re.findall(r'<img alt="figure" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 6 and all(len(i) > 5000 for i in images)
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "Last-touch credit ÷ incremental orders" in page
    assert "yuan" in page


@pytest.mark.parametrize("args, message", [
    (["missing.toml"], "scenario file not found"),
    (["--metric", "happiness"], "--metric: unknown KPI 'happiness'"),
    (["--reps", "1"], "--reps: a comparison needs at least 2"),
])
def test_cli_compare_bad_input_exits_2(baseline_path, tmp_path, args, message):
    files = [str(baseline_path), str(baseline_path)]
    if args[0].endswith(".toml"):
        files = [str(baseline_path), str(tmp_path / args[0])]
        args = []
    result = CliRunner().invoke(app, ["compare", *files, "--reps", "2", *args, *SETS])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_package_exports_compare(baseline_path):
    import sim
    import sim.analysis.comparison as module
    from sim import compare as exported

    scn = sim.load_scenario(baseline_path, {"run.consumers": 300, "run.days": 5})
    result = exported([scn, scn], reps=2)
    assert isinstance(result, module.Comparison)
    assert result.table.shape[1] == len(COLUMNS)
