"""Compiled crediting of a retailer's orders in the platform funnel
(:func:`sim.engine.platform_funnel.book_orders`).

A retailer's buyers of one day are a few to a few hundred rows; the numpy form (two fancy
gathers on N×R arrays, a comparison, a count, a mask, a ``bincount`` and a column add) pays
about ten per-call overheads for each retailer every day. This loop does the same counts in
one pass; ``tests/kernels/test_orders.py`` compares it with the numpy expressions.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def credit_orders(buyers, retailer, last_click_day, since, last_creator, creator_counts, col):
    """Orders of ``buyers`` (consumer rows, int64) at retailer ``retailer``.

    Adds one to ``creator_counts[c, col]`` for each buyer whose last engaged creator
    ``last_creator[b, retailer]`` is a creator ``c ≥ 0`` (in place); returns the number of
    buyers whose last click on the retailer came after day ``since``
    (``last_click_day[b, retailer] > since``: the click-attributed orders)."""
    n_recent = 0
    for b in buyers:
        if last_click_day[b, retailer] > since:
            n_recent += 1
        c = last_creator[b, retailer]
        if c >= 0:
            creator_counts[c, col] += 1
    return n_recent
