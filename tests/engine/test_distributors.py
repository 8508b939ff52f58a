"""Distributors: steeper rebates keep more of them active and cost more commission; price
discipline cuts channel conflict; money and counts stay consistent every step."""

from __future__ import annotations

import numpy as np
from retail_toys import check_money, paired_means, run, small

from sim.engine.agents.distributor import Distributor

STEEP = [[0.0, 0.10], [600.0, 0.18], [1500.0, 0.25]]
FLAT = [[0.0, 0.10], [600.0, 0.11], [1500.0, 0.12]]


def test_steeper_rebates_raise_active_distributors_and_commissions():
    """At the scenario's own size (10,000 consumers, 90 days): a drive recruits ~90
    distributors there, ~15 at 2,000 consumers over 60 days, where the few who stay active
    depend more on which buyers a seed's creators brought than on the rebate steps."""
    flat = small("distributor_recruitment", days=90, consumers=10000,
                 **{"retailers.0.distributors.tiers": FLAT})
    steep = small("distributor_recruitment", days=90, consumers=10000,
                  **{"retailers.0.distributors.tiers": STEEP})
    a, b = paired_means(flat, steep, "distributors")
    assert b > a
    a, b = paired_means(flat, steep, "commissions")
    assert b > a


def test_price_discipline_cuts_channel_conflict():
    loose = small("distributor_recruitment", days=40)
    strict = small("distributor_recruitment", days=40,
                   **{"retailers.0.distributors.price_discipline": 0.8})
    a, b = paired_means(loose, strict, "channel_conflict", seeds=(1, 2))
    assert b < a


def test_invariants_every_step():
    def check(model):
        check_money(model)
        k = model.kpis
        assert k["distributors"] <= k["distributors_recruited"]
        assert 0.0 <= k["channel_conflict"] <= 1.0
        layer = model.retail.distributors[0]
        # commissions due are the rate of each seller's step times its sales
        assert k["commissions"] <= 0.25 * k["distributor_gmv"] + 1e-6
        assert layer.n == len(model.agents_by_type.get(Distributor, []))

    model = run(small("distributor_recruitment", days=35), 4, check)
    k = model.kpis
    assert k["distributors_recruited"] > 0 and k["distributor_gmv"] > 0
    agents = list(model.agents_by_type[Distributor])
    assert sum(a.active for a in agents) == k["distributors"]
    assert np.isclose(sum(a.sales_30d for a in agents),
                      model.retail.distributors[0].sales_hist.sum())


def test_no_recruits_when_the_line_is_empty():
    scn = small("distributor_recruitment", days=20,
                **{"retailers.0.allocation.distributors": 0.0})
    assert run(scn, 1).kpis["distributors_recruited"] == 0
