"""Consideration: an expensive product is bought only after the buyer has looked at it long
enough.

A consumer interested in a retailer is ready for a first order only when its memory of the
retailer (:mod:`sim.engine.awareness`: the decayed stock of views, exposure-equivalents) reaches

    needed = behaviour.consideration_memory × (price / behaviour.reference_price)

(0 turns the rule off). Everyday goods (price near the reference) need little; a product ten
times the reference price needs ten times the memory, so a high-involvement purchase follows
repeated exposure, search and content seen over days — the consideration length — and whether
broad reach (head creators) or dense repetition in a circle (small creators) wins follows from
who builds that memory, not from a constant per tier. Repurchases are not gated.
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


__all__ = ["memory_needed", "ready"]
