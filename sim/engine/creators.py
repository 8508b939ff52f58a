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


def tier_real_followers(followers: list[np.ndarray], shares: np.ndarray,
                        rng: np.random.Generator) -> list[np.ndarray]:
    """:func:`real_followers` of a tier's creators in order (``followers[i]`` kept with
    probability ``shares[i]``, 0–1) from one uniform draw: ``rng.random(total)`` is the
    stream of the creators' consecutive ``rng.random(len(followers[i]))`` calls (creators with
    a share ≥ 1 draw nothing and keep their array), so the result and the generator's state
    afterwards are those of the per-creator calls. One comparison over every follower
    instead of a draw, a comparison and a gather per creator (578 in the baseline); each
    creator's real fans are a slice of one array."""
    shares = np.asarray(shares, dtype=np.float64)
    if len(followers) != len(shares):
        raise ValueError("tier_real_followers: one share per creator")
    draws = shares < 1.0
    if not draws.any():
        return list(followers)
    lengths = np.fromiter((len(f) for f in followers), dtype=np.int64, count=len(followers))
    lengths[~draws] = 0
    flat = np.concatenate([f for f, d in zip(followers, draws.tolist()) if d])
    keep = rng.random(len(flat)) < np.repeat(shares, lengths)
    kept = flat[keep]
    # creator i's real fans: kept[bounds[i]:bounds[i + 1]] (kept before its first follower)
    before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    bounds = before[np.concatenate([[0], lengths.cumsum()])].tolist()
    return [kept[bounds[i]:bounds[i + 1]] if d else f
            for i, (f, d) in enumerate(zip(followers, draws.tolist()))]


def block_real_followers(flat: np.ndarray, offsets: np.ndarray, shares: np.ndarray,
                         rng: np.random.Generator) -> list[np.ndarray]:
    """:func:`tier_real_followers` of creators whose followers are the consecutive slices
    ``flat[offsets[i]:offsets[i + 1]]`` of one array (a world's follower block,
    :attr:`sim.world.builder.World.follower_blocks`), each kept with probability
    ``shares[i]`` (0–1): the same draws, the same generator state afterwards and equal
    arrays, without gathering the followers into one array first. A creator with a share
    ≥ 1 draws nothing, so then the per-creator path is taken."""
    shares = np.asarray(shares, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    if len(offsets) != len(shares) + 1 or offsets[-1] != len(flat):
        raise ValueError("block_real_followers: one share per creator, offsets over flat")
    bounds = offsets.tolist()
    if not (shares < 1.0).all():
        return tier_real_followers([flat[bounds[i]:bounds[i + 1]] for i in range(len(shares))],
                                   shares, rng)
    keep = rng.random(len(flat)) < np.repeat(shares, np.diff(offsets))
    kept = flat[keep]
    before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])[offsets].tolist()
    return [kept[before[i]:before[i + 1]] for i in range(len(shares))]


__all__ = ["CreatorTraits", "block_real_followers", "draw_traits", "real_followers",
           "tier_real_followers"]
