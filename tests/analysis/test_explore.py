"""socsim explore: futures, robustness and regrets, PRIM scenario discovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.explore import (Exploration, Uncertain, discovery, discovery_sentences, explore,
                                  parse_uncertain, robustness, sample_futures)
from sim.config.scenario import ScenarioError, load_scenario


def _toy(n: int = 200, seed: int = 3) -> Exploration:
    """Plan A earns 1 when x ≥ 0.3 and 0 below; plan B always 0.5: A loses exactly when
    x < 0.3, whatever z is."""
    unc = [Uncertain("x", 0.0, 1.0), Uncertain("z", 0.0, 1.0)]
    fut = sample_futures(unc, n, "lhs", seed)
    noise = np.random.default_rng(seed).normal(0, 0.01, n)
    rows = [{"plan": "A", "future": f, "replication": 0, "x": x, "z": z,
             "roi": (1.0 if x >= 0.3 else 0.0) + e}
            for (f, x, z), e in zip(fut[["future", "x", "z"]].itertuples(index=False), noise)]
    rows += [{"plan": "B", "future": f, "replication": 0, "x": x, "z": z, "roi": 0.5}
             for f, x, z in fut[["future", "x", "z"]].itertuples(index=False)]
    return Exploration(["A", "B"], unc, fut, pd.DataFrame(rows), "roi", 0.6, pd.DataFrame())


def test_prim_recovers_the_region_where_a_plan_loses():
    ex = _toy()
    disc = discovery(ex)
    box = disc[(disc.plan == "A") & (disc.case == "loses")]
    assert list(box.key) == ["x"]  # z is irrelevant and left unrestricted
    row = box.iloc[0]
    assert row.lo == 0.0 and abs(row.hi - 0.3) <= 0.05
    assert row.coverage >= 0.9 and row.density >= 0.9 and row.winner == "B"
    text = " ".join(discovery_sentences(ex, disc))
    assert "A loses to B on roi when x < 0.3" in text


def test_robustness_matches_regrets_recomputed_by_hand():
    ex = _toy(60, seed=1)
    rob = robustness(ex).set_index("plan")
    means = ex.outcomes.pivot_table(index="future", columns="plan", values="roi")
    regret = means.max(axis=1).to_numpy()[:, None] - means.to_numpy()
    for j, plan in enumerate(means.columns):
        assert rob.loc[plan, "max_regret"] == pytest.approx(regret[:, j].max())
        assert rob.loc[plan, "mean_regret"] == pytest.approx(regret[:, j].mean())
        assert rob.loc[plan, "p10"] == pytest.approx(np.percentile(means[plan], 10))
        assert rob.loc[plan, "p_target"] == pytest.approx((means[plan] >= 0.6).mean())


def test_designs_cover_the_box_and_sobol_wants_a_power_of_two():
    unc = [Uncertain("a", 2.0, 4.0), Uncertain("b", 0.0, 1.0)]
    lhs = sample_futures(unc, 10, "lhs", 0)
    assert lhs["a"].between(2, 4).all()
    assert sorted(np.floor((lhs["a"] - 2) / 0.2).astype(int)) == list(range(10))  # one per stratum
    assert len(sample_futures(unc, 16, "sobol", 0)) == 16
    with pytest.raises(ScenarioError, match="--futures 10"):
        sample_futures(unc, 10, "sobol", 0)


def test_explore_runs_plans_in_common_futures(baseline_path):
    small = {"run.consumers": 800, "run.days": 15}
    plans = {n: load_scenario(baseline_path.parent / f"{n}.toml", small)
             for n in ("kol_head_heavy", "kol_koc_swarm")}
    unc = [parse_uncertain("behaviour.follower_trust=0.3:0.9", plans["kol_head_heavy"])]
    fut = sample_futures(unc, 3, "lhs", 0)
    ex = explore(plans, unc, fut, reps=2, metric="orders")
    out = ex.outcomes
    assert len(out) == 2 * 3 * 2
    assert list(out.columns[:4]) == ["plan", "future", "replication", "behaviour.follower_trust"]
    # the same future has the same uncertain value for every plan
    assert out.groupby("future")["behaviour.follower_trust"].nunique().eq(1).all()
    rob = robustness(ex)
    assert (rob["max_regret"] >= 0).all() and rob["wins"].sum() >= 3
    with pytest.raises(ScenarioError, match="--uncertain"):
        parse_uncertain("behaviour.follower_trust=0.3:7", plans["kol_head_heavy"])
