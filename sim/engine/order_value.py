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
from numba import njit

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context


def units(ctx: "Context", ret: "Retailer", buyers: np.ndarray, coupon: np.ndarray) -> np.ndarray:
    """Units in each order of ``buyers`` (int64 ≥ 1); ``coupon`` marks orders redeeming one."""
    beh = ctx.beh
    if beh.extra_units <= 0 or len(buyers) == 0:
        return np.ones(len(buyers), dtype=np.int64)
    sensitivity = ctx.population.price_sensitivity
    x = _deal_exponent(np.asarray(buyers, dtype=np.int64), sensitivity,
                       np.asarray(coupon, dtype=np.bool_),
                       sensitivity.dtype.type(beh.deal_response),
                       max(0.0, ret.cfg.price - ret.price), float(ret.cfg.coupon_value),
                       float(beh.reference_price))
    lam = beh.extra_units * np.exp(x)
    return 1 + poisson(ctx.funnel.rng, lam)


def poisson(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """``rng.poisson(lam)`` (int64): a day's few orders one scalar call each (the same draws
    in the same order, without the array call's broadcasting set-up), more in one call."""
    if len(lam) > _SCALAR_POISSON:
        return rng.poisson(lam)
    draw = rng.poisson
    return np.array([draw(x) for x in lam.tolist()], dtype=np.int64)


_SCALAR_POISSON = 8  # up to this many orders, scalar calls are cheaper


@njit(cache=True)
def _deal_exponent(buyers, sensitivity, coupon, deal_response, price_cut, coupon_value,
                   reference_price):
    """``deal_response · sensitivity[buyers] · deal / reference_price`` per order with
    ``deal = price_cut + coupon_value · coupon`` (yuan): the product of ``deal_response``
    (of ``sensitivity``'s type) and the sensitivity in that type, the rest in float64, as
    numpy evaluates ``beh.deal_response * sensitivity[buyers] * deal / reference_price``."""
    out = np.empty(len(buyers), dtype=np.float64)
    for k in range(len(buyers)):
        deal = price_cut + coupon_value * (1.0 if coupon[k] else 0.0)
        out[k] = np.float64(deal_response * sensitivity[buyers[k]]) * deal / reference_price
    return out


__all__ = ["units"]
