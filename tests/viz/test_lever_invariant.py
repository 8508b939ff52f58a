"""Workshop levers act by mechanism: moving a lever on day d gives the run of a scenario that
has that value from day d + 1 (same seed, same world).

Two oracles, both independent of the workshop's lever code:

* **day 0** — a lever moved before the first step must give exactly the run of a model built
  from scratch with the new scenario value (nothing derived at build time may keep the old
  value: response coefficients, ties, the social-proof tracker, the budget lines);
* **day d > 0** — the workshop run must equal a plain :class:`SocialCommerceModel` that runs d
  days and then adopts the scenario with the new value written as scenario keys by hand
  (:meth:`SocialCommerceModel.revise`, the engine's entry point a scheduled scenario change
  uses); and it must equal the unchanged run through day d and differ from it afterwards.

The algorithm-change button has a third, fully independent oracle: a scenario whose
``[[shocks]]`` table holds the same reach shock from day d + 1.

Runs are compared on every KPI of every day (the DataCollector's series), never on
configured values.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import Scenario, ScenarioError, load_scenario
from sim.engine.diffusion import atmosphere
from sim.engine.model import SocialCommerceModel
from sim.world.population import INTERESTED
from sim.viz.workshop import Levers, WorkshopModel, WorkshopSettings, koc_tier

ROOT = Path(__file__).resolve().parents[2]
CONSUMERS, DAYS, SEED, D = 1500, 16, 3, 6


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> WorkshopSettings:
    path = tmp_path_factory.mktemp("levers") / "short.toml"
    path.write_text(f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[run]\ndays = {DAYS}\n')
    return WorkshopSettings(scenario=path, consumers=CONSUMERS, max_shown=300)


@pytest.fixture(scope="module")
def base(settings) -> Scenario:
    return settings.base_scenario()


def series(model: SocialCommerceModel) -> dict[str, np.ndarray]:
    """Every KPI's daily series (day 0 .. the model's day)."""
    return {k: np.asarray(v, dtype=float) for k, v in model.datacollector.model_vars.items()}


def run(model: SocialCommerceModel, days: int) -> SocialCommerceModel:
    for _ in range(days):
        model.step()
    return model


def assert_same_run(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    differ = [k for k in a if not np.array_equal(a[k], b[k])]
    assert differ == [], f"KPIs that differ: {differ[:8]}"


def differs_after(a: dict, b: dict, day: int) -> list[str]:
    """KPIs equal through ``day`` in both runs and different afterwards."""
    for k in a:
        assert np.array_equal(a[k][: day + 1], b[k][: day + 1]), k
    return [k for k in a if not np.array_equal(a[k], b[k])]


def creator_money_to_koc(base: Scenario) -> dict[str, float]:
    """The base allocation with every creator-tier share moved to the smallest tier."""
    alloc = dict(base.retailers[0].allocation)
    tiers = [t for t in alloc if t in base.influencers]
    koc = koc_tier(base)
    total = sum(alloc[t] for t in tiers)
    alloc.update({t: 0.0 for t in tiers})
    alloc[koc] = total
    return alloc


# lever moved, its new position, and the same change written as scenario keys by hand
def cases(base: Scenario) -> dict[str, tuple[dict, dict]]:
    g, b = base.graph, base.behaviour
    return {
        "fatigue": ({"fatigue": 1.5}, {"behaviour.b_fatigue": 1.5}),
        "sharing": ({"sharing": 0.8}, {"behaviour.s0": 0.8}),
        "social_currency": ({"social_currency": 2.5}, {"behaviour.social_currency": 2.5}),
        "trust": ({"trust": 0.5}, {"graph.trust_strong": 0.5 * g.trust_strong,
                                   "graph.trust_weak": 0.5 * g.trust_weak,
                                   "behaviour.follower_trust": 0.5 * b.follower_trust}),
        "mixing": ({"mixing": 0.7}, {"graph.mixing": 0.7}),
        "koc_share": ({"koc_share": 1.0}, {"retailers.0.allocation": creator_money_to_koc(base)}),
        "budget": ({"budget": 0.25 * base.retailers[0].budget},
                   {"retailers.0.budget": 0.25 * base.retailers[0].budget}),
    }


LEVERS = ["fatigue", "sharing", "social_currency", "trust", "mixing", "koc_share", "budget"]


def test_every_lever_is_tested(base):
    assert set(LEVERS) == set(cases(base)) == set(Levers.__dataclass_fields__)


def test_untouched_workshop_is_the_scenario_run(settings, base):
    """The workshop world without a lever moved is the plain model's world."""
    shown = run(WorkshopModel(settings, seed=SEED), DAYS)
    plain = run(SocialCommerceModel(base, seed=SEED), DAYS)
    assert_same_run(series(shown), series(plain))


@pytest.mark.parametrize("lever", LEVERS)
def test_lever_on_day_0_is_a_scenario_with_that_value(settings, base, lever):
    moves, keys = cases(base)[lever]
    m = WorkshopModel(settings, seed=SEED)
    m.set_levers(replace(m.levers, **moves))
    fresh = SocialCommerceModel(base.with_overrides(keys), seed=SEED)
    assert_same_run(series(run(m, DAYS)), series(run(fresh, DAYS)))


@pytest.mark.parametrize("lever", LEVERS)
def test_lever_on_day_d_is_a_scenario_revised_on_day_d(settings, base, lever):
    moves, keys = cases(base)[lever]
    m = run(WorkshopModel(settings, seed=SEED), D)
    m.set_levers(replace(m.levers, **moves))
    reference = run(SocialCommerceModel(base, seed=SEED), D)
    reference.revise(base.with_overrides(keys))
    moved = series(run(m, DAYS - D))
    assert_same_run(moved, series(run(reference, DAYS - D)))
    unchanged = series(run(SocialCommerceModel(base, seed=SEED), DAYS))
    assert "daily_engagements" in differs_after(moved, unchanged, D)  # the lever did something


def test_fatigue_lever_lowers_engagement(settings):
    """The reported bug: the Fatigue slider changed model.beh but not the response rule."""
    low, high = WorkshopModel(settings, seed=SEED), WorkshopModel(settings, seed=SEED)
    high.set_levers(replace(high.levers, fatigue=2.0))
    run(low, DAYS), run(high, DAYS)
    eng = {id(m): series(m)["daily_engagements"][2:].sum() for m in (low, high)}
    assert eng[id(high)] < 0.8 * eng[id(low)]


def test_rewired_ties_carry_social_proof(settings):
    """The reported bug: after a rebuild the social-proof tracker counted the old ties. After
    a rewiring, each consumer's social proof must be the engaged share of the NEW ties."""
    m = run(WorkshopModel(settings, seed=SEED), D)
    m.set_levers(replace(m.levers, mixing=0.9))
    run(m, 1)
    m._morning()  # tomorrow's social proof, from the incremental tracker
    full = atmosphere(m.graph.adjacency(), m.population.stage >= INTERESTED, m.degree)
    assert np.allclose(m.atm, full)


def test_algorithm_change_is_a_scheduled_reach_shock(settings, base):
    m = run(WorkshopModel(settings, seed=SEED), D)
    platform = m.main_platform
    m.algorithm_change(0.58)
    shocks = [*(s.model_dump() for s in base.shocks),
              {"kind": "reach", "day": D + 1, "platform": platform, "factor": 0.58}]
    scheduled = Scenario.model_validate({**base.model_dump(), "shocks": shocks})
    reference = SocialCommerceModel(scheduled, seed=SEED)
    assert_same_run(series(run(m, DAYS - D)), series(run(reference, DAYS)))


def test_revision_refuses_what_cannot_change_mid_run(base):
    m = SocialCommerceModel(base, seed=SEED)
    with pytest.raises(ScenarioError, match="population: cannot be revised"):
        m.revise(base.with_overrides({"population.circles": 7}))
    with pytest.raises(ScenarioError, match=r"retailers\.0\.price: cannot be revised"):
        m.revise(base.with_overrides({"retailers.0.price": 10.0}))


def test_budget_lever_keeps_switched_off_channels_off(base):
    """A revised budget is re-split over the allocation; channels the scenario switched off
    stay off (the same run as a scenario with that budget from the start)."""
    off = base.with_overrides({"retailers.0.disabled_channels": ["ads"]})
    budget = 0.5 * off.retailers[0].budget
    revised = SocialCommerceModel(off, seed=SEED)
    revised.revise(off.with_overrides({"retailers.0.budget": budget}))
    fresh = SocialCommerceModel(off.with_overrides({"retailers.0.budget": budget}), seed=SEED)
    a, b = series(run(revised, DAYS)), series(run(fresh, DAYS))
    assert_same_run(a, b)
    assert a["spend_ads"].max() == 0.0
