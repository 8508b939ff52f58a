"""Creator heterogeneity: creators of one tier differ in audience quality, content quality and
fit to the product.

Drawn once per run for every creator (from the run's creator stream, so a world shared by
several runs gets the same creators under the same seed):

* **real-fan share** ``f ~ Beta(m·κ, (1 − m)·κ)``, ``m = behaviour.creator_real_fans``,
  ``κ = behaviour.creator_spread``: the share of followers who are real, active fans; the rest
  (bought or inactive followers) are never delivered to, so the creator's impressions per yuan
  shrink with it;
* **fit** ``g ~ Beta(m·κ, (1 − m)·κ)``, ``m = behaviour.creator_fit``: how well the creator's
  audience and persona fit the product; the creator's posts carry credibility ``tier
  credibility × g`` (the b_cred term of the engagement logit and the source trust of a
  purchase);
* **content quality** ``q ~ Normal(0, behaviour.creator_quality_sd)``: a shift of the
  creator's engagement logit (b0 = logit(tier engagement) + q).

A mean of 1 (or sd 0) draws no spread and leaves the tier's configured values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.scenario import BehaviourSection


@dataclass(frozen=True)
class CreatorTraits:
    """Per creator of one tier: real-fan share (0–1), fit (0–1), quality (logit shift)."""

    real_fans: np.ndarray
    fit: np.ndarray
    quality: np.ndarray


def _beta(rng: np.random.Generator, mean: float, spread: float, n: int) -> np.ndarray:
    if mean >= 1.0:
        return np.ones(n)
    if mean <= 0.0:
        return np.zeros(n)
    return rng.beta(mean * spread, (1.0 - mean) * spread, size=n)


def draw_traits(beh: BehaviourSection, n: int, rng: np.random.Generator) -> CreatorTraits:
    """Traits of ``n`` creators of one tier (see the module docstring)."""
    real = _beta(rng, beh.creator_real_fans, beh.creator_spread, n)
    fit = _beta(rng, beh.creator_fit, beh.creator_spread, n)
    quality = (rng.normal(0.0, beh.creator_quality_sd, n) if beh.creator_quality_sd > 0
               else np.zeros(n))
    return CreatorTraits(real, fit, quality)


def real_followers(followers: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """The real fans among ``followers``: each kept with probability ``share``."""
    if share >= 1.0:
        return followers
    return followers[rng.random(len(followers)) < share]


__all__ = ["CreatorTraits", "draw_traits", "real_followers"]
