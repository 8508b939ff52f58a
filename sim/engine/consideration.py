"""Consideration: an expensive product is bought only after the buyer has looked at it long
enough, and a buyer who is considering it researches it.

A consumer interested in a retailer is ready for a first order only when its memory of the
retailer (:mod:`sim.engine.awareness`: the decayed stock of views, exposure-equivalents) reaches

    needed = behaviour.consideration_memory × (price / behaviour.reference_price)

(0 turns the rule off). Everyday goods (price near the reference) need little; a product ten
times the reference price needs ten times the memory. Repurchases are not gated.

Passive views alone rarely build that much memory: at a daily retention of 0.95 a consumer
who views one of the brand's posts a day holds 20 exposure-equivalents at most, and a creator
campaign shows an interested consumer a post every few days. A buyer considering an
expensive, high-involvement purchase researches it instead (external search grows with
purchase involvement and price): every day a consumer who is interested but not yet ready
searches the product with probability ``behaviour.consideration_search``
(:func:`researchers`), and each search reads the brand's notes, adding
``behaviour.search_memory`` to its memory (:mod:`sim.engine.search`). The consideration
length — the days from interest to readiness — therefore grows with the price and shrinks
with what the consumer already remembers. Whether broad reach (head creators) or dense
repetition in a circle (small creators) wins follows from who brings consumers into
consideration and who builds the memory, not from a constant per tier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.engine.state import Context


def memory_needed(ctx: "Context") -> list[float]:
    """Per retailer, the memory a first order needs today (exposure-equivalents, ≥ 0)."""
    beh = ctx.beh
    return [beh.consideration_memory * r.price / beh.reference_price for r in ctx.retailers]


def ready(memory: np.ndarray, rows: np.ndarray, r: int, needed: float) -> np.ndarray:
    """The rows of ``rows`` whose memory of retailer ``r`` reaches ``needed``."""
    if needed <= 0 or len(rows) == 0:
        return rows
    return rows[memory[rows, r] >= needed]


def researchers(ctx: "Context", rows: np.ndarray, r: int, needed: float) -> np.ndarray:
    """Of ``rows`` (consumers interested in retailer ``r``, ascending), those still
    considering it (memory below ``needed``) who research it today: one draw from the
    funnel's random stream per considering consumer, kept below
    ``behaviour.consideration_search``."""
    rate = ctx.beh.consideration_search
    if rate <= 0 or needed <= 0 or len(rows) == 0:
        return rows[:0]
    considering = rows[ctx.awareness.memory[rows, r] < needed]
    return considering[ctx.funnel.rng.random(len(considering)) < rate]


__all__ = ["memory_needed", "ready", "researchers"]
