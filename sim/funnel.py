"""Purchase, repurchase, churn and community membership (DESIGN.md §5, steps 4–5).

First purchase, per interested consumer with a session today:

    P = σ(c0 + c_need·need + c_trust·source_trust + c_proof·atmosphere·susceptibility
          − c_price·price_sensitivity·price/reference_price + c_coupon·[coupon])
        × conversion_multiplier(platform of last touch) × (1 − negative_block·[negative])

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

from .population import CUSTOMER, INTERESTED, LOYAL, Population
from .scenario import BehaviourSection, RetailerSection


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Purchases:
    """Today's orders of one retailer."""

    retailer: int
    buyers: np.ndarray  # consumer rows
    first: np.ndarray  # bool, first order of that consumer with this retailer
    coupon: np.ndarray  # bool, a coupon was redeemed


def any_retailer(mask: np.ndarray) -> np.ndarray:
    """Per consumer: is an N×R boolean mask set for any retailer (fast path for R = 1)."""
    return mask[:, 0] if mask.shape[1] == 1 else mask.any(axis=1)


def first_purchase_probability(
    pop: Population, rows: np.ndarray, r: int, cfg: RetailerSection, beh: BehaviourSection,
    atmosphere: np.ndarray, coupon: bool, conversion: np.ndarray, price: float | None = None,
) -> np.ndarray:
    """Hazard of a first order for interested consumers ``rows`` of retailer ``r`` (0–1).

    ``price`` is today's price in yuan (default: the list price ``cfg.price``).
    """
    price = cfg.price if price is None else price
    logit = (
        beh.c0
        + beh.c_need * pop.need[rows]
        + beh.c_trust * pop.source_trust[rows, r]
        + beh.c_proof * atmosphere[rows, r] * pop.susceptibility[rows]
        - beh.c_price * pop.price_sensitivity[rows] * (price / beh.reference_price)
        + beh.c_coupon * coupon
    )
    p = sigmoid(logit) * conversion[pop.last_platform[rows, r]]
    p = p * (1.0 - beh.negative_block * pop.negative[rows, r])
    return np.clip(p, 0.0, 1.0)


def repurchase_probability(
    pop: Population, rows: np.ndarray, r: int, beh: BehaviourSection, member_multiplier: float,
    discount: float = 0.0,
) -> np.ndarray:
    """Daily repurchase hazard of customers ``rows`` of retailer ``r`` (0–1).

    ``discount`` is list price − today's price, yuan (> 0 during a price cut): customers stock
    up, × exp(deal_response · price_sensitivity · discount / reference_price).
    """
    mult = np.where(pop.member[rows, r], member_multiplier, 1.0)
    if discount:
        mult = mult * np.exp(beh.deal_response * pop.price_sensitivity[rows]
                             * discount / beh.reference_price)
    p = beh.repurchase_hazard * mult * (1.0 - beh.negative_block * pop.negative[rows, r])
    return np.clip(p, 0.0, 1.0)


def decide_purchases(
    pop: Population, retailers: list[RetailerSection], beh: BehaviourSection,
    atmosphere: np.ndarray, coupons: list[bool], conversion: np.ndarray,
    rng: np.random.Generator, prices: list[float] | None = None,
) -> list[Purchases]:
    """Draw today's orders for every retailer, at most one order per consumer.

    One retailer: an independent trial per candidate with its hazard. Several: one category
    purchase occasion per consumer (probability max_r h_r) assigned to retailer r with
    probability h_r / Σ h (:func:`category_choice`). ``prices`` are today's prices per
    retailer, yuan (default: the list prices).
    """
    n_ret = len(retailers)
    # only consumers interested in (or customers of) some retailer can buy: sessions are drawn
    # for them alone (a session of anyone else could not lead to an order)
    open_rows = np.flatnonzero(any_retailer(pop.stage >= INTERESTED))
    session_rows = open_rows[rng.random(len(open_rows)) < pop.activity[open_rows]]
    cand_rows, cand_p, cand_first, cand_ret = [], [], [], []
    for r, cfg in enumerate(retailers):
        stage = pop.stage[session_rows, r]
        first_rows = session_rows[stage == INTERESTED]
        repeat_rows = session_rows[(stage >= CUSTOMER) & ~pop.churned[session_rows, r]]
        price = cfg.price if prices is None else float(prices[r])
        p_first = first_purchase_probability(
            pop, first_rows, r, cfg, beh, atmosphere, coupons[r], conversion, price
        )
        p_rep = repurchase_probability(pop, repeat_rows, r, beh, cfg.community.repurchase_multiplier,
                                       max(0.0, cfg.price - price))
        first = np.zeros(len(first_rows) + len(repeat_rows), dtype=bool)
        first[: len(first_rows)] = True
        cand_rows.append(np.concatenate([first_rows, repeat_rows]))
        cand_p.append(np.concatenate([p_first, p_rep]))
        cand_first.append(first)
        cand_ret.append(np.full(len(first), r))
    rows = np.concatenate(cand_rows)
    p = np.concatenate(cand_p)
    first = np.concatenate(cand_first)
    ret = np.concatenate(cand_ret)
    if n_ret == 1:
        hit = rng.random(len(rows)) < p
        rows, first, ret = rows[hit], first[hit], ret[hit]
    else:
        keep = category_choice(rows, p, rng)
        rows, first, ret = rows[keep], first[keep], ret[keep]
    return [Purchases(r, rows[ret == r], first[ret == r], np.full(int((ret == r).sum()), coupons[r]))
            for r in range(n_ret)]


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


def record_orders(pop: Population, purchases: Purchases) -> None:
    """Book orders on the consumers: order counts and funnel stage (customer, loyal)."""
    r, rows = purchases.retailer, purchases.buyers
    pop.orders[rows, r] += 1
    pop.stage[rows, r] = np.where(pop.orders[rows, r] >= 2, LOYAL, CUSTOMER)


def churn(pop: Population, beh: BehaviourSection, rng: np.random.Generator) -> None:
    """Customers stop buying with ``churn_hazard`` a day (members churn at half the rate)."""
    active = (pop.stage >= CUSTOMER) & ~pop.churned
    rows, cols = np.divmod(np.flatnonzero(active), active.shape[1])  # = np.nonzero(active)
    hazard = np.where(pop.member[rows, cols], beh.churn_hazard * 0.5, beh.churn_hazard)
    quit_ = rng.random(len(rows)) < hazard  # one draw per active customer, none for the rest
    pop.churned[rows[quit_], cols[quit_]] = True
