"""Orders placed through a commerce format (a live session, a completed group, an unlocked
assist) rather than the daily purchase draw of :mod:`sim.engine.purchases`.

They are booked like any order: on the consumers (order count, stage customer/loyal), in the
ledger at the format's price with the list price's unit cost (so a discount lowers GMV and
profit), in the attribution tallies by the buyers' touches, then satisfaction, UGC or negative
posts and community joining (:func:`sim.engine.consumer_posts.after_purchase`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import consumer_posts, funnel

if TYPE_CHECKING:
    from sim.engine.state import Context


def book_format_orders(ctx: "Context", r: int, buyers: np.ndarray, price: float) -> float:
    """Book one order of retailer ``r`` for each of ``buyers`` at ``price`` yuan; returns the
    GMV booked (yuan)."""
    if len(buyers) == 0:
        return 0.0
    pop, ret, ledger = ctx.population, ctx.retailers[r], ctx.ledger
    buyers = np.asarray(buyers, dtype=np.int64)
    first = pop.orders[buyers, r] == 0
    pur = funnel.Purchases(r, buyers, first, np.zeros(len(buyers), dtype=bool))
    funnel.record_orders(pop, pur)
    ledger.book_orders(r, len(buyers), price, ret.unit_cost)
    funnel.tally_orders(pop, pur, ledger.orders_by_platform, ledger.first_touch_orders[r],
                        ledger.last_touch_orders[r], ledger.week_last_touch[r])
    consumer_posts.after_purchase(ctx, ret, buyers)
    return len(buyers) * price


__all__ = ["book_format_orders"]
