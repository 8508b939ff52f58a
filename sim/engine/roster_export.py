"""The creators of a run written as a roster: what a brand measures about the creators it booked.

A brand that fits socsim to its own past campaign knows which creators it booked and what its
creator dashboards measured about them: followers, fee, engagement rate, share of real fans,
how well their content lands (``docs/calibration.md``). A roster (:mod:`sim.config.roster`)
carries exactly these values, and a calibration that runs on the roster conditions on those
creators instead of averaging over creators drawn at random (:mod:`sim.engine.creators`).

:func:`roster_rows` turns the creators of a built model into roster rows, so that a synthetic
campaign (recovery studies, tests) comes with the roster its brand would hold. A generated
creator of tier *t* with traits (real-fan share *r*, fit *g*, quality *q*) and *m* simulated
real fans becomes the row

* ``engagement_rate = logistic(logit(t.engagement) + q)`` — the creator's own baseline rate
  (the engagement logit intercept :attr:`Influencer.b0`),
* ``content_quality = t.credibility · g`` — the credibility its posts carry,
* ``real_fan_share = r``, ``circle`` = its home circle (followers drawn with the tier's
  ``circle_focus``, like a generated creator),
* ``followers = m · reference_consumers / (r · audience_share · consumers)`` — the follower
  count a dashboard shows, so the roster seats ``m`` real fans again
  (:func:`sim.world.roster_seats.follower_count`),
* ``fee`` in the money of ``run.reference_consumers``,
* ``post_days``: the days the first retailer's posts by this creator went out so far (the
  brand's booking log; empty for a creator it did not book).

A model run on that roster therefore draws from the same distribution as the generated
creators, except that the traits are the booked creators' own rather than a fresh draw per
seed. Which consumers follow each creator is still drawn per seed (a brand does not know it).
One small difference: seating a roster creator drops followers drawn twice (from the home
circle and from everyone, :func:`sim.world.roster_seats.seat`), so a creator seated from an
exported row has a few per cent fewer simulated followers than it had (about 5 % for a head
creator followed by 15 % of the market, less for smaller ones).
"""

from __future__ import annotations

import csv
import io
import math
from typing import TYPE_CHECKING

import numpy as np

from sim.config.formats import RosterSection
from sim.config.roster import OPTIONAL, REQUIRED

if TYPE_CHECKING:
    from sim.engine.agents import Influencer
    from sim.engine.state import Context

COLUMNS = (*REQUIRED, *OPTIONAL)
"""Roster columns in the order :func:`roster_csv` writes them."""
MIN_SHARE = 1e-6
"""Smallest real-fan share written (the roster requires a share > 0)."""


def _row(c: "Influencer", index: int, ctx: "Context", audience_share: float,
         days: np.ndarray) -> dict:
    run = ctx.config.run
    real = min(1.0, max(MIN_SHARE, float(c.real_fans)))
    followers = len(c.followers) * run.reference_consumers / (real * audience_share
                                                              * ctx.population.n)
    return {
        "creator_id": c.creator_id or f"{c.tier}-{index:03d}",
        "platform": c.platform.name,
        "tier": c.tier,
        "followers": max(1, int(round(followers))),
        "fee": c.fee / ctx.money_scale,
        "engagement_rate": 1.0 / (1.0 + math.exp(-c.b0)),
        "circle": str(int(c.home_circle)),
        "real_fan_share": real,
        "content_quality": min(1.0, max(0.0, float(c.credibility))),
        "post_days": ";".join(str(int(d)) for d in days),
    }


def roster_rows(ctx: "Context", tiers: list[str] | None = None) -> list[dict]:
    """One roster row per creator of ``tiers`` (default: every tier a retailer's budget funds),
    tiers in scenario order. A roster creator keeps its
    id and, since its followers are already real fans only, a real-fan share of 1."""
    by_tier = ctx.creators_by_tier
    if tiers is None:
        tiers = [t for t in by_tier if any(r.cfg.allocation.get(t, 0.0) > 0
                                           and t not in r.cfg.disabled_channels
                                           for r in ctx.retailers)]
    unknown = [t for t in tiers if t not in by_tier]
    if unknown:
        raise ValueError(f"tiers: {unknown[0]!r} has no creators in this run; "
                         f"allowed: {list(by_tier)}")
    roster = ctx.config.roster
    share = roster.audience_share if roster is not None else \
        RosterSection.model_fields["audience_share"].default
    posts = ctx.posts
    mine = posts["retailer"] == 0
    author, channel, day = posts["author"][mine], posts["channel"][mine], posts["day"][mine]
    return [_row(c, i, ctx, share,
                 np.sort(day[(author == c.unique_id) & (channel == c.channel)]))
            for t in tiers for i, c in enumerate(by_tier[t])]


def roster_csv(rows: list[dict]) -> str:
    """Roster rows as CSV text (:data:`COLUMNS`; numbers to 9 significant digits)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: (f"{v:.9g}" if isinstance(v, float) else v) for k, v in row.items()})
    return out.getvalue()


__all__ = ["COLUMNS", "roster_csv", "roster_rows"]
