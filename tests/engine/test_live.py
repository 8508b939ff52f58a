"""Live-stream selling: the rule's pieces, direction of its levers with paired seeds, and the
invariants of its counters every day."""

from __future__ import annotations

import numpy as np
from sim.config.formats import LiveSeries
from sim.config.loading import load_scenario
from sim.engine.live import (buy_probability, is_session_day, peak_concurrent, pool_draw,
                             watch_times)
from sim.engine.model import SocialCommerceModel
from sim.execution.runner import run_single

SMALL = {"run.consumers": 2000, "run.days": 30}


def test_session_calendar():
    weekly = LiveSeries(start_day=3, every_days=7, sessions=2)
    assert [d for d in range(1, 30) if is_session_day(weekly, d)] == [3, 10]
    once = LiveSeries(start_day=5, every_days=0, sessions=9)
    assert [d for d in range(1, 30) if is_session_day(once, d)] == [5]


def test_peak_concurrency_against_a_minute_grid():
    rng = np.random.default_rng(0)
    start, end = watch_times(400, 2.0, 6.0, rng)
    grid = np.arange(0, 120, 0.01)
    brute = max(int(((start <= t) & (end > t)).sum()) for t in grid)
    assert abs(peak_concurrent(start, end) - brute) <= 1
    assert peak_concurrent(np.empty(0), np.empty(0)) == 0


def test_pool_draw_hits_its_expectation_and_weights():
    w = np.r_[np.ones(5000), np.zeros(5000)]
    rows = pool_draw(w, 500.0, np.random.default_rng(1))
    assert 430 < len(rows) < 570 and rows.max() < 5000


def test_buying_rises_with_deal_credibility_and_scarcity_and_never_for_negative():
    need, eng, neg = np.full(3, 0.4), np.array([False, True, False]), np.array([False, False, True])
    base = buy_probability(need, eng, neg, 0.5, LiveSeries(discount=0.0))
    deal = buy_probability(need, eng, neg, 0.5, LiveSeries(discount=0.3))
    cred = buy_probability(need, eng, neg, 0.9, LiveSeries(discount=0.0))
    scarce = buy_probability(need, eng, neg, 0.5, LiveSeries(discount=0.0, stock=10))
    assert np.all(deal[:2] > base[:2]) and np.all(cred[:2] > base[:2])
    assert np.all(scarce[:2] > base[:2]) and base[1] > base[0]
    assert deal[2] == base[2] == 0.0


def _live(**series):
    cfg = {"host": "self", "start_day": 3, "every_days": 7, "sessions": 4, **series}
    return load_scenario("baseline", {**SMALL, "retailers.brand.live": [cfg]})


def test_more_sessions_more_live_orders_paired_seeds():
    few, many = _live(sessions=1), _live(sessions=4)
    diff = [run_single(many, s, keep_timeseries=False).summary["live_viewers"]
            - run_single(few, s, keep_timeseries=False).summary["live_viewers"] for s in (1, 2, 3)]
    assert min(diff) > 0


def test_lively_rooms_are_pushed_to_more_viewers():
    # the same sessions on a feed whose traffic pool boosts lively rooms, or never boosts
    scn = _live(pool=0.01, attend_prob=0.3)
    flat = scn.with_overrides({"platforms.feed.amplification_threshold": 1.0})
    boosted = scn.with_overrides({"platforms.feed.amplification_threshold": 0.0})
    a = [run_single(boosted, s, keep_timeseries=False).summary["live_viewers"] for s in (1, 2)]
    b = [run_single(flat, s, keep_timeseries=False).summary["live_viewers"] for s in (1, 2)]
    assert np.mean(a) > 1.3 * np.mean(b)


def test_limited_stock_caps_orders_and_invariants_hold_every_day():
    scn = _live(stock=300, buy_prob=0.5, attend_prob=0.5)  # 300 units -> 1 in 2,000 consumers
    model = SocialCommerceModel(scn, seed=4)
    prev = dict(model.kpis)
    while model.running:
        model.step()
        k = model.kpis
        assert k["live_orders"] <= k["live_sessions"] * 1  # one unit per session at this size
        assert k["peak_viewers"] <= k["live_viewers"]
        assert k["live_gmv"] <= k["gmv"] + 1e-9 and 0.0 <= k["live_share"] <= 1.0
        for key in ("live_sessions", "live_viewers", "live_orders", "live_gmv", "spend_live"):
            assert k[key] >= prev[key]
        prev = dict(k)
    assert prev["live_sessions"] == 4 and prev["spend_live"] > 0


def test_a_creator_hosts_a_session():
    hosted = load_scenario("baseline", {**SMALL, "retailers.brand.live": [
        {"host": "head", "start_day": 2, "every_days": 0, "fee": 5000.0}]})
    summary = run_single(hosted, 1, keep_timeseries=False).summary
    assert summary["live_sessions"] == 1
    assert summary["spend_live"] >= 5000.0 * hosted.money_scale
