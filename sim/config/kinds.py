"""Content kinds: their names, code order and the per-kind default tables of ``[behaviour]``."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Mapping

import numpy as np
from pydantic import AfterValidator, Field

CONTENT_KINDS = ("promo", "scene", "knowledge")
"""Kinds of commissioned content a retailer can order (see :mod:`sim.world.content`)."""

CONTENT_KIND_NAMES = ("promo", "scene", "knowledge", "ugc", "negative", "ad", "community")
"""Every kind of post, in kind-code order (see :mod:`sim.world.content`)."""

KIND_APPEAL = {"promo": 0.0, "scene": 0.2, "knowledge": 0.1, "ugc": 0.3, "negative": 0.0,
               "ad": -0.8, "community": 0.2}
"""Default logit shift of engagement per kind (authentic UGC engages more — F13)."""
KIND_SOCIAL_CURRENCY = {"promo": 0.6, "scene": 1.0, "knowledge": 0.9, "ugc": 1.2,
                        "negative": 1.0, "ad": 0.3, "community": 0.8}
"""Default sharing multiplier per kind (rare, scene-like content is worth sharing — F8)."""
KIND_HOMOGENEITY = {"promo": 1.0, "scene": 0.4, "knowledge": 0.5, "ugc": 0.3, "negative": 0.5,
                    "ad": 1.0, "community": 0.6}
"""Default fatigue added per exposure per kind (near-duplicate promo copy tires — F14)."""


@lru_cache(maxsize=64)
def _kind_array(items: tuple[tuple[str, float], ...]) -> np.ndarray:
    values = dict(items)
    out = np.array([values[k] for k in CONTENT_KIND_NAMES], dtype=np.float32)
    out.flags.writeable = False
    return out


_TABLES: dict[tuple, np.ndarray] = {}


def kind_table(values: Mapping[str, float]) -> np.ndarray:
    """A per-kind mapping as a read-only float32 array in kind-code order.

    Called for every post published (thousands of times a run): looked up by the mapping's
    items as they come, which is cheaper than sorting them first; at most 256 tables kept."""
    items = tuple(values.items())
    table = _TABLES.get(items)
    if table is None:
        if len(_TABLES) >= 256:
            _TABLES.clear()
        table = _TABLES[items] = _kind_array(tuple(sorted(items)))
    return table


def _kind_map(default: dict[str, float], lo: float, hi: float, what: str):
    """A per-content-kind table of numbers (unknown kinds refused, missing kinds defaulted)."""

    def check(value: Mapping[str, float]) -> dict[str, float]:
        bad = sorted(set(value) - set(CONTENT_KIND_NAMES))
        if bad:
            raise ValueError(f"unknown content kind {bad[0]!r}; allowed: {list(CONTENT_KIND_NAMES)}")
        for k, v in value.items():
            if not lo <= v <= hi:
                raise ValueError(f"{k}: {v} is outside {lo}–{hi}")
        return {**default, **value}

    return Annotated[dict[str, float], AfterValidator(check), Field(
        default_factory=lambda: dict(default), description=what)]
