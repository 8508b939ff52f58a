"""The ledger: spend and orders of a run booked in one place."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.ledger import Ledger
from sim.engine.model import SocialCommerceModel


def test_spend_and_orders_of_a_run_are_the_ledgers(small_baseline):
    model = SocialCommerceModel(small_baseline, seed=2)
    while model.running:
        model.step()
    ledger, pop = model.ledger, model.population
    assert ledger.orders > 0
    assert ledger.orders == int(pop.orders.sum())  # every order booked once, on a consumer too
    assert model.kpis["orders"] == ledger.orders
    ret = model.retailers[0]
    assert ret.spent is ledger.spent[0]
    assert model.kpis["spend"] == pytest.approx(ret.total_spent)
    assert 0 < ret.total_spent <= ret.budget + 1e-6
    assert ledger.units >= ledger.orders  # an order holds one unit or more
    assert ledger.gmv[0] == pytest.approx(ledger.units * ret.cfg.price)  # no price shock
    assert ledger.profit[0] == pytest.approx(ledger.units * ret.cfg.price * ret.cfg.margin)
    assert ledger.first_touch_orders.sum() <= ledger.orders


def test_weekly_returns_are_last_click_orders_per_yuan_then_restart():
    ledger = Ledger(1, ["head", "ads", "community", "coupons", "wom", "ugc"],
                    ["head", "ads", "coupons", "community"], 2)
    ledger.book_spend(0, "head", 200.0)
    ledger.book_spend(0, "ads", 100.0)
    ledger.week_last_touch[0, 0] = 10  # head
    ledger.week_last_touch[0, 1] = 1  # ads
    ledger.week_coupon_orders[0] = 3
    returns = ledger.weekly_returns(0)
    assert returns == {"head": 10 / 200.0, "ads": 1 / 100.0}  # coupons unspent: not judged
    assert ledger.weekly_returns(0) == {}  # the week restarted
    assert ledger.spent[0]["head"] == 200.0  # cumulative spend stays
    assert not ledger.week_last_touch.any() and ledger.week_coupon_orders[0] == 0


def test_orders_book_gmv_at_todays_price_and_profit_at_list_cost():
    ledger = Ledger(2, ["ads"], ["ads"], 1)
    ledger.book_orders(1, 4, price=80.0, unit_cost=60.0)
    ledger.start_day()
    ledger.book_orders(1, 1, price=100.0, unit_cost=60.0)
    assert ledger.orders == 5 and ledger.daily_orders == 1
    assert list(ledger.orders_by_retailer) == [0, 5]
    assert ledger.gmv[1] == 420.0 and ledger.profit[1] == 120.0
    assert np.all(ledger.gmv[:1] == 0)
