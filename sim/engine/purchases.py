"""Purchases: today's orders drawn, booked in the ledger, and what buyers do next.

The hazards and the draw are :func:`sim.engine.funnel.decide_purchases` (first purchase of
interested consumers, repurchase of customers, one category occasion a day with several
retailers). A retailer offers coupons while its campaign runs and its coupons line can pay one
(``coupon_value`` per redeeming order, booked on the coupons line while it can). Each order is
booked in the :class:`sim.engine.ledger.Ledger` at today's price (GMV) and the list price's unit
cost (profit), and tallied by platform and channel of the buyer's touches (first touch, last
touch, and the week's last engagement the adaptive policy reads). Then the buyers' satisfaction,
posts and community joining (:mod:`sim.engine.consumer_posts`).

Members' community repurchase multiplier applies only on days the retailer runs (pays for) its
community; a membership programme adds a per-consumer multiplier
(:mod:`sim.engine.membership`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import consideration, consumer_posts, funnel, order_value, platform_funnel

if TYPE_CHECKING:
    from sim.engine.state import Context


def purchase_day(ctx: "Context", conversion) -> None:
    """Draw, book and follow up today's orders of every retailer.

    ``conversion``: per platform, the multiplier on the first-purchase hazard of consumers
    whose last touch was on it.
    """
    pop, ledger, retailers = ctx.population, ctx.ledger, ctx.retailers
    coupons = [r.coupon_available(ctx.day) for r in retailers]
    # members keep the community's repurchase boost only while the retailer runs (pays for)
    # the community today
    multipliers = [r.cfg.community.repurchase_multiplier if ctx.state.community_active[r.index]
                   else 1.0 for r in retailers]
    orders = funnel.decide_purchases(
        pop, [r.cfg for r in retailers], ctx.beh, ctx.state.atmosphere, coupons, conversion,
        ctx.rng, prices=[r.price for r in retailers], multipliers=multipliers,
        boosts=None if ctx.retail is None else ctx.retail.repurchase_boosts(),
        extra_sessions=ctx.funnel.sessions_today(), memory=ctx.awareness.memory,
        memory_needed=consideration.memory_needed(ctx),
    )
    for pur in orders:
        r, rows = pur.retailer, pur.buyers
        if len(rows) == 0:
            continue
        ret = retailers[r]
        redeemed = np.zeros(len(rows), dtype=bool)
        if coupons[r]:
            k = min(len(rows), int(ret.lines.get("coupons", 0.0) // ret.cfg.coupon_value))
            ret.book("coupons", k * ret.cfg.coupon_value)
            ledger.week_coupon_orders[r] += k
            redeemed[:k] = True
        # order counts and stages, then the attribution tallies (booking the orders below
        # changes no touch or tally)
        funnel.record_and_tally(pop, pur, ledger.orders_by_platform,
                                ledger.first_touch_orders[r], ledger.last_touch_orders[r],
                                ledger.week_last_touch[r])
        platform_funnel.book_orders(ctx, r, rows)
        basket = order_value.units(ctx, ret, rows, redeemed)
        ledger.book_orders(r, len(rows), ret.price, ret.unit_cost, units=int(basket.sum()))
        ledger.baskets[r] = (rows, basket * ret.price)
        consumer_posts.after_purchase(ctx, ret, rows)


__all__ = ["purchase_day"]
