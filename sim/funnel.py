"""Purchase, repurchase, churn and community membership (DESIGN.md §5, steps 4–5).

First purchase, per interested consumer with a session today:

    P = σ(c0 + c_need·need + c_trust·source_trust + c_proof·atmosphere·susceptibility
          − c_price·price_sensitivity·price/reference_price + c_coupon·[coupon])
        × conversion_multiplier(platform of last touch) × (1 − negative_block·[negative])

Repurchase, per customer who has not churned: ``repurchase_hazard × member multiplier ×
(1 − negative_block·[negative])``. A consumer buys at most once a day; when several
retailers' trials succeed, one is chosen with probability proportional to its hazard.
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

    Each retailer's hazard is an independent trial; a consumer whose trials succeed with several
    retailers buys from one of them with probability proportional to its hazard (an
    exponential race), so competing offers split demand by their attractiveness.
    ``prices`` are today's prices per retailer, yuan (default: the list prices).
    """
    n_ret = len(retailers)
    # only consumers interested in (or customers of) some retailer can buy: sessions are drawn
    # for them alone (a session of anyone else could not lead to an order)
    open_rows = np.flatnonzero(any_retailer(pop.stage >= INTERESTED))
    session_rows = open_rows[rng.random(len(open_rows)) < pop.activity[open_rows]]
    cand_rows, cand_first, cand_key, cand_ret = [], [], [], []
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
        rows = np.concatenate([first_rows, repeat_rows])
        p = np.concatenate([p_first, p_rep])
        hit = rng.random(len(rows)) < p
        first = np.zeros(len(rows), dtype=bool)
        first[: len(first_rows)] = True
        cand_rows.append(rows[hit])
        cand_first.append(first[hit])
        cand_key.append(rng.exponential(size=int(hit.sum())) / np.maximum(p[hit], 1e-12))
        cand_ret.append(np.full(int(hit.sum()), r))
    rows = np.concatenate(cand_rows)
    first = np.concatenate(cand_first)
    ret = np.concatenate(cand_ret)
    if n_ret > 1 and len(rows):
        order = np.lexsort((np.concatenate(cand_key), rows))
        keep = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
        keep.sort()
        rows, first, ret = rows[keep], first[keep], ret[keep]
    return [Purchases(r, rows[ret == r], first[ret == r], np.full(int((ret == r).sum()), coupons[r]))
            for r in range(n_ret)]


def record_orders(pop: Population, purchases: Purchases) -> None:
    """Book orders on the consumers: order counts and funnel stage (customer, loyal)."""
    r, rows = purchases.retailer, purchases.buyers
    pop.orders[rows, r] += 1
    pop.stage[rows, r] = np.where(pop.orders[rows, r] >= 2, LOYAL, CUSTOMER)


def churn(pop: Population, beh: BehaviourSection, rng: np.random.Generator) -> None:
    """Customers stop buying with ``churn_hazard`` a day (members churn at half the rate)."""
    rows, cols = np.nonzero((pop.stage >= CUSTOMER) & ~pop.churned)
    hazard = np.where(pop.member[rows, cols], beh.churn_hazard * 0.5, beh.churn_hazard)
    quit_ = rng.random(len(rows)) < hazard  # one draw per active customer, none for the rest
    pop.churned[rows[quit_], cols[quit_]] = True
