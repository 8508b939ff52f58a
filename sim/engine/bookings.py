"""Direct bookings of named roster creators (``[influencers] book = [...]``).

Rule: on the first retailer's ``start_day`` every booked creator is commissioned one promo post
tagged to its home circle, published that day like any commissioned post (delivered to its
followers for the platform's content lifetime, engagement-gated amplification, sharing). Its
fee (yuan, scaled to the simulated market) is a contract: it is booked as spend on the
creator's tier channel whether or not the tier's budget line covers it, so a shortlist costs
exactly the sum of its fees. ``socsim creators pick`` evaluates sets of creators this way; a
scenario can use it to book a shortlist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.engine.agents.influencer import Commission
from sim.world.content import KIND

if TYPE_CHECKING:
    from sim.engine.state import Context


def book_named_creators(ctx: "Context") -> int:
    """Commission the booked roster creators if today is the first retailer's start day;
    returns the number of posts commissioned (0 on other days or without bookings)."""
    section = ctx.config.roster
    if section is None or not section.book or not ctx.retailers:
        return 0
    retailer = ctx.retailers[0]
    if ctx.day != retailer.cfg.start_day:
        return 0
    by_id = {c.creator_id: c for creators in ctx.creators_by_tier.values()
             for c in creators if c.creator_id}
    for cid in section.book:
        creator = by_id[cid]
        retailer.book_contract(creator.tier, creator.fee)
        creator.commission(Commission(retailer.index, int(KIND["promo"]), creator.home_circle))
        retailer.targeted_circles.add(creator.home_circle)
    return len(section.book)


__all__ = ["book_named_creators"]
