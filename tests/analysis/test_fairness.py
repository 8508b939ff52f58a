"""Fair verdicts: budgets named, incremental profit, undefined ratios, bounded intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.comparison import compare
from sim.analysis.fairness import (bounded_interval, equalize_budgets, is_undefined,
                                   kpi_bounds, user_summary)
from sim.config.scenario import load_scenario

SMALL = {"run.consumers": 2000, "run.days": 30}


@pytest.fixture(scope="module")
def plans(baseline_path):
    a = load_scenario(baseline_path.parent / "kol_pyramid.toml", SMALL)
    b = load_scenario(baseline_path.parent / "kol_koc_swarm.toml",
                      {**SMALL, "retailers.0.budget": 300_000.0})
    return a, b


def test_bounded_interval_never_leaves_the_kpi_range():
    x = [0.0, 0.0, 0.0, 0.02, 0.0]  # a rare share: the t-interval would dip below 0
    m, lo, hi = bounded_interval(x, "negative_sentiment")
    assert lo >= 0.0 and hi <= 1.0 and lo <= m <= hi
    m, lo, hi = bounded_interval([0, 0, 12, 1], "members")
    assert lo >= 0.0 and hi > m
    # inside the bounds the usual t-interval is kept
    m, lo, hi = bounded_interval([10.0, 11.0, 12.0], "orders")
    assert lo < 10.0 and hi > 12.0


def test_ratio_without_denominator_is_undefined_not_zero():
    summary = {"spend": 0.0, "buyers": 0.0, "exposures": 10.0, "members": 0.0,
               "referred_members": 0.0, "orders": 0.0, "cac": 0.0, "roi": 0.0, "profit": 5.0,
               "gmv": 10.0}
    assert is_undefined(summary, "cac") and is_undefined(summary, "roi")
    user = user_summary(summary, money_scale=0.01)
    assert math.isnan(user["cac"]) and math.isnan(user["roi"])
    assert user["gmv"] == pytest.approx(1000.0)  # back in the budget's units
    assert user["net_profit"] == pytest.approx(500.0)


def test_different_budgets_are_named_and_incremental_profit_reported(plans):
    a, b = plans
    zero = a.with_overrides({"retailers.0.budget": 0.0, "name": "nothing"})
    cmp = compare([a, b, zero], reps=3, metric="cac")
    text = " ".join(cmp.verdict_lines())
    assert "Objective: CAC (lower is better)" in text
    assert "differ in budget" in text and "2,000,000 yuan" in text and "300,000 yuan" in text
    assert "net profit" in text and "incremental ROI" in text
    # the zero-budget plan has no CAC: undefined, ranked last, never best
    assert cmp.ranking()[-1][0] == "nothing" and math.isnan(cmp.ranking()[-1][1])
    assert "undefined" in text
    # money in the units of the budget written: spend is close to the 2,000,000 yuan budget
    spend = cmp.values("spend")[cmp.reference].mean()
    assert 0.5 * 2e6 < spend <= 2e6
    # no interval leaves its KPI's range: nothing non-negative goes below 0, no share above 1
    t = cmp.table.dropna(subset=["lo"])
    bounds = t["kpi"].map(kpi_bounds)
    assert (t["lo"] >= bounds.str[0]).all() and (t["hi"] <= bounds.str[1]).all()
    assert (t.loc[t.kpi.isin(["negative_sentiment", "members", "orders", "gmv"]), "lo"] >= 0).all()


def test_equalize_budget_rescales_to_the_reference(plans):
    a, b = plans
    same, notes = equalize_budgets([a, b])
    assert same[1].retailers[0].budget == pytest.approx(a.retailers[0].budget)
    assert same[1].retailers[0].allocation == b.retailers[0].allocation
    assert notes and "300,000" in notes[0]
    cmp = compare([a, b], reps=2, equalize="budget")
    assert "differ in budget" not in " ".join(cmp.verdict_lines())
    assert any("--equalize budget" in n for n in cmp.notes)
    ratio = cmp.values("spend").mean()
    assert ratio.iloc[1] / ratio.iloc[0] == pytest.approx(1.0, abs=0.25)
    assert np.isfinite(cmp.table["mean"]).any()
