"""Churn: customers stop buying from a retailer.

Each day every customer of a retailer who has not churned stops buying from it with
``behaviour.churn_hazard`` (community members with ``member_churn × churn_hazard``); a churned
customer never repurchases from that retailer (:mod:`sim.engine.funnel`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.config.scenario import BehaviourSection
from sim.kernels.bytescan import entries_at_least
from sim.world.population import CUSTOMER, Population


@njit(cache=True)
def _apply_churn(entries, n_cols, member, churned, u, hazard, member_hazard):
    """Set ``churned`` for the active flat entries whose draw ``u`` is below their hazard
    (``member_hazard`` for community members)."""
    for k in range(len(entries)):
        i = entries[k] // n_cols
        r = entries[k] - i * n_cols
        if u[k] < (member_hazard if member[i, r] else hazard):
            churned[i, r] = True


def churn(pop: Population, beh: BehaviourSection, rng: np.random.Generator,
          retention: np.ndarray | None = None) -> None:
    """Customers stop buying with ``churn_hazard`` a day (community members with
    ``member_churn × churn_hazard``, by default half the rate).

    One draw per active (customer, retailer) entry in row-major order, none for the rest.
    ``retention``: optional float N × R multipliers of the hazard (gamification check-ins,
    :mod:`sim.engine.gamification`); the same draws either way.
    """
    active = entries_at_least(pop.stage, CUSTOMER, unless=pop.churned)  # flat, ascending
    u = rng.random(len(active))
    if retention is not None:
        with np.errstate(divide="ignore"):
            u = u / retention.ravel()[active]  # u < h·m  ⇔  u / m < h
    _apply_churn(active, pop.stage.shape[1], pop.member, pop.churned, u,
                 float(beh.churn_hazard), float(beh.churn_hazard * beh.member_churn))


__all__ = ["churn"]
