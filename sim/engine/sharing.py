"""Word of mouth: consumers who engaged with a retailer for the first time share the post.

Each fresh engager passes the post to each of its ties the next day with probability
``sharing probability × tie trust × guanxi`` (``guanxi × guanxi_boost`` over strong ties for
posts with guanxi framing, F10), where the sharing probability is
``s0 · social_currency · kind currency · (1 − circle saturation)^γ`` (× negativity and the
retailer's damping for negative posts; :func:`sim.engine.diffusion.sharing_probability`).
In the independent-cascade reference mode the probability is the transmissibility T and the
tie trust is taken as 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import diffusion

if TYPE_CHECKING:
    from sim.engine.state import Context


def probability(ctx: "Context", sharers: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """Per sharer, the probability (0–1) of passing its post over a tie of trust 1."""
    state = ctx.state
    return diffusion.sharing_probability(
        sharers, posts, ctx.posts, ctx.population.circle, state.saturation, ctx.beh,
        state.negative_damping, state.negative_saturation)


def queue_shares(ctx: "Context", sharers: np.ndarray, shared: np.ndarray) -> None:
    """Queue for tomorrow the exposures of ``sharers`` passing the posts ``shared`` to ties."""
    if len(sharers) == 0 or ctx.graph is None:
        return
    beh = ctx.beh
    if ctx.mode == "independent_cascade":
        prob = np.full(len(sharers), ctx.config.reference.transmissibility)
        ctx.state.pending.append(diffusion.share_to_ties(
            ctx.graph, sharers, shared, prob, ctx.code["wom"], ctx.rng, use_trust=False,
            guanxi=1.0))
        return
    # the probabilities, guanxi × boost where framed (guanxi elsewhere) and the draws of
    # share_to_ties in two compiled calls (diffusion.share_exposures)
    state = ctx.state
    state.pending.append(diffusion.share_exposures(
        ctx.graph, sharers, shared, ctx.posts, ctx.population.circle, state.saturation, beh,
        state.negative_damping, state.negative_saturation, ctx.code["wom"], ctx.rng))


__all__ = ["probability", "queue_shares"]
