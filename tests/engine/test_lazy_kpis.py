"""A model that keeps no time series (``keep_timeseries = False``) computes no daily KPI
snapshot: its ``kpis``, computed when read, equal the snapshot a model that computes and
collects every day's KPIs has on the same day, and the run itself is the same."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"run.consumers": 1200, "run.days": 12}
FULL = ["baseline", "membership_tiers", "store_o2o_pilot", "distributor_recruitment",
        "live_commerce", "group_buying", "bargain_assist", "crisis_fast", "budget_adaptive"]


def scenario(name: str):
    if name.startswith("reference/"):  # small and short, with days on which nothing moves
        return load_scenario(ROOT / "scenarios" / f"{name}.toml",
                             {"run.consumers": 1500, "run.days": 25})
    return load_scenario(ROOT / "scenarios" / f"{name}.toml", SMALL)


def same(a: dict, b: dict) -> bool:
    """Same names in the same order, and bit-for-bit the same values."""
    return list(a) == list(b) and all(
        x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))
        for x, y in zip(a.values(), b.values()))


def rng_state(model: SocialCommerceModel) -> dict:
    return model.ctx.rng.bit_generator.state


@pytest.mark.parametrize("name", FULL + ["reference/bass", "reference/independent_cascade",
                                         "reference/threshold"])
def test_lazy_snapshot_equals_the_daily_one(name):
    config = scenario(name)
    daily = SocialCommerceModel(config, seed=5)
    lazy = SocialCommerceModel(config, seed=5)
    lazy.keep_timeseries = False
    snapshots = []
    while daily.running:
        daily.step()
        lazy.step()
        snapshots.append(daily.kpis)
        if lazy.day % 5 == 0:  # a read in the middle of the run changes nothing after it
            assert same(lazy.kpis, daily.kpis), lazy.day
    assert lazy.day == daily.day == config.run.days and not lazy.running
    assert same(lazy.kpis, daily.kpis)
    assert lazy.kpis is lazy.kpis  # computed once per step
    assert rng_state(lazy) == rng_state(daily)
    # the daily model collected every snapshot; the lazy one only the start's
    frame = daily.datacollector.get_model_vars_dataframe()
    assert len(frame) == config.run.days + 1
    assert list(frame.iloc[-1]) == list(snapshots[-1].values())
    assert len(lazy.datacollector.get_model_vars_dataframe()) == 1


def test_lazy_steps_compute_no_snapshot(monkeypatch):
    """The steps of a lazy model never call compute_kpis; a read calls it once."""
    import sim.engine.model as model_module

    config = scenario("baseline")
    model = SocialCommerceModel(config, seed=2)
    model.keep_timeseries = False
    calls = []
    real = model_module.compute_kpis
    monkeypatch.setattr(model_module, "compute_kpis", lambda ctx: calls.append(1) or real(ctx))
    for _ in range(4):
        model.step()
    assert calls == []
    first = model.kpis
    assert model.kpis is first and calls == [1]
    model.step()
    assert model.kpis is not first and calls == [1, 1]


def test_switching_to_daily_collection_mid_run():
    """A lazy model switched to collecting collects from then on the daily model's values
    (an idle reference day's carry-over needs yesterday's snapshot: it computes afresh)."""
    config = scenario("reference/threshold")
    daily = SocialCommerceModel(config, seed=9)
    lazy = SocialCommerceModel(config, seed=9)
    lazy.keep_timeseries = False
    for _ in range(10):
        daily.step()
        lazy.step()
    lazy.keep_timeseries = True
    while daily.running:
        daily.step()
        lazy.step()
        assert same(lazy.kpis, daily.kpis)
    a = daily.datacollector.get_model_vars_dataframe()
    b = lazy.datacollector.get_model_vars_dataframe()
    assert len(b) == 1 + config.run.days - 10
    assert b.iloc[1:].reset_index(drop=True).equals(a.iloc[11:].reset_index(drop=True))
