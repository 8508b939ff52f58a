"""Direct bookings of roster creators: named creators (``[influencers] book = [...]``) and a
roster's booking log (its ``post_days`` column).

Named creators. Rule: on the first retailer's ``start_day`` every booked creator is commissioned one promo post
tagged to its home circle, published that day like any commissioned post (delivered to its
followers for the platform's content lifetime, engagement-gated amplification, sharing). Its
fee (yuan, scaled to the simulated market) is a contract: it is booked as spend on the
creator's tier channel whether or not the tier's budget line covers it, so a shortlist costs
exactly the sum of its fees. ``socsim creators pick`` evaluates sets of creators this way; a
scenario can use it to book a shortlist.

Booking log. A roster with a ``post_days`` column (:mod:`sim.config.roster`) records which of
its creators posted for the brand on which days — what a brand knows of its own past campaign.
Rule: the first retailer does not draw creators of the roster's tiers at random (its budget
lines for those tiers buy nothing by themselves); instead, on every day in a creator's
``post_days``, it commissions that creator one post per listing (kind, circle tag, reuse and
framing drawn like any commissioned post, :meth:`Retailer.commission_posts`) and books the fee as
contracted spend on the creator's tier. Calibrating on a booking log therefore conditions the
fit on the creators the brand booked and when (``socsim calibrate --roster``,
docs/calibration.md); a roster without the column books as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config.roster import scenario_roster
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


def logged_tiers(ctx: "Context") -> tuple[str, ...]:
    """The tiers a booking log fills, in scenario order (empty without a roster or without
    ``post_days``); called once when the agents exist, it hands them to the first retailer."""
    roster = scenario_roster(ctx.config) if ctx.config.roster is not None else None
    filled = set(roster.tiers) if roster is not None and roster.scheduled else set()
    tiers = tuple(t for t in ctx.creators_by_tier if t in filled)
    if tiers and ctx.retailers:
        ctx.retailers[0].logged_tiers = tiers
    return tiers


def book_logged_posts(ctx: "Context") -> int:
    """Commission today's posts of the booking log for the first retailer; returns their
    number (0 without a log or on a day nobody posted)."""
    if not ctx.retailers or not ctx.retailers[0].logged_tiers:
        return 0
    retailer, day, posts = ctx.retailers[0], ctx.day, 0
    for tier in retailer.logged_tiers:
        creators = ctx.creators_by_tier.get(tier, [])
        picks = [i for i, c in enumerate(creators) for d in c.post_days if d == day]
        if not picks:
            continue
        for i in picks:
            retailer.book_contract(tier, creators[i].fee)
        retailer.commission_posts(ctx.agent_rng, creators, np.array(picks, dtype=np.int64))
        posts += len(picks)
    return posts


__all__ = ["book_logged_posts", "book_named_creators", "logged_tiers"]
