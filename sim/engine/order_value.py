"""Order value: how many units an order holds, so that AOV and GMV respond to coupons and price.

Each order holds ``1 + K`` units, ``K ~ Poisson(λ)`` with

    λ = behaviour.extra_units × exp(behaviour.deal_response × price_sensitivity
                                    × (discount + coupon) / reference_price)

where ``discount`` is list price − today's price (yuan, > 0 during a price cut) and ``coupon``
the coupon value redeemed with the order (yuan, 0 without one): a deal makes buyers stock up
(the same response as the repurchase stock-up of :mod:`sim.engine.funnel`). GMV is Σ units ×
today's price and profit Σ units × (price − unit cost), so the average order value
(``aov`` = GMV / orders) rises with the price and with deals that fill baskets.
Draws come from the funnel's random stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context


def units(ctx: "Context", ret: "Retailer", buyers: np.ndarray, coupon: np.ndarray) -> np.ndarray:
    """Units in each order of ``buyers`` (int64 ≥ 1); ``coupon`` marks orders redeeming one."""
    beh = ctx.beh
    if beh.extra_units <= 0 or len(buyers) == 0:
        return np.ones(len(buyers), dtype=np.int64)
    deal = max(0.0, ret.cfg.price - ret.price) + ret.cfg.coupon_value * coupon
    lam = beh.extra_units * np.exp(beh.deal_response * ctx.population.price_sensitivity[buyers]
                                   * deal / beh.reference_price)
    return 1 + ctx.funnel.rng.poisson(lam)


__all__ = ["units"]
