"""The retail hook: absent without retail sections; its KPIs are the registry's."""

from __future__ import annotations

from retail_toys import run, small

from sim.config.kpis import RETAIL_KPIS, kpi_names, lookup
from sim.engine.model import SocialCommerceModel


def test_no_retail_systems_without_their_sections(small_baseline):
    model = SocialCommerceModel(small_baseline, seed=1)
    assert model.retail is None
    assert not set(RETAIL_KPIS) & set(model.kpis)


def test_each_scenario_reports_the_registry_kpis_of_its_systems():
    expect = {"store_o2o_pilot": "store_gmv", "distributor_recruitment": "commissions",
              "membership_tiers": "members_by_level_gold"}
    for name, marker in expect.items():
        scn = small(name, days=3, consumers=500)
        model = run(scn, 1)
        assert list(model.kpis) == kpi_names(scn)  # same names, registry order
        assert marker in model.kpis and "online_gmv" in model.kpis
        for kpi in model.kpis:
            assert lookup(kpi) is not None, kpi
    assert "store_gmv" not in kpi_names(small("distributor_recruitment"))
