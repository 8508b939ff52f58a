"""Awareness as memory: a decayed stock of brand exposures with a threshold.

Every view of a retailer's content adds to the consumer's memory of that retailer (one
exposure-equivalent for scene, knowledge, UGC, community and negative posts,
``behaviour.promo_memory_weight`` for promotions and ads, which are forgotten fastest — F15).
Each morning the stock is multiplied by ``behaviour.memory_retention`` (0–1 per day). A consumer
becomes **aware** of the retailer when the stock reaches ``behaviour.awareness_threshold``
(exposure-equivalents; F15: about fifteen exposures), and an aware consumer who has not engaged
(stage still ``aware``, not a community member) forgets the brand, back to ``unaware``, when the
stock falls below it. Engaging (stage ``interested``) does not need awareness first: a consumer
who engages with a post has noticed the brand.

So frequency matters: the same number of exposures spread thinly leaves nobody aware, bunched
they cross the threshold. With retention 1, threshold 1 and weight 1 the rule is the old one
(aware at the first view, never forgotten).

State: ``memory``, float32 N×R (exposure-equivalents, ≥ 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.world.content import KIND, Exposures
from sim.world.population import AWARE, UNAWARE

if TYPE_CHECKING:
    from sim.engine.state import Context

_FAST_KINDS = (KIND["promo"], KIND["ad"])


@njit(cache=True)
def _remember(consumer, post, retailer, post_kind, fast_a, fast_b, fast_weight, threshold,
              memory, stage, aware):
    """Add each view's weight (``fast_weight`` for kinds ``fast_a``/``fast_b``, else 1; float32)
    to ``memory[consumer, retailer]`` in batch order (as ``np.add.at``), then make every viewer
    whose stock reached ``threshold`` (float32) and whose stage is below ``aware`` aware."""
    one = np.float32(1.0)
    for k in range(len(consumer)):
        kd = post_kind[post[k]]
        memory[consumer[k], retailer[k]] += fast_weight if (kd == fast_a or kd == fast_b) else one
    for k in range(len(consumer)):
        i, r = consumer[k], retailer[k]
        if stage[i, r] < aware and memory[i, r] >= threshold:
            stage[i, r] = aware
    return 0


@njit(cache=True)
def _decay_and_forget(memory, retention, threshold, stage, member, aware, unaware):
    """Multiply every stock by ``retention`` (float32), then set pairs at stage ``aware``
    whose stock is below ``threshold`` (float32) and that are not members back to
    ``unaware``: the numpy form's five passes over N×R arrays (and its temporaries) in one."""
    size = memory.size  # C-contiguous N×R arrays, walked as flat rows
    mem, st, mb = memory.reshape(size), stage.reshape(size), member.reshape(size)
    for k in range(size):  # branch-free, so that the loop vectorises
        m = mem[k] * retention
        mem[k] = m
        s = st[k]
        forget = (s == aware) & (m < threshold) & (not mb[k])
        st[k] = unaware if forget else s
    return 0


@njit(cache=True)
def _decay_all(fatigue, fatigue_decay, memory, retention, threshold, stage, member, aware,
               unaware):
    """``fatigue *= fatigue_decay`` (float32 N and float32 factor, as numpy multiplies a
    float32 array in place by a Python float), then :func:`_decay_and_forget`: the
    morning's decays in one call."""
    for i in range(len(fatigue)):
        fatigue[i] = fatigue[i] * fatigue_decay
    return _decay_and_forget(memory, retention, threshold, stage, member, aware, unaware)


class AwarenessMemory:
    """Per consumer and retailer, the memory stock (exposure-equivalents, float32 N×R)."""

    def __init__(self, n: int, n_retailers: int) -> None:
        self.memory = np.zeros((n, n_retailers), dtype=np.float32)

    def morning(self, ctx: "Context", fatigue: np.ndarray | None = None) -> None:
        """Decay the stock by ``memory_retention``; aware consumers below the threshold who
        never engaged (and are not community members) forget the brand.

        ``fatigue``: the consumers' fatigue (``population.fatigue``), when the caller wants
        it multiplied by ``behaviour.fatigue_decay`` too (the same values as ``fatigue *=
        fatigue_decay``; a float32 vector in the same compiled call as the stock)."""
        beh = ctx.beh
        pop = ctx.population
        if beh.memory_retention >= 1.0:
            if fatigue is not None:
                fatigue *= beh.fatigue_decay
            return
        # float32 throughout, as numpy multiplies and compares a float32 array with a
        # Python float (tests/engine/test_daybook_paths.py keeps the numpy form)
        retention, threshold = np.float32(beh.memory_retention), np.float32(beh.awareness_threshold)
        if fatigue is not None and fatigue.dtype == np.float32 and fatigue.ndim == 1:
            _decay_all(fatigue, np.float32(beh.fatigue_decay), self.memory, retention,
                       threshold, pop.stage, pop.member, AWARE, UNAWARE)
            return
        if fatigue is not None:
            fatigue *= beh.fatigue_decay
        _decay_and_forget(self.memory, retention, threshold, pop.stage, pop.member, AWARE,
                          UNAWARE)

    def remember(self, ctx: "Context", exp: Exposures, retailer: np.ndarray) -> None:
        """Add today's views ``exp`` (retailer of each: ``retailer``) to the stock and make
        consumers whose stock reached the threshold aware."""
        if len(exp) == 0:
            return
        beh = ctx.beh
        # one compiled pass (the numpy form, np.add.at and masks, cost ~40 µs a batch); the
        # threshold compares in float32, as numpy compares a float32 array with a Python float
        _remember(exp.consumer, exp.post, retailer, ctx.posts["kind"], _FAST_KINDS[0],
                  _FAST_KINDS[1], np.float32(beh.promo_memory_weight),
                  np.float32(beh.awareness_threshold), self.memory, ctx.population.stage,
                  AWARE)


__all__ = ["AwarenessMemory"]
