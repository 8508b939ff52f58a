"""A/B check: the fast paths that draw differently leave the KPIs statistically unchanged.

    python benchmarks/ab_fast_paths.py [consumers] [days] [replications]   (default 10000 90 30)

Three optimisations change which random numbers are drawn (so single runs differ, not their
distribution): purchase sessions are drawn only for consumers who could buy, churn trials only
for active customers, and retailers draw their creator commissions in blocks (one call for the
creators and one for the posts' kinds and flags instead of four calls per post). This script
runs the baseline with the fast paths and with the reference versions swapped back in (a session
and a churn draw for every consumer, commissions drawn post by post), same seeds, and prints
each KPI's mean ± standard error with Welch's t-test p-value. Every other fast path is exact and
is checked for equality in ``tests/test_performance_paths.py`` and ``tests/test_fast_*.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import stats

from sim.engine import funnel
from sim.engine.agents.influencer import Commission
from sim.engine.agents.retailer import Retailer
from sim.world.content import KIND
from sim.world.population import CUSTOMER
from sim.execution.runner import run_single
from sim.config.scenario import load_scenario

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
KEYS = ["reach", "exposures", "engaged", "buyers", "orders", "gmv", "repurchase_rate", "members"]


def reference_churn(pop, beh, rng) -> None:
    """One churn trial per consumer × retailer (the pre-optimisation rule)."""
    customers = (pop.stage >= CUSTOMER) & ~pop.churned
    hazard = np.where(pop.member, beh.churn_hazard * 0.5, beh.churn_hazard)
    pop.churned |= customers & (rng.random(customers.shape) < hazard)


def reference_commission(self: Retailer, tier: str, creators: list, day: int) -> None:
    """Commissions drawn post by post: a creator, then the kind, then three flags (the
    pre-optimisation rule)."""
    rng = self.model.agent_rng
    allowance = self._pace(tier, day)
    while True:
        creator = creators[int(rng.integers(len(creators)))]
        if creator.fee > allowance or not self.book(tier, creator.fee):
            break
        allowance -= creator.fee
        kind = (int(self._kinds[np.searchsorted(self._kind_cdf, rng.random(), side="right")])
                if self._kind_cdf is not None else KIND["promo"])
        u = rng.random(3)
        circle = creator.home_circle if u[0] < self.cfg.circle_tagged else -1
        creator.commission(Commission(self.index, kind, circle, bool(u[1] < self.cfg.content_reuse),
                                      bool(u[2] < self.cfg.guanxi_framing)))
        self.targeted_circles.add(creator.home_circle)
    self.allowance[tier] = allowance


def reference_sessions(pop, rng) -> np.ndarray:
    """A session draw for every consumer (the pre-optimisation rule)."""
    return np.flatnonzero(rng.random(pop.n) < pop.activity)


FAST = (funnel.churn, funnel.purchase_sessions, Retailer._commission)


def use_reference(on: bool) -> None:
    if on:
        funnel.churn = reference_churn
        # every consumer is a purchase candidate: a session draw for each, as before
        funnel.purchase_sessions = reference_sessions
        Retailer._commission = reference_commission
    else:
        funnel.churn, funnel.purchase_sessions, Retailer._commission = FAST


def main(n: int = 10_000, days: int = 90, reps: int = 30) -> None:
    scn = load_scenario(BASELINE, {"run.consumers": n, "run.days": days})
    out = {}
    for label, ref in (("fast", False), ("reference", True)):
        use_reference(ref)
        runs = [run_single(scn, seed=1000 + s, keep_timeseries=False).summary for s in range(reps)]
        out[label] = {k: np.array([r[k] for r in runs]) for k in KEYS}
    use_reference(False)
    print(f"baseline, {n:,} consumers, {days} days, {reps} seeds per arm")
    for k in KEYS:
        a, b = out["fast"][k], out["reference"][k]
        p = stats.ttest_ind(a, b, equal_var=False).pvalue
        print(f"{k:16} fast {a.mean():12.2f} ± {a.std(ddof=1) / np.sqrt(reps):8.2f}   "
              f"reference {b.mean():12.2f} ± {b.std(ddof=1) / np.sqrt(reps):8.2f}   p = {p:.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
