"""Asking ties: the shared step of group buying and assist sharing.

A consumer who starts a group or an assist request sends it to ``m`` of its ties, drawn
uniformly with replacement from its CSR row (duplicates dropped, so a consumer with few ties
asks fewer than ``m``). Each ask is an exposure for the friend on a post of the retailer (the
``wom`` channel, the tie's trust), answered by the friend on a day drawn uniformly in the
request's open window. All vectorised over today's askers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.world.content import KIND, Exposures

if TYPE_CHECKING:
    from sim.engine.state import Context
    from sim.world.graph import SocialGraph


def sample_ties(graph: "SocialGraph", askers: np.ndarray, m: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to ``m`` distinct ties of each asker: (asker index into ``askers``, friend row,
    tie trust), asker by asker."""
    askers = np.asarray(askers, dtype=np.int64)
    deg = (graph.indptr[askers + 1] - graph.indptr[askers]).astype(np.int64)
    has = np.flatnonzero(deg > 0)
    if len(has) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)
    who = np.repeat(has, m)
    slot = graph.indptr[askers[who]] + (rng.random(len(who)) * deg[who]).astype(np.int64)
    pair = np.unique(who * (int(graph.indptr[-1]) + 1) + slot)  # distinct (asker, tie)
    who, slot = pair // (int(graph.indptr[-1]) + 1), pair % (int(graph.indptr[-1]) + 1)
    return who, graph.indices[slot].astype(np.int64), graph.trust[slot]


def ask_platform(ctx: "Context", r: int) -> int:
    """Platform asks travel on: the retailer's community platform, else the first platform."""
    name = ctx.retailers[r].cfg.community.platform
    return ctx.platform_by_name[name].index if name else 0


def ask_exposures(ctx: "Context", r: int, platform: int, friends: np.ndarray,
                  trust: np.ndarray) -> Exposures:
    """The asks as exposures: one promo post of retailer ``r`` on ``platform`` (the retailer's
    community platform: asks travel over messaging), ``wom`` channel."""
    post = ctx.publish(retailer=r, platform=platform, channel=ctx.code["wom"], kind=int(KIND["promo"]),
                       circle=-1, credibility=ctx.beh.ugc_credibility, b0=ctx.beh.b0, author=-1)
    return Exposures(friends, np.full(len(friends), post, np.int64),
                     np.asarray(trust, np.float32),
                     np.full(len(friends), ctx.code["wom"], np.int8))


__all__ = ["ask_exposures", "ask_platform", "sample_ties"]
