"""The KPI registry: it names exactly the KPIs a run reports, without building a model, and its
kinds, directions and bounds hold for what runs actually report."""

from __future__ import annotations

import pytest

from sim.config.kpis import (CORE_KPIS, FAMILIES, LOWER_IS_BETTER, kpi_info, kpi_label, kpi_names,
                             kpis, lookup)
from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel

SCENARIOS = ["baseline", "price_war", "platform_diversified", "reference/bass",
             "reference/independent_cascade", "reference/threshold"]
"""Campaigns (one retailer, two retailers, an extra tier) and every reference mode."""


def _small(name: str):
    return load_scenario(name, {"run.consumers": 600, "run.days": 4})


@pytest.fixture(scope="module", params=SCENARIOS)
def stepped(request):
    scn = _small(request.param)
    model = SocialCommerceModel(scn, seed=3)
    for _ in range(scn.run.days):
        model.step()
    return scn, model


def test_registry_names_exactly_what_a_run_reports(stepped):
    scn, model = stepped
    reported = set(model.kpis)
    registered = set(kpi_names(scn))
    assert reported - registered == set(), "computed but not in sim/config/kpis.py"
    assert registered - reported == set(), "registered but not computed"
    collected = model.datacollector.get_model_vars_dataframe()
    assert list(collected.columns) == kpi_names(scn)  # timeseries columns in registry order


def test_reported_values_respect_registered_bounds_and_kinds(stepped):
    scn, model = stepped
    for k in kpis(scn):
        value = model.kpis[k.name]
        low, high = k.bounds
        assert low <= value <= high, f"{k.name} = {value} outside {k.bounds}"
        if k.kind == "count":
            assert value == int(value), f"{k.name} is a count but reported {value}"


def test_kpi_names_build_no_model(monkeypatch):
    """Listing a scenario's KPIs reads the registry only (analysis needs no model for it)."""
    def refuse(*_a, **_k):
        raise AssertionError("a model was built to learn KPI names")

    monkeypatch.setattr(SocialCommerceModel, "__init__", refuse)
    names = kpi_names(_small("price_war"))
    assert {"brand_share", "rival_gmv", "spend_head", "reach_wom", "orders_chat"} <= set(names)


def test_families_follow_the_scenarios_names():
    scn = _small("baseline").with_overrides({"influencers.micro.count": 5,
                                              "influencers.micro.platform": "notes"})
    names = kpi_names(scn)
    assert "spend_micro" in names and "reach_micro" in names
    assert "spend_wom" not in names and "reach_wom" in names  # organic: reach, no spend
    assert not any(n.endswith("_share") and n != "ugc_share" for n in names)  # one retailer
    bass = kpi_names(_small("reference/bass"))
    assert "spend_head" not in bass and "spend_ads" in bass  # reference modes have no tiers


def test_every_kpi_is_fully_described():
    for k in [*CORE_KPIS.values(), *kpis(_small("price_war"))]:
        assert k.label and k.definition, k.name
        assert k.direction in ("higher", "lower", "neither")
        assert k.kind in ("count", "money", "ratio", "share")
        assert k.bounds[0] < k.bounds[1]
        if k.kind == "share":
            assert k.bounds == (0.0, 1.0)
        if k.kind == "money":
            assert k.unit.startswith("yuan")


def test_lookup_without_a_scenario():
    assert kpi_info("spend_tv").is_money and kpi_info("spend_tv").family == "spend_{x}"
    assert kpi_info("rival_share").is_ratio and kpi_info("rival_gmv").is_money
    assert kpi_label("spend_ads") == "spend on paid ads"
    assert kpi_label("roi") == "ROI" and kpi_info("roi").title.startswith("ROI = ")
    assert lookup("stage_bogus") is None and lookup("no_such_kpi") is None
    assert kpi_label("no_such_kpi") == "no such kpi"
    assert LOWER_IS_BETTER == {"cac", "negative_sentiment", "platform_dependence", "platform_hhi",
                               "cost_per_member", "cpm", "cpc", "cpe"}


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.pattern)
def test_family_patterns_round_trip(family):
    x = "loyal" if family.over == "stage" else "x1"
    made = family.make(x)
    assert family.match(made.name) == x
    assert lookup(made.name) == made  # found again by name alone, as the same family
