"""The retail hook: absent without retail sections, every KPI it adds is defined."""

from __future__ import annotations

from retail_toys import run, small

from sim.config.retail import RETAIL_KPI_DEFINITIONS
from sim.engine.metrics import KPI_DEFINITIONS
from sim.engine.model import SocialCommerceModel


def test_no_retail_systems_without_their_sections(small_baseline):
    model = SocialCommerceModel(small_baseline, seed=1)
    assert model.retail is None
    assert not set(RETAIL_KPI_DEFINITIONS) & set(model.kpis)


def test_every_retail_kpi_is_defined():
    for name in ("store_o2o_pilot", "distributor_recruitment", "membership_tiers"):
        model = run(small(name, days=5, consumers=500), 1)
        baseline = SocialCommerceModel(small(name, days=1, consumers=500).model_copy(
            update={"retailers": [r.model_copy(update={"stores": {}, "distributors": None,
                                                       "membership": None})
                                  for r in small(name).retailers]}), seed=1)
        added = set(model.kpis) - set(baseline.kpis) - {f"spend_{c}" for c in
                                                        ("stores", "distributors", "membership")}
        undefined = {k for k in added if k not in RETAIL_KPI_DEFINITIONS
                     and not k.startswith("members_by_level_") and k not in KPI_DEFINITIONS}
        assert not undefined, (name, undefined)
