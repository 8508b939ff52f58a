"""Search after seeding: consumers who engaged with a brand's content look it up later.

Each day every consumer interested in a retailer (engaged, not yet a customer) searches for it
with probability

    P(search) = behaviour.search_rate × m / (m + behaviour.search_memory_half)

where ``m`` is the consumer's memory of the retailer (:mod:`sim.engine.awareness`: the decayed
stock of seeded content seen, exposure-equivalents) — the more seeded notes and videos it has
seen recently, the likelier it searches (F4: notes drive search). The search runs on the
retailer's ``search_platform`` (a notes platform).

* **Sponsored result**: if the retailer funds a ``search`` line, the searcher sees its search ad
  (an impression of the ``search`` channel) and clicks it with probability
  ``behaviour.search_ad_click``. Each click costs the platform's ``search_cpc`` yuan, paid from
  the line at the line's daily pace (clicks the day's allowance cannot pay are not shown). A
  click is a touch and an engagement credited to ``search`` (first touch if none, last touch,
  last engagement: search takes last-touch credit from the seeding that caused it) and a
  product-page visit today.
* **Organic result**: a searcher who did not click a sponsored result opens the brand's
  notes and product page with probability ``behaviour.search_organic_click``: a product-page
  visit today, with the credit left to the content that seeded it.

* **Research**: a consumer considering an expensive product (interested, memory below what its
  price needs) also searches it with probability ``behaviour.consideration_search``
  (:mod:`sim.engine.consideration`); every searcher reads the brand's notes in the results,
  adding ``behaviour.search_memory`` exposure-equivalents to its memory.

Draws come from the funnel's random stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from sim.engine import consideration
from sim.engine.bitdraws import next_double, source
from sim.world.population import INTERESTED
from sim.kernels.arrayops import sorted_union
from sim.kernels.rowscan import (_B3, _U1, _byte_hits, _one_column, column_words, count_equal,
                                 credit_clicks, memory_searchers, memory_searchers_of,
                                 organic_visitors, rows_equal, sponsored_clicks,
                                 threshold_add)

if TYPE_CHECKING:
    from sim.engine.agents import Retailer
    from sim.engine.state import Context


def searchers(ctx: "Context", r: int, needed: float = 0.0) -> np.ndarray:
    """Consumers interested in retailer ``r`` who search for it today (ascending rows): those
    whose memory of seeded content prompts a search, and those still considering it (memory
    below ``needed``) who research it (:func:`sim.engine.consideration.researchers`)."""
    beh, pop = ctx.beh, ctx.population
    if beh.consideration_search <= 0 or needed <= 0:  # no research: the rows are not needed
        if beh.search_rate <= 0:
            return _NO_ROWS
        rng, stage = ctx.funnel.rng, pop.stage
        src = source(rng)
        if src is not None and _one_column(stage):  # the draws made in the scan
            return _memory_searchers_drawn(src[0], src[1], src[2], stage, _ADD_LO, _ADD_HI,
                                           ctx.awareness.memory, float(beh.search_rate),
                                           float(beh.search_memory_half))
        u = rng.random(count_equal(stage, r, INTERESTED))
        return memory_searchers_of(stage, r, INTERESTED, u, ctx.awareness.memory,
                                   float(beh.search_rate), float(beh.search_memory_half))
    rows = rows_equal(pop.stage, r, INTERESTED)
    if len(rows) == 0:
        return rows
    seeded = rows[:0]
    if beh.search_rate > 0:  # P = search_rate · m / (m + search_memory_half), m = memory
        seeded = memory_searchers(rows, ctx.funnel.rng.random(len(rows)), ctx.awareness.memory,
                                  r, float(beh.search_rate), float(beh.search_memory_half))
    research = consideration.researchers(ctx, rows, r, needed)
    return sorted_union(seeded, research) if len(research) else seeded


_NO_ROWS = np.empty(0, dtype=np.int64)
_ADD_LO, _ADD_HI = threshold_add(INTERESTED), threshold_add(INTERESTED + 1)


@njit(cache=True)
def _memory_searchers_drawn(u32, dbl, state, codes, add_lo, add_hi, memory, rate, half):
    """``memory_searchers_of(codes, 0, INTERESTED, rng.random(count_equal(codes, 0,
    INTERESTED)), memory, rate, half)`` for one C-contiguous column of byte codes (N×1),
    drawing from the bit generator ``(u32, dbl, state)`` (:func:`sim.engine.bitdraws.source`)
    as the interested consumers are met (ascending): the same draws, one scan instead of a
    count, a draw call and a scan. ``add_lo``/``add_hi``: the byte-scan additions of
    INTERESTED and INTERESTED + 1."""
    src = (u32, dbl, state)
    n = codes.shape[0]
    nw = n // 8
    words = column_words(codes)
    out = np.empty(n, dtype=np.int64)
    k = 0
    for w in range(nw):
        hit = _byte_hits(words[w], add_lo) & ~_byte_hits(words[w], add_hi)
        while hit:
            i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            m = np.float64(memory[i, 0])
            out[k] = i
            k += next_double(src) < rate * m / (m + half)
            hit &= hit - _U1
    for i in range(8 * nw, n):
        if codes[i, 0] == INTERESTED:
            m = np.float64(memory[i, 0])
            out[k] = i
            k += next_double(src) < rate * m / (m + half)
    return out[:k].copy()


def search_day(ctx: "Context") -> None:
    """Today's searches of every retailer: sponsored clicks (paid, credited to ``search``) and
    organic visits; both open a product-page session today. Every searcher reads the brand's
    notes: ``behaviour.search_memory`` more exposure-equivalents of memory."""
    beh = ctx.beh
    if beh.search_rate <= 0 and beh.consideration_search <= 0:
        return
    needed = consideration.memory_needed(ctx)
    for ret in ctx.retailers:
        rows = searchers(ctx, ret.index, needed[ret.index])
        if len(rows) == 0:
            continue
        if beh.search_memory > 0:
            _add_memory(ctx.awareness.memory, rows, ret.index,
                        ctx.awareness.memory.dtype.type(beh.search_memory))
        clicked = _sponsored(ctx, ret, rows)
        # the searchers who did not click the ad: one draw each (organic result opened?)
        organic = organic_visitors(rows, clicked,
                                   ctx.funnel.rng.random(len(rows) - len(clicked)),
                                   float(beh.search_organic_click))
        ctx.funnel.searches += len(rows)
        ctx.funnel.clicked_today.append(organic)


@njit(cache=True)
def _add_memory(memory, rows, r, value):
    """``memory[rows, r] += value`` (``value`` of ``memory``'s type; numpy's buffered
    semantics: a repeated row gains ``value`` once)."""
    new = np.empty(len(rows), dtype=memory.dtype)
    for k in range(len(rows)):
        new[k] = memory[rows[k], r] + value
    for k in range(len(rows)):
        memory[rows[k], r] = new[k]


def _without(rows: np.ndarray, some: np.ndarray) -> np.ndarray:
    """``rows`` (ascending, distinct) without ``some`` of them: ``np.setdiff1d(rows, some,
    assume_unique=True)`` for ``some`` ⊆ ``rows``, by a mask set at their positions."""
    if len(some) == 0:
        return rows
    keep = np.ones(len(rows), dtype=bool)
    keep[np.searchsorted(rows, some)] = False
    return rows[keep]


def _platform(ctx: "Context", ret: "Retailer"):
    name = ret.cfg.search_platform  # ctx.platform_by_name.get(name) without building the dict
    for platform in ctx.platforms:
        if platform.name == name:
            return platform
    return None


def _sponsored(ctx: "Context", ret: "Retailer", rows: np.ndarray) -> np.ndarray:
    """Show ``ret``'s search ad to searchers ``rows`` while today's allowance pays; returns
    the consumers who clicked it (touches, counters and spend booked)."""
    platform = _platform(ctx, ret)
    if platform is None or ret.lines.get("search", 0.0) <= 0 or not ret.in_campaign(ctx.day):
        return rows[:0]
    cpc = platform.cfg.search_cpc  # yuan per click: a price, not scaled with the market
    allowance = ret.pace("search", ctx.day)
    u = ctx.funnel.rng.random(len(rows))
    affordable = int(min(allowance, ret.lines["search"]) // cpc)
    # the ad is shown until the day's allowance is used up: (the first `affordable` clicks,
    # the position of the first click beyond them or len(rows))
    if affordable >= 0:
        paid_rows, shown = sponsored_clicks(rows, u, float(ctx.beh.search_ad_click), affordable)
    else:  # (an overdrawn allowance) numpy's reading of a negative position
        clicks = np.flatnonzero(u < ctx.beh.search_ad_click)
        shown, paid_rows = int(clicks[affordable]), rows[clicks[:affordable]]
    if len(paid_rows) and ret.book("search", len(paid_rows) * cpc):
        ret.allowance["search"] = allowance - len(paid_rows) * cpc
    _credit(ctx, ret.index, platform.index, paid_rows, shown)
    return paid_rows


def _credit(ctx: "Context", r: int, platform: int, rows: np.ndarray, shown: int) -> None:
    """Book sponsored clicks: touches and engagement credited to ``search``, funnel counts,
    reach, and a product-page visit today."""
    code, pop, f, book = ctx.code["search"], ctx.population, ctx.funnel, ctx.metrics
    f.impressions[code] += shown
    f.views[code] += shown
    f.impressions_on[platform] += shown
    f.views_on[platform] += shown
    if len(rows) == 0:
        return
    f.clicks[code] += len(rows)
    f.engagements[code] += len(rows)
    f.clicks_on[platform] += len(rows)
    # first touch if none, last touch, last engagement, platform, click day, reach: one pass
    book.reach_counts[code] += credit_clicks(
        rows, r, code, platform, ctx.day, pop.first_touch, pop.last_touch, pop.last_click,
        pop.last_platform, f.last_click_day, book.reached_by)
    f.clicked_today.append(rows)


__all__ = ["search_day", "searchers"]
