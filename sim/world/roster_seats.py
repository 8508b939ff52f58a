"""Seats of roster creators: each real creator's home circle and simulated followers.

A roster creator (:mod:`sim.config.roster`) with ``followers`` real followers, of whom a share
``real_fan_share`` are real and ``audience_share`` (``[influencers] roster_audience_share``)
belong to the simulated market, has ``k = followers · real_fan_share · audience_share ·
consumers / reference_consumers`` simulated followers (at least 1, at most everyone). They are
drawn without repeats from the creator's circle mix — ``3:0.6;7:0.3`` takes 60 % of k from
circle 3 and 30 % from circle 7 — and the rest uniformly from everyone; a plain home circle
``3`` uses the tier's ``circle_focus`` as its share; no circle draws a home circle ∝ circle size
like generated creators. Two creators crowding the same circle therefore share followers:
booking both adds less than their sizes suggest.
"""

from __future__ import annotations

import numpy as np

from sim.config.roster import Roster, RosterCreator
from sim.kernels.arrayops import sorted_unique


def follower_count(c: RosterCreator, audience_share: float, n: int,
                   reference_consumers: int) -> int:
    """Simulated followers of roster creator ``c`` in a population of ``n`` (1..n)."""
    k = c.followers * c.real_fan_share * audience_share * n / reference_consumers
    return int(min(n, max(1, round(k))))


def seat(c: RosterCreator, k: int, focus: float, order: np.ndarray, starts: np.ndarray,
         rng: np.random.Generator) -> tuple[int, np.ndarray]:
    """Home circle and follower rows (sorted int64) of one roster creator with ``k`` followers;
    ``focus`` is its tier's circle_focus (used for a plain home circle or a drawn one)."""
    n = len(order)
    mix = list(c.circle_mix)
    if not mix:
        sizes = np.diff(starts).astype(float)
        mix = [(int(rng.choice(len(sizes), p=sizes / sizes.sum())), focus)]
    parts, taken = [], 0
    for circle, share in mix:
        members = order[starts[circle]:starts[circle + 1]]
        want = int(round(k * (focus if share < 0 else share)))
        m = min(len(members), want, k - taken)
        if m > 0:
            parts.append(rng.choice(members, size=m, replace=False))
            taken += m
    parts.append(rng.integers(0, n, size=max(0, k - taken)))
    return mix[0][0], sorted_unique(np.concatenate(parts)).astype(np.int64)


def roster_seats(roster: Roster, audience_share: float, n: int, reference_consumers: int,
                 focus: dict[str, float], order: np.ndarray, starts: np.ndarray,
                 rng: np.random.Generator) -> dict[str, list[tuple[RosterCreator, int, np.ndarray]]]:
    """Per roster tier (in roster order): (creator, home circle, followers) of its creators."""
    out: dict[str, list[tuple[RosterCreator, int, np.ndarray]]] = {}
    for c in roster.creators:
        k = follower_count(c, audience_share, n, reference_consumers)
        home, followers = seat(c, k, focus[c.tier], order, starts, rng)
        out.setdefault(c.tier, []).append((c, home, followers))
    return out


__all__ = ["follower_count", "roster_seats", "seat"]
