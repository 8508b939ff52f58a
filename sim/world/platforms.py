"""Platforms: who a post reaches, algorithmic amplification, paid impressions and reach shocks.

Delivery probability of a creator's post to one follower on a given day is

    organic_reach × reach_factor × activity × min(1, P · attention_p) / content_lifetime

where ``reach_factor`` is the product of the active reach shocks (e.g. 0.58 after an algorithm
change: −42 % exposure) and a post stays deliverable for ``content_lifetime`` days
(notes/search platforms keep content alive longer than a feed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.config.scenario import PlatformSection, ShockSection
from sim.kernels.incremental import draw_weighted


@dataclass
class Platform:
    """One platform's rules and its current shock state."""

    index: int
    name: str
    cfg: PlatformSection
    reach_factor: float = 1.0
    delivered_organic: int = 0  # organic creator exposures delivered today
    shocks: list[ShockSection] = field(default_factory=list)

    def update_shocks(self, day: int) -> None:
        """Set ``reach_factor`` from the reach shocks active on ``day``."""
        self.reach_factor = shock_factor(self.shocks, day)
        self.delivered_organic = 0

    def delivery_terms(
        self, audience: np.ndarray, activity: np.ndarray, attention: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The day-independent factors of the delivery probability, per audience member:
        (activity, min(1, P · attention to this platform)). A fixed audience (a creator's
        followers) can compute them once and pass them as ``terms``."""
        n_platforms = attention.shape[1]
        return activity[audience], np.minimum(1.0, attention[audience, self.index] * n_platforms)

    def delivery_probability(
        self, audience: np.ndarray, activity: np.ndarray, attention: np.ndarray,
        terms: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Per audience member, the probability today's slice of a post reaches them."""
        act, share = terms if terms is not None else self.delivery_terms(audience, activity, attention)
        base = self.cfg.organic_reach * self.reach_factor / self.cfg.content_lifetime
        return np.clip(base * act * share, 0.0, 1.0)

    def amplified_count(self, delivered: int, engaged: int) -> int:
        """Extra non-follower exposures a post earns when early engagement clears the bar."""
        if self.cfg.amplification_factor <= 0 or delivered == 0:
            return 0
        if engaged / delivered < self.cfg.amplification_threshold:
            return 0
        return int(round(self.cfg.amplification_factor * delivered * self.reach_factor))

    def impressions_for(self, spend: float) -> int:
        """Paid impressions bought with ``spend`` yuan at this platform's CPM."""
        return int(spend / self.cfg.ad_cpm * 1000.0)


def shock_factor(shocks: list[ShockSection], day: int) -> float:
    """Product of the ``factor`` of the shocks in force on ``day`` (1 when none)."""
    factor = 1.0
    for s in shocks:
        if s.active(day):
            factor *= s.factor
    return factor


def sample_by_attention(
    pool: np.ndarray, weights: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` consumers drawn from ``pool`` with probability ∝ ``weights`` (with replacement)."""
    if count <= 0 or len(pool) == 0:
        return np.empty(0, dtype=np.int64)
    return draw_weighted(pool, np.cumsum(weights, dtype=np.float64), count, rng)
