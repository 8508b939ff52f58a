"""Purchase and repurchase hazards and the daily purchase draw (docs/model.md, step 5).

First purchase, per interested consumer with a session today:

    P = σ(c0 + c_need·need + c_trust·source_trust + c_proof·atmosphere·susceptibility
          − c_price·price_sensitivity·price/category_price + c_coupon·[coupon])
        × conversion_multiplier(platform of last touch) × (1 − negative_block·[negative])

A session of the consumer's own (its activity draw, no product-page click or search of the
brand today, :mod:`sim.engine.platform_funnel`) reaches the product page with probability
``behaviour.own_visit`` (0–1): the first-purchase hazard of such sessions is × ``own_visit``,
that of click and search sessions is not. Repurchases are not gated (a customer reorders from
the shop it already knows).

Repurchase, per customer who has not churned: ``repurchase_hazard × member multiplier ×
(1 − negative_block·[negative])`` (× a stock-up factor during a price cut).

Competition. With several retailers a consumer has one purchase occasion a day in the category,
not one per retailer it knows: with h_r its hazard for retailer r above (first purchase if
interested, repurchase if a customer), it buys today with probability max_r h_r, from retailer r
with probability h_r / Σ h. Knowing two brands therefore does not double consumption, and a
brand that raises its hazard (a price cut, a coupon, trust) takes occasions from its rivals.
With one retailer this is exactly one Bernoulli trial with h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from sim.engine import consideration
from sim.engine.bitdraws import next_double, source
from sim.kernels.bytescan import HIGH, byte_words, count_high_bits, threshold_add
from sim.world.population import CUSTOMER, INTERESTED, LOYAL, Population
from sim.config.scenario import BehaviourSection, RetailerSection
from sim.kernels.arrayops import sorted_union
from sim.kernels.rowscan import column_words


@dataclass
class Purchases:
    """Today's orders of one retailer."""

    retailer: int
    buyers: np.ndarray  # consumer rows
    first: np.ndarray  # bool, first order of that consumer with this retailer
    coupon: np.ndarray  # bool, a coupon was redeemed


_U1 = np.uint64(1)
_B3 = np.uint64(3)

# ------------------------------------------------------------------ kernels
# The hazards are computed by compiled loops over the candidates. The consumers' attributes are
# float32 (:class:`sim.world.population.Population`), so the first-purchase logit is summed in
# float32 except for the social-proof term, which takes the atmosphere's type (float64 from the
# tie tracker); the scalars are converted to those types first. Everything after the
# exponential is float64. ``tests/engine/test_fast_bookkeeping.py`` compares the kernels with
# plain numpy expressions of the same rules.


@njit(cache=True)
def _split_candidates(rows, stage, churned, r):
    """(rows interested in retailer ``r``, rows that are its customers and have not churned),
    each in the order of ``rows``."""
    first = np.empty(len(rows), dtype=np.int64)
    repeat = np.empty(len(rows), dtype=np.int64)
    n_first = n_repeat = 0
    for i in rows:  # branch-free
        s = stage[i, r]
        first[n_first] = i
        n_first += s == INTERESTED
        repeat[n_repeat] = i
        n_repeat += (s >= CUSTOMER) & (not churned[i, r])
    return first[:n_first], repeat[:n_repeat]


@njit(cache=True)
def _negative_logit(rows, r, need, trust, atmosphere, susceptibility, price_sensitivity,
                    c0, c_need, c_trust, c_proof, c_price, price_ratio, coupon_term, out):
    """Minus the logit of :func:`first_purchase_probability` for ``rows`` into ``out``."""
    for k in range(len(rows)):
        i = rows[k]
        x = c0 + c_need * need[i]
        x = x + c_trust * trust[i, r]
        x = x + c_proof * atmosphere[i, r] * susceptibility[i]
        x = x - c_price * price_sensitivity[i] * price_ratio
        out[k] = -(x + coupon_term)


@njit(inline="always")
def _clip01(x):
    """``np.clip(x, 0.0, 1.0)`` of one value (NaN and −0.0 pass through, as in numpy)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@njit(cache=True)
def _purchase_hazard(rows, r, e, one_e, conversion, last_platform, negative, block, one, out):
    """``clip(s · conversion[last_platform] · (one − block · negative), 0, 1)`` per row with
    ``s = one_e / (one_e + e)``, the sigmoid of the logit given ``e = exp(−logit)``."""
    for k in range(len(rows)):
        i = rows[k]
        p = one_e / (one_e + e[k]) * conversion[last_platform[i, r]]
        out[k] = _clip01(p * (one - block * negative[i, r]))


@njit(cache=True)
def _repurchase_hazard(rows, r, member, negative, multiplier, one_mult, stock_up, hazard,
                       block, one, out):
    """``clip(hazard · mult · (one − block · negative), 0, 1)`` per row, where mult is
    ``multiplier`` for members (else ``one_mult``), × ``stock_up`` if given."""
    for k in range(len(rows)):
        i = rows[k]
        mult = multiplier if member[i, r] else one_mult
        if stock_up is not None:
            p = hazard * (mult * stock_up[k])
        else:
            p = hazard * mult
        out[k] = _clip01(p * (one - block * negative[i, r]))


@njit(cache=True)
def _bernoulli_pick(first_rows, p_first, repeat_rows, p_repeat, u):
    """(rows with ``u < p``, whether each is a first order) over the first-order candidates
    followed by the repeat candidates, ``u`` one draw per candidate in that order."""
    n_first = len(first_rows)
    rows = np.empty(n_first + len(repeat_rows), dtype=np.int64)
    first = np.empty(len(rows), dtype=np.bool_)
    k = 0
    for j in range(n_first):
        if u[j] < p_first[j]:
            rows[k] = first_rows[j]
            first[k] = True
            k += 1
    for j in range(len(repeat_rows)):
        if u[n_first + j] < p_repeat[j]:
            rows[k] = repeat_rows[j]
            first[k] = False
            k += 1
    return rows[:k], first[:k]


# ------------------------------------------------------------------ hazards
def first_purchase_probability(
    pop: Population, rows: np.ndarray, r: int, cfg: RetailerSection, beh: BehaviourSection,
    atmosphere: np.ndarray, coupon: bool, conversion: np.ndarray, price: float | None = None,
) -> np.ndarray:
    """Hazard of a first order for interested consumers ``rows`` of retailer ``r`` (0–1).

    ``price`` is today's price in yuan (default: the list price ``cfg.price``). Equal to::

        logit = (c0 + c_need·need + c_trust·source_trust[:, r]
                 + c_proof·atmosphere[:, r]·susceptibility
                 − c_price·price_sensitivity·(price / category_price) + c_coupon·coupon)
        clip(sigmoid(logit) · conversion[last_platform[:, r]]
             · (1 − negative_block·negative[:, r]), 0, 1)

    evaluated by numpy over ``rows`` (float32 where the population arrays are float32).
    ``category_price`` is the retailer's ``category_price`` (default
    ``behaviour.reference_price``, :func:`category_price`).
    """
    price = cfg.price if price is None else price
    rows = np.asarray(rows, dtype=np.int64)
    f32, fa = np.float32, np.result_type(atmosphere.dtype, np.float32).type
    e = np.empty(len(rows), dtype=fa)
    _negative_logit(rows, r, pop.need, pop.source_trust, atmosphere, pop.susceptibility,
                    pop.price_sensitivity, f32(beh.c0), f32(beh.c_need), f32(beh.c_trust),
                    fa(beh.c_proof), f32(beh.c_price), f32(price / category_price(cfg, beh)),
                    fa(beh.c_coupon * coupon), e)
    np.exp(e, out=e)  # numpy's exponential, as in sigmoid(logit) = 1 / (1 + exp(−logit))
    out = np.empty(len(rows), dtype=np.float64)
    _purchase_hazard(rows, r, e, fa(1.0), conversion, pop.last_platform, pop.negative,
                     float(beh.negative_block), 1.0, out)
    return out


def category_price(cfg: RetailerSection, beh: BehaviourSection) -> float:
    """Yuan the first-purchase hazard compares a retailer's price with: its category's
    typical price ``cfg.category_price``, or ``beh.reference_price`` if unset."""
    return beh.reference_price if cfg.category_price is None else cfg.category_price


def repurchase_probability(
    pop: Population, rows: np.ndarray, r: int, beh: BehaviourSection, member_multiplier: float,
    discount: float = 0.0, boost: np.ndarray | None = None,
) -> np.ndarray:
    """Daily repurchase hazard of customers ``rows`` of retailer ``r`` (0–1).

    ``discount`` is list price − today's price, yuan (> 0 during a price cut): customers stock
    up, × exp(deal_response · price_sensitivity · discount / reference_price). Equal to
    ``clip(repurchase_hazard · mult · (1 − negative_block · negative[:, r]), 0, 1)`` with
    ``mult = np.where(member[:, r], member_multiplier, 1.0)`` (× the stock-up factor, × the
    per-consumer ``boost`` of a membership programme, indexed by consumer row, if given).
    """
    rows = np.asarray(rows, dtype=np.int64)
    stock_up = None
    if discount:
        stock_up = np.exp(beh.deal_response * pop.price_sensitivity[rows]
                          * discount / beh.reference_price)
    if boost is not None:
        stock_up = boost[rows] if stock_up is None else stock_up * boost[rows]
    out = np.empty(len(rows), dtype=np.float64)
    _repurchase_hazard(rows, r, pop.member, pop.negative, float(member_multiplier), 1.0,
                       stock_up, float(beh.repurchase_hazard), float(beh.negative_block), 1.0,
                       out)
    return out


# ------------------------------------------------------------------ daily draws
@njit(cache=True)
def _count_open(stage, stage_words, add):
    """Consumers with some stage ≥ INTERESTED (``add = threshold_add(INTERESTED)``; with one
    retailer eight consumers are tested per word of ``stage_words``)."""
    n, n_ret = stage.shape
    count = 0
    first = 0
    if n_ret == 1:
        for word in stage_words:
            count += count_high_bits((word + add) & HIGH)
        first = 8 * len(stage_words)
    for i in range(first, n):
        for r in range(n_ret):
            if stage[i, r] >= INTERESTED:
                count += 1
                break
    return count


@njit(cache=True)
def _open_sessions(stage, stage_words, add, u, activity):
    """Consumers open to purchase (some stage ≥ INTERESTED), the j-th of them (ascending) kept
    if ``u[j] < activity`` of it."""
    n, n_ret = stage.shape
    out = np.empty(len(u), dtype=np.int64)
    k = j = 0
    first = 0
    if n_ret == 1:
        for w in range(len(stage_words)):
            hit = (stage_words[w] + add) & HIGH
            while hit:
                i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
                out[k] = i
                k += u[j] < activity[i]  # branch-free: the loads need not wait for it
                j += 1
                hit &= hit - _U1
        first = 8 * len(stage_words)
    for i in range(first, n):
        for r in range(n_ret):
            if stage[i, r] >= INTERESTED:
                if u[j] < activity[i]:
                    out[k] = i
                    k += 1
                j += 1
                break
    return out[:k]


def purchase_sessions(pop: Population, rng: np.random.Generator) -> np.ndarray:
    """Consumers with a session today among those open to purchase (interested in, or
    customers of, some retailer; a session of anyone else could not lead to an order).

    One draw per open consumer, ascending: equal to ``open_rows[rng.random(len(open_rows)) <
    pop.activity[open_rows]]`` with ``open_rows = np.flatnonzero((pop.stage >= INTERESTED)
    .any(axis=1))``, without building either array (two compiled scans of the stage codes).
    """
    stage_words = byte_words(pop.stage)[0]
    u = rng.random(_count_open(pop.stage, stage_words, _ADD_INTERESTED))
    return _open_sessions(pop.stage, stage_words, _ADD_INTERESTED, u, pop.activity)


_ADD_INTERESTED = threshold_add(INTERESTED)


def decide_purchases(
    pop: Population, retailers: list[RetailerSection], beh: BehaviourSection,
    atmosphere: np.ndarray, coupons: list[bool], conversion: np.ndarray,
    rng: np.random.Generator, prices: list[float] | None = None,
    extra_sessions: np.ndarray | None = None, memory: np.ndarray | None = None,
    memory_needed: list[float] | None = None,
    multipliers: list[float] | None = None, boosts: list[np.ndarray | None] | None = None,
) -> list[Purchases]:
    """Draw today's orders for every retailer, at most one order per consumer.

    One retailer: an independent trial per candidate with its hazard. Several: one category
    purchase occasion per consumer (probability max_r h_r) assigned to retailer r with
    probability h_r / Σ h (:func:`category_choice`). ``prices`` are today's prices per
    retailer, yuan (default: the list prices). ``extra_sessions``: consumers who visit a
    product page today whatever their activity draw (clicks, :mod:`sim.engine.platform_funnel`).
    First-order candidates outside ``extra_sessions`` reach the product page with
    ``beh.own_visit`` (their hazard × it, :func:`own_session_hazard`).
    ``memory`` (N×R brand memory) and ``memory_needed`` (per retailer): first-order candidates
    must have considered the product long enough (:mod:`sim.engine.consideration`).
    ``multipliers``: members' repurchase multiplier per retailer today (default: each
    community's ``repurchase_multiplier``); ``boosts``: per retailer, a per-consumer repurchase
    multiplier (membership programme) or None.

    Random numbers: one session draw per consumer open to purchase (ascending rows), then one
    draw per candidate (retailer by retailer: first-order candidates, then repeat candidates)
    with one retailer, or the draws of :func:`category_choice` with several. With one
    retailer and no stock-up factor or consideration threshold the candidates, hazards and pick
    run in compiled passes (:func:`_one_retailer`), the same orders from the same draws.
    """
    if len(retailers) == 1:  # one retailer: a compiled path, or None (nothing drawn) where
        # it does not apply
        orders = _one_retailer(pop, retailers[0], beh, atmosphere, coupons[0], conversion, rng,
                               None if prices is None else prices[0], extra_sessions, memory,
                               memory_needed, multipliers, boosts)
        if orders is not None:
            return orders
    session_rows = purchase_sessions(pop, rng)
    if extra_sessions is not None and len(extra_sessions):  # product-page visits (clicks)
        session_rows = sorted_union(session_rows, extra_sessions)
    cands = [_candidates(pop, session_rows, r, cfg, beh, atmosphere, coupons[r], conversion,
                         cfg.price if prices is None else float(prices[r]),
                         cfg.community.repurchase_multiplier if multipliers is None
                         else multipliers[r], None if boosts is None else boosts[r],
                         memory, 0.0 if memory_needed is None else memory_needed[r],
                         extra_sessions)
             for r, cfg in enumerate(retailers)]
    if len(cands) == 1:  # one trial per candidate
        first_rows, p_first, repeat_rows, p_rep = cands[0]
        u = rng.random(len(first_rows) + len(repeat_rows))
        rows, first = _bernoulli_pick(first_rows, p_first, repeat_rows, p_rep, u)
        return [Purchases(0, rows, first, np.full(len(rows), coupons[0]))]
    if not cands:
        return []
    rows = np.concatenate([x for first_rows, _, repeat_rows, _ in cands
                           for x in (first_rows, repeat_rows)])
    p = np.concatenate([x for _, p_first, _, p_rep in cands for x in (p_first, p_rep)])
    first = np.concatenate([np.arange(len(c[0]) + len(c[2])) < len(c[0]) for c in cands])
    ret = np.concatenate([np.full(len(c[0]) + len(c[2]), r) for r, c in enumerate(cands)])
    keep = category_choice(rows, p, rng)
    rows, first, ret = rows[keep], first[keep], ret[keep]
    return [Purchases(r, rows[ret == r], first[ret == r], np.full(int((ret == r).sum()), coupons[r]))
            for r in range(len(cands))]


def _one_retailer(pop: Population, cfg: RetailerSection, beh: BehaviourSection,
                  atmosphere: np.ndarray, coupon: bool, conversion: np.ndarray,
                  rng: np.random.Generator, price: float | None, visits: np.ndarray | None,
                  memory: np.ndarray | None, memory_needed: list[float] | None,
                  multipliers: list[float] | None,
                  boosts: list[np.ndarray | None] | None) -> list[Purchases] | None:
    """:func:`decide_purchases` for one retailer in three compiled passes: the session draw
    and the candidates (:func:`_one_retailer_candidates`, one scan of the stage codes; with
    numpy's PCG64 the session and pick draws are made in that scan,
    :func:`_one_retailer_drawn`), then,
    after the pick draw, the logits of the first-order candidates whose draw their hazard
    could pass (:func:`_open_logits`), numpy's exponential of them, and the hazards and pick
    (:func:`_one_retailer_pick`): the same hazards, draws and orders as the general path.

    An own session's hazard is at most ``own_visit`` (a clipped hazard ≤ 1 times it, rounded),
    so a candidate without a visit whose draw is ≥ ``own_visit`` cannot buy: its hazard is not
    computed (nor needed: the draws do not depend on it).
    None (nothing drawn) where it does not apply: a price cut or a per-consumer boost (stock-up
    factors), a consideration threshold, stage codes other than one C-contiguous byte column,
    or product-page visits not strictly ascending."""
    price = cfg.price if price is None else float(price)
    stage = pop.stage
    if (max(0.0, cfg.price - price) or (boosts is not None and boosts[0] is not None)
            or (memory is not None and memory_needed is not None and memory_needed[0] > 0)
            or stage.ndim != 2 or stage.shape[1] != 1 or stage.itemsize != 1
            or not stage.flags.c_contiguous):
        return None
    if visits is None:
        visits = _NO_ROWS
    multiplier = float(cfg.community.repurchase_multiplier if multipliers is None
                       else multipliers[0])
    src = source(rng)
    if src is not None:  # numpy's PCG64: the draws made in the scan, the same numbers
        first_rows, unvisited, repeat_rows, p_rep, u, ok = _one_retailer_drawn(
            src[0], src[1], src[2], stage, _ADD_INTERESTED, pop.activity, visits,
            pop.churned, pop.member, pop.negative, multiplier, float(beh.repurchase_hazard),
            float(beh.negative_block))
        if not ok:  # visits not strictly ascending
            return None
    else:
        stage_words = byte_words(stage)[0]
        n_open = _count_open_checked(stage, stage_words, _ADD_INTERESTED, visits)
        if n_open < 0:  # visits not strictly ascending
            return None
        first_rows, unvisited, repeat_rows, p_rep = _one_retailer_candidates(
            stage, stage_words, _ADD_INTERESTED, rng.random(n_open), pop.activity, visits,
            pop.churned, pop.member, pop.negative, multiplier, float(beh.repurchase_hazard),
            float(beh.negative_block))
        u = rng.random(len(first_rows) + len(repeat_rows))
    f32, fa = np.float32, np.result_type(atmosphere.dtype, np.float32).type
    own_visit = float(beh.own_visit)
    e = np.empty(len(first_rows), dtype=fa)
    open_at = _open_logits(first_rows, unvisited, u, own_visit, pop.need, pop.source_trust,
                           atmosphere, pop.susceptibility, pop.price_sensitivity, f32(beh.c0),
                           f32(beh.c_need), f32(beh.c_trust), fa(beh.c_proof),
                           f32(beh.c_price), f32(price / category_price(cfg, beh)),
                           fa(beh.c_coupon * coupon), e)
    e = e[:len(open_at)]
    np.exp(e, out=e)  # numpy's exponential, as in first_purchase_probability
    rows, first = _one_retailer_pick(first_rows, open_at, e, unvisited, own_visit, repeat_rows,
                                     p_rep, u, fa(1.0), conversion, pop.last_platform,
                                     pop.negative, float(beh.negative_block))
    # the coupon flags, np.full(len(rows), coupon)
    return [Purchases(0, rows, first, (np.ones if coupon else np.zeros)(len(rows), np.bool_))]


_NO_ROWS = np.empty(0, dtype=np.int64)


@njit(cache=True)
def _count_open_checked(stage, stage_words, add, visits):
    """:func:`_count_open` of one retailer's stage codes, or −1 if ``visits`` is not strictly
    ascending."""
    for t in range(1, len(visits)):
        if visits[t] <= visits[t - 1]:
            return -1
    return _count_open(stage, stage_words, add)


@njit(inline="always")
def _take_candidate(i, session, visits, v, stage, churned, first, unvisited, repeat, n_first,
                    n_repeat):
    """File consumer ``i`` (open to purchase) as a first-order or a repeat candidate of
    retailer 0 if it has a ``session`` or visited the product page (is in the strictly
    ascending ``visits``, searched forward from position ``v``), or as neither; returns the
    new search position and counts. Branch-free: the row is written at both ends and the
    counts advance by the tests (a session draw is often passed and often not, so a branch on
    it would be mispredicted)."""
    while v < len(visits) and visits[v] < i:
        v += 1
    visited = v < len(visits) and visits[v] == i
    s = stage[i, 0]
    take = session | visited
    first[n_first] = i
    unvisited[n_first] = not visited
    repeat[n_repeat] = i
    n_first += take & (s == INTERESTED)
    n_repeat += take & (s >= CUSTOMER) & (not churned[i, 0])
    return v, n_first, n_repeat


@njit(cache=True)
def _one_retailer_candidates(stage, stage_words, add, u, activity, visits, churned, member,
                             negative, multiplier, hazard, block):
    """Retailer 0's candidates (one C-contiguous N×1 column of stage codes, eight a word of
    ``stage_words``) among ``purchase_sessions(...) ∪ visits``, as :func:`_open_sessions`
    (the j-th consumer open to purchase has a session if ``u[j] < activity``),
    :func:`sorted_union`, :func:`_split_candidates` and :func:`_repurchase_hazard` (no
    stock-up) give them: (first-order candidates, whether each is outside ``visits``, repeat
    candidates, their hazards). ``visits`` strictly ascending; a visitor not open to purchase
    is neither candidate, so only open consumers are visited."""
    n = stage.shape[0]
    first = np.empty(len(u), dtype=np.int64)
    unvisited = np.empty(len(u), dtype=np.bool_)
    repeat = np.empty(len(u), dtype=np.int64)
    n_first = n_repeat = 0
    j = v = 0
    for w in range(len(stage_words)):
        hit = (stage_words[w] + add) & HIGH
        while hit:
            i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            hit &= hit - _U1
            session = u[j] < activity[i]
            j += 1
            v, n_first, n_repeat = _take_candidate(i, session, visits, v, stage, churned,
                                                   first, unvisited, repeat, n_first, n_repeat)
    for i in range(8 * len(stage_words), n):
        if stage[i, 0] >= INTERESTED:
            session = u[j] < activity[i]
            j += 1
            v, n_first, n_repeat = _take_candidate(i, session, visits, v, stage, churned,
                                                   first, unvisited, repeat, n_first, n_repeat)
    repeat_rows = repeat[:n_repeat].copy()
    p_rep = np.empty(n_repeat, dtype=np.float64)
    _repurchase_hazard(repeat_rows, 0, member, negative, multiplier, 1.0, None, hazard, block,
                       1.0, p_rep)
    return first[:n_first].copy(), unvisited[:n_first].copy(), repeat_rows, p_rep


@njit(cache=True)
def _one_retailer_drawn(u32, dbl, state, stage, add, activity, visits, churned, member,
                        negative, multiplier, hazard, block):
    """:func:`_count_open_checked`, the session draw ``rng.random(n_open)``,
    :func:`_one_retailer_candidates` and the pick draw ``rng.random(n_first + n_repeat)`` in
    one pass, drawing from the bit generator ``(u32, dbl, state)``
    (:func:`sim.engine.bitdraws.source`) as the consumers are scanned: the same draws in the
    same order. Returns (first-order candidates, whether each is outside ``visits``, repeat
    candidates, their hazards, the pick draws, True), or empty arrays and False with nothing
    drawn when ``visits`` is not strictly ascending. ``stage`` is one C-contiguous N×1 column
    of stage codes, read eight a word."""
    n = stage.shape[0]
    stage_words = column_words(stage)
    for t in range(1, len(visits)):
        if visits[t] <= visits[t - 1]:
            return (_NO_ROWS.copy(), np.empty(0, dtype=np.bool_), _NO_ROWS.copy(),
                    np.empty(0, dtype=np.float64), np.empty(0, dtype=np.float64), False)
    src = (u32, dbl, state)
    first = np.empty(n, dtype=np.int64)
    unvisited = np.empty(n, dtype=np.bool_)
    repeat = np.empty(n, dtype=np.int64)
    n_first = n_repeat = 0
    v = 0
    for w in range(len(stage_words)):
        hit = (stage_words[w] + add) & HIGH
        while hit:
            i = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            hit &= hit - _U1
            session = next_double(src) < activity[i]
            v, n_first, n_repeat = _take_candidate(i, session, visits, v, stage, churned,
                                                   first, unvisited, repeat, n_first, n_repeat)
    for i in range(8 * len(stage_words), n):
        if stage[i, 0] >= INTERESTED:
            session = next_double(src) < activity[i]
            v, n_first, n_repeat = _take_candidate(i, session, visits, v, stage, churned,
                                                   first, unvisited, repeat, n_first, n_repeat)
    repeat_rows = repeat[:n_repeat].copy()
    p_rep = np.empty(n_repeat, dtype=np.float64)
    _repurchase_hazard(repeat_rows, 0, member, negative, multiplier, 1.0, None, hazard, block,
                       1.0, p_rep)
    u = np.empty(n_first + n_repeat, dtype=np.float64)
    for j in range(len(u)):
        u[j] = next_double(src)
    return first[:n_first].copy(), unvisited[:n_first].copy(), repeat_rows, p_rep, u, True


@njit(cache=True)
def _open_logits(first_rows, unvisited, u, own_visit, need, trust, atmosphere, susceptibility,
                 price_sensitivity, c0, c_need, c_trust, c_proof, c_price, price_ratio,
                 coupon_term, e):
    """Positions (in ``first_rows``) of the first-order candidates whose draw ``u`` their
    hazard could pass: all but those outside today's visits (``unvisited``) with ``u ≥
    own_visit`` when ``own_visit < 1``; minus their logits, as :func:`_negative_logit`, in
    ``e[:len(positions)]``."""
    at = np.empty(len(first_rows), dtype=np.int64)
    m = 0
    for k in range(len(first_rows)):
        at[m] = k
        m += not (own_visit < 1.0 and unvisited[k] and u[k] >= own_visit)
    at = at[:m].copy()
    rows = np.empty(m, dtype=np.int64)
    for t in range(m):
        rows[t] = first_rows[at[t]]
    _negative_logit(rows, 0, need, trust, atmosphere, susceptibility, price_sensitivity, c0,
                    c_need, c_trust, c_proof, c_price, price_ratio, coupon_term, e[:m])
    return at


@njit(cache=True)
def _one_retailer_pick(first_rows, open_at, e, unvisited, own_visit, repeat_rows, p_rep, u,
                       one_e, conversion, last_platform, negative, block):
    """Retailer 0's orders: the first-order hazards of the candidates at ``open_at`` as
    :func:`_purchase_hazard` (``e`` the exponentials of minus their logits), × ``own_visit``
    for those ``unvisited`` as :func:`own_session_hazard`, 0 for the others (their draws are
    ≥ any hazard they could have), then :func:`_bernoulli_pick` on the draws ``u``."""
    rows = np.empty(len(open_at), dtype=np.int64)
    for t in range(len(open_at)):
        rows[t] = first_rows[open_at[t]]
    p_open = np.empty(len(open_at), dtype=np.float64)
    _purchase_hazard(rows, 0, e, one_e, conversion, last_platform, negative, block, 1.0, p_open)
    p_first = np.zeros(len(first_rows), dtype=np.float64)
    for t in range(len(open_at)):
        k = open_at[t]
        p = p_open[t]
        if own_visit < 1.0 and unvisited[k]:
            p *= own_visit
        p_first[k] = p
    return _bernoulli_pick(first_rows, p_first, repeat_rows, p_rep, u)


def _candidates(pop: Population, session_rows: np.ndarray, r: int, cfg: RetailerSection,
                beh: BehaviourSection, atmosphere: np.ndarray, coupon: bool,
                conversion: np.ndarray, price: float, multiplier: float,
                boost: np.ndarray | None, memory: np.ndarray | None = None,
                needed: float = 0.0,
                visits: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """(first-order candidates of retailer r among ``session_rows``, their hazards, repeat
    candidates, their hazards) at today's ``price``, members' repurchase ``multiplier`` and
    per-consumer ``boost``; first-order candidates need ``needed`` brand memory when
    ``memory`` is given; those not among ``visits`` (today's product-page visits) reach the
    page with ``beh.own_visit``."""
    first_rows, repeat_rows = _split_candidates(session_rows, pop.stage, pop.churned, r)
    if memory is not None:
        first_rows = consideration.ready(memory, first_rows, r, needed)
    p_first = first_purchase_probability(pop, first_rows, r, cfg, beh, atmosphere, coupon,
                                         conversion, price)
    own_session_hazard(p_first, first_rows, visits, beh.own_visit)
    p_rep = repurchase_probability(pop, repeat_rows, r, beh, multiplier,
                                   max(0.0, cfg.price - price), boost)
    return first_rows, p_first, repeat_rows, p_rep


def own_session_hazard(p: np.ndarray, rows: np.ndarray, visits: np.ndarray | None,
                       own_visit: float) -> None:
    """Multiply in place the first-purchase hazards ``p`` of candidates ``rows`` who did not
    visit the product page today (not in ``visits``, sorted consumer rows: clicks and searches)
    by ``own_visit`` (0–1), the probability that their own session reaches the page. Nothing
    is done at ``own_visit`` 1, so results without the rule are bit-identical."""
    if own_visit >= 1.0 or len(rows) == 0:
        return
    if visits is None or len(visits) == 0:
        p *= own_visit
        return
    _scale_unvisited(p, rows, visits, float(own_visit))  # p[~in_sorted(rows, visits)] *= own_visit


@njit(cache=True)
def _scale_unvisited(p, rows, visits, factor):
    """``p[~in_sorted(rows, visits)] *= factor`` (``visits`` ascending, distinct, not empty):
    one binary search per row, no mask."""
    last = len(visits) - 1
    for k in range(len(rows)):
        at = min(np.searchsorted(visits, rows[k]), last)
        if visits[at] != rows[k]:
            p[k] *= factor


def in_sorted(values: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """Per entry of ``values``, whether it is in ``sorted_unique`` (ascending, distinct, at
    least one entry): ``np.isin(values, sorted_unique)`` by a binary search of each value,
    without isin's sorting of both arrays (a few numpy calls for a day's few rows)."""
    at = np.searchsorted(sorted_unique, values)
    np.minimum(at, len(sorted_unique) - 1, out=at)
    return sorted_unique[at] == values


def category_choice(rows: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of the candidates that become orders: one purchase occasion per consumer.

    ``rows[k]`` is a consumer and ``p[k]`` (0–1) its hazard with one retailer; a consumer may
    appear several times. Each consumer buys with probability max p over its entries, from the
    entry chosen with probability p / Σ p. Vectorised over consumers.
    """
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    r_sorted, p_sorted = rows[order], p[order]
    starts = np.flatnonzero(np.r_[True, r_sorted[1:] != r_sorted[:-1]])
    counts = np.diff(np.r_[starts, len(r_sorted)])
    buy = rng.random(len(starts)) < np.maximum.reduceat(p_sorted, starts)
    cum = np.cumsum(p_sorted)
    within = cum - np.repeat(cum[starts] - p_sorted[starts], counts)
    target = np.repeat(rng.random(len(starts)) * np.add.reduceat(p_sorted, starts), counts)
    last = np.zeros(len(r_sorted), dtype=bool)
    last[starts + counts - 1] = True
    passed = np.flatnonzero((within > target) | last)
    group = np.repeat(np.arange(len(starts)), counts)[passed]
    _, first = np.unique(group, return_index=True)  # first passing entry of every consumer
    chosen = passed[first]
    return np.sort(order[chosen[buy]])


@njit(cache=True)
def _record_orders(rows, r, orders, stage):
    """``orders[rows, r] += 1`` (numpy's buffered semantics: a repeated row counts once), then
    ``stage[rows, r] = LOYAL if orders ≥ 2 else CUSTOMER``."""
    counts = np.empty(len(rows), dtype=orders.dtype)
    for k in range(len(rows)):
        counts[k] = orders[rows[k], r] + 1
    for k in range(len(rows)):
        orders[rows[k], r] = counts[k]
    for k in range(len(rows)):
        stage[rows[k], r] = LOYAL if orders[rows[k], r] >= 2 else CUSTOMER


def record_orders(pop: Population, purchases: Purchases) -> None:
    """Book orders on the consumers: order counts and funnel stage (customer, loyal)."""
    rows = np.asarray(purchases.buyers, dtype=np.int64)
    _record_orders(rows, purchases.retailer, pop.orders, pop.stage)


@njit(inline="always")
def _count_code(code, counter):
    """One more in ``counter[code]``, none for code −1 (no channel)."""
    if code >= len(counter):
        raise ValueError("channel code outside the channel counter")
    if code >= 0:
        counter[code] += 1


@njit(cache=True)
def _tally_orders(rows, r, last_platform, first_touch, last_touch, last_click, by_platform,
                  by_first_touch, by_last_touch, by_last_click):
    """One count per row in each counter (see :func:`tally_orders`)."""
    for i in rows:
        platform = last_platform[i, r]
        if platform < 0 or platform >= len(by_platform):
            raise ValueError("last_platform outside the platform counter")
        by_platform[platform] += 1
        _count_code(first_touch[i, r], by_first_touch)
        _count_code(last_touch[i, r], by_last_touch)
        _count_code(last_click[i, r], by_last_click)


def tally_orders(pop: Population, purchases: Purchases, by_platform: np.ndarray,
                 by_first_touch: np.ndarray, by_last_touch: np.ndarray,
                 by_last_click: np.ndarray) -> None:
    """Add the buyers' orders to the attribution counters of their retailer r (int64, in
    place): per platform of the last touch, and per channel of the first touch, the last touch
    and the last engagement (buyers without one, code −1, are not counted). Equal to
    ``counter += np.bincount(code[code >= 0], minlength=len(counter))`` for each.

    Raises:
        ValueError: a platform or channel code outside its counter.
    """
    rows = np.asarray(purchases.buyers, dtype=np.int64)
    _tally_orders(rows, purchases.retailer, pop.last_platform, pop.first_touch, pop.last_touch,
                  pop.last_click, by_platform, by_first_touch, by_last_touch, by_last_click)


@njit(cache=True)
def _record_and_tally(rows, r, orders, stage, last_platform, first_touch, last_touch,
                      last_click, by_platform, by_first_touch, by_last_touch, by_last_click):
    """:func:`_record_orders` then :func:`_tally_orders` in one call."""
    _record_orders(rows, r, orders, stage)
    _tally_orders(rows, r, last_platform, first_touch, last_touch, last_click, by_platform,
                  by_first_touch, by_last_touch, by_last_click)


def record_and_tally(pop: Population, purchases: Purchases, by_platform: np.ndarray,
                     by_first_touch: np.ndarray, by_last_touch: np.ndarray,
                     by_last_click: np.ndarray) -> None:
    """:func:`record_orders` then :func:`tally_orders` (which reads no order count or stage)
    in one compiled call.

    Raises:
        ValueError: a platform or channel code outside its counter (the orders are booked).
    """
    rows = np.asarray(purchases.buyers, dtype=np.int64)
    _record_and_tally(rows, purchases.retailer, pop.orders, pop.stage, pop.last_platform,
                      pop.first_touch, pop.last_touch, pop.last_click, by_platform,
                      by_first_touch, by_last_touch, by_last_click)
