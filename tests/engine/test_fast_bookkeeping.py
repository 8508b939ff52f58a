"""The compiled daily bookkeeping returns exactly what the plain numpy code it replaces returns.

Each reference (tests/naive.py) is the numpy implementation the compiled kernels replaced
(start-of-day trackers, KPI counts, purchase hazards and draws, order booking, churn). Floats
are compared bit for bit (``tobytes``) and random streams are compared by drawing once more
from both generators afterwards: the kernels consume the same random numbers in the same order.
"""

from __future__ import annotations

from pathlib import Path

import naive
import numpy as np
import pytest

from sim.engine import churn as churn_mod
from sim.engine import funnel
from sim.engine.diffusion import atmosphere
from sim.world.graph import circle_graph
from sim.kernels.incremental import CircleShare, NeighbourShare, _flip_changed
from sim.engine.metrics import compute_kpis, consumer_counts
from sim.engine.model import SocialCommerceModel
from sim.kernels.bytescan import byte_words, count_set_bytes, entries_at_least, threshold_add
from sim.world.population import AWARE, CUSTOMER, INTERESTED, LOYAL, build_population
from sim.config.scenario import (
    BehaviourSection,
    GraphSection,
    PopulationSection,
    RetailerSection,
    load_scenario,
)

ROOT = Path(__file__).resolve().parents[2]


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes (so −0.0 and NaN payloads count)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def population(n: int, n_ret: int, seed: int, circles: int = 6):
    """A population with random funnel state in every column."""
    rng = np.random.default_rng(seed)
    pop = build_population(PopulationSection(circles=circles), n, 3, np.ones(3), n_ret, rng)
    pop.stage[:] = rng.choice(5, size=(n, n_ret), p=[0.4, 0.25, 0.2, 0.1, 0.05])
    pop.orders[:] = np.where(pop.stage >= CUSTOMER, rng.integers(1, 4, (n, n_ret)), 0)
    pop.orders[rng.random((n, n_ret)) < 0.02] += 1  # some orders whatever the stage
    pop.member[:] = rng.random((n, n_ret)) < 0.2
    pop.referred[:] = pop.member & (rng.random((n, n_ret)) < 0.4)
    pop.negative[:] = rng.random((n, n_ret)) < 0.1
    pop.churned[:] = rng.random((n, n_ret)) < 0.15
    pop.ever_exposed[:] = rng.random(n) < 0.5
    pop.source_trust[:] = rng.random((n, n_ret)).astype(np.float32)
    pop.last_platform[:] = rng.integers(0, 3, (n, n_ret))
    for touch in (pop.first_touch, pop.last_touch, pop.last_click):
        touch[:] = rng.integers(-1, 6, (n, n_ret))
    return pop


SIZES = [(0, 1), (1, 1), (7, 1), (8, 2), (9, 3), (203, 1), (1001, 2), (4099, 3)]


# ------------------------------------------------------------------ byte-code scans
@pytest.mark.parametrize("n, n_ret", SIZES)
def test_entries_at_least_equals_flatnonzero(n, n_ret):
    pop = population(n, n_ret, seed=n)
    for t in range(6):
        assert same(entries_at_least(pop.stage, t), np.flatnonzero(pop.stage >= t))
        assert same(entries_at_least(pop.stage, t, unless=pop.churned),
                    np.flatnonzero((pop.stage >= t) & ~pop.churned))
    raw = pop.member.reshape(-1).view(np.uint8)
    for start, stop in ((0, raw.size), (raw.size // 3, raw.size // 2), (3, 3)):
        start, stop = min(start, raw.size), min(stop, raw.size)
        assert count_set_bytes(raw, start, stop) == np.count_nonzero(raw[start:stop])


def test_byte_scans_reject_what_they_cannot_read():
    with pytest.raises(ValueError):
        byte_words(np.zeros(10, dtype=np.int32))
    with pytest.raises(ValueError):
        byte_words(np.zeros((10, 2), dtype=np.int8)[:, 0])
    with pytest.raises(ValueError):
        threshold_add(129)
    with pytest.raises(ValueError):
        entries_at_least(np.zeros((4, 2), np.int8), 1, unless=np.zeros((4, 1), bool))


# ------------------------------------------------------------------ start-of-day trackers
@pytest.mark.parametrize("n, n_ret", SIZES[1:])
def test_flip_changed_finds_every_changed_entry_and_updates_the_mask(n, n_ret):
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 5, (n, n_ret)).astype(np.int8)
    mask = rng.random((n, n_ret)) < 0.3
    for t in (0, 1, 2, 4, 5):
        before = mask.copy()
        entries, delta = _flip_changed(*byte_words(codes), threshold_add(t), t, *byte_words(mask))
        now = codes >= t
        assert same(entries, np.flatnonzero(now != before))
        assert same(delta, np.where(now.reshape(-1)[entries], 1, -1).astype(np.int8))
        assert same(mask, now)
        assert same(np.unique(entries // n_ret), naive.changed_rows(now, before))


@pytest.mark.parametrize("n_ret", [1, 2, 3])
def test_trackers_fed_stage_codes_equal_full_recomputation(n_ret):
    rng = np.random.default_rng(8 + n_ret)
    circle = rng.integers(0, 6, 2003).astype(np.int32)
    g = circle_graph(circle, GraphSection(), rng)
    share, sat = NeighbourShare(g, n_ret), CircleShare(circle, 6, n_ret)
    neg_share = CircleShare(circle, 6, n_ret)
    stage = np.zeros((g.n, n_ret), dtype=np.int8)
    negative = np.zeros((g.n, n_ret), dtype=bool)
    sizes = np.maximum(np.bincount(circle, minlength=6), 1)[:, None]
    for day in range(10):
        up = rng.random(stage.shape) < 0.05
        stage[up] = np.minimum(stage[up] + rng.integers(1, 3, up.sum()), LOYAL)
        stage[rng.random(stage.shape) < 0.01] = 0  # codes may also fall back
        negative ^= rng.random(negative.shape) < 0.03
        expected = atmosphere(g.adjacency(), stage >= INTERESTED, g.degree)
        got = share.update(stage, INTERESTED)
        assert same(got, expected.astype(np.float64))
        for tracker, mask in ((sat, stage >= AWARE), (neg_share, negative)):
            out = tracker.update(stage, AWARE) if tracker is sat else tracker.update(negative)
            sums = np.stack([np.bincount(circle, weights=mask[:, r], minlength=6)
                             for r in range(n_ret)], 1)
            assert same(out, sums / sizes)
    # other dtypes and layouts are thresholded first
    assert same(share.update(stage.astype(np.int16), INTERESTED), share.share)
    assert same(sat.update(np.asfortranarray(stage), AWARE), sat.sums / sizes)
    with pytest.raises(ValueError):
        sat.update(stage[:10], AWARE)


# ------------------------------------------------------------------ KPI counts
@pytest.mark.parametrize("n, n_ret", SIZES + [(100_003, 1)])
def test_consumer_counts_equal_numpy_passes(n, n_ret):
    pop = population(n, n_ret, seed=n + n_ret)
    targeted = np.random.default_rng(n).random(6) < 0.5
    assert consumer_counts(pop, targeted).tolist() == naive.consumer_counts(pop, targeted)


@pytest.mark.parametrize("path", ["scenarios/baseline.toml", "scenarios/price_war.toml",
                                  "scenarios/community_push.toml", "benchmarks/mesa_common.toml"])
def test_compute_kpis_equals_numpy_definitions_every_day(path):
    scn = load_scenario(ROOT / path, {"run.consumers": 3001, "run.days": 20})
    model = SocialCommerceModel(scn, seed=4)
    while model.running:
        model.step()
        got, expected = compute_kpis(model.ctx), naive.compute_kpis(model)
        assert sorted(got) == sorted(expected)  # order: the KPI registry's (sim/config/kpis.py)
        assert got == expected


# ------------------------------------------------------------------ purchase hazards
@pytest.mark.parametrize("n_ret", [1, 2])
def test_purchase_hazards_equal_numpy_within_float_rounding(n_ret):
    """The compiled hazards equal the numpy expressions (float32 rounding of the logit's
    terms allowed for; exact for the model's own input types, which the fingerprints pin)."""
    pop = population(5000, n_ret, seed=20 + n_ret)
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(pop.n, 1500, replace=False))
    atm64 = rng.random((pop.n, n_ret))
    atm32 = atm64.astype(np.float32)
    well_mixed = np.broadcast_to(atm32.mean(axis=0, keepdims=True), atm32.shape)
    conversion = np.array([1.0, 1.5, 0.0])  # 0 × a negative factor is −0.0, kept by clip
    behaviours = [BehaviourSection(),
                  BehaviourSection(c0=2.0, c_coupon=1.3, negative_block=1.0),
                  # past 1 (unvalidated): negative hazards, clipped to 0 as numpy clips them
                  BehaviourSection(c0=3.0).model_copy(update={"negative_block": 1.7})]
    for beh in behaviours:
        for atm in (atm64, atm32, well_mixed):
            for coupon, price in ((False, None), (True, 61.5), (True, np.float64(70.25))):
                for r in range(n_ret):
                    cfg = RetailerSection(price=85.0)
                    got = funnel.first_purchase_probability(pop, rows, r, cfg, beh, atm,
                                                            coupon, conversion, price)
                    expected = naive.first_purchase_probability(
                        pop, rows, r, cfg, beh, atm, coupon, conversion, price)
                    assert got.dtype == np.float64
                    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-12)
        for multiplier, discount in ((1.0, 0.0), (2.5, 0.0), (1.5, 12.0), (np.float32(2), 3)):
            for r in range(n_ret):
                got = funnel.repurchase_probability(pop, rows, r, beh, multiplier, discount)
                expected = naive.repurchase_probability(pop, rows, r, beh, multiplier,
                                                            discount)
                np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-12)
    empty = np.empty(0, dtype=np.int64)
    assert len(funnel.first_purchase_probability(pop, empty, 0, RetailerSection(),
                                                 BehaviourSection(), atm64, False,
                                                 conversion)) == 0


# ------------------------------------------------------------------ purchase draws
@pytest.mark.parametrize("n, n_ret", [(1, 1), (9, 1), (4099, 1), (4099, 2), (2001, 3)])
def test_purchase_draws_equal_numpy_and_use_the_same_random_numbers(n, n_ret):
    pop = population(n, n_ret, seed=n * n_ret)
    beh = BehaviourSection(c0=-1.0)  # frequent orders
    retailers = [RetailerSection(name=f"r{r}", price=80.0 + 10 * r) for r in range(n_ret)]
    atm = np.random.default_rng(1).random((n, n_ret))
    conversion = np.array([1.0, 1.4, 0.8])
    for coupons, prices in (([False] * n_ret, None), ([True] * n_ret, [60.0 + r for r in range(n_ret)])):
        a, b = np.random.default_rng(7), np.random.default_rng(7)
        got = funnel.decide_purchases(pop, retailers, beh, atm, coupons, conversion, a, prices)
        expected = naive.decide_purchases(pop, retailers, beh, atm, coupons, conversion, b,
                                          prices)
        assert len(got) == len(expected) == n_ret
        for x, y in zip(got, expected):
            assert x.retailer == y.retailer
            assert same(x.buyers, y.buyers) and same(x.first, y.first)
            assert same(x.coupon, y.coupon)
        assert a.random() == b.random()  # the same draws were consumed
        if n > 100:
            assert sum(len(x.buyers) for x in got) > 0


def test_purchase_sessions_equal_numpy():
    for n, n_ret in SIZES:
        pop = population(n, n_ret, seed=3 * n + n_ret)
        a, b = np.random.default_rng(n), np.random.default_rng(n)
        open_rows = np.flatnonzero((pop.stage >= INTERESTED).any(axis=1))
        expected = open_rows[b.random(len(open_rows)) < pop.activity[open_rows]]
        assert same(funnel.purchase_sessions(pop, a), expected)
        assert a.random() == b.random()


# ------------------------------------------------------------------ booking and churn
def test_record_orders_equals_numpy_even_with_repeated_rows():
    pop, ref = population(300, 2, seed=5), population(300, 2, seed=5)
    rows = np.array([3, 17, 17, 40, 299, 0, 3])
    for r in (0, 1):
        purchase = funnel.Purchases(r, rows, np.ones(len(rows), bool), np.zeros(len(rows), bool))
        funnel.record_orders(pop, purchase)
        ref.orders[rows, r] += 1
        ref.stage[rows, r] = np.where(ref.orders[rows, r] >= 2, LOYAL, CUSTOMER)
        assert same(pop.orders, ref.orders) and same(pop.stage, ref.stage)


def test_tally_orders_equals_bincount():
    pop = population(500, 2, seed=6)
    rows = np.random.default_rng(6).choice(500, 120, replace=False)
    for r in (0, 1):
        purchase = funnel.Purchases(r, rows, np.ones(120, bool), np.zeros(120, bool))
        counters = [np.zeros(3, np.int64), np.zeros((2, 6), np.int64), np.zeros((2, 6), np.int64),
                    np.zeros((2, 6), np.int64)]
        funnel.tally_orders(pop, purchase, counters[0], counters[1][r], counters[2][r],
                            counters[3][r])
        assert same(counters[0], np.bincount(pop.last_platform[rows, r], minlength=3))
        for touch, counter in zip((pop.first_touch, pop.last_touch, pop.last_click),
                                  counters[1:]):
            ch = touch[rows, r]
            assert same(counter[r], np.bincount(ch[ch >= 0], minlength=6))
    with pytest.raises(ValueError):
        funnel.tally_orders(pop, purchase, np.zeros(2, np.int64), *np.zeros((3, 6), np.int64))
    with pytest.raises(ValueError):
        funnel.tally_orders(pop, purchase, np.zeros(3, np.int64), *np.zeros((3, 5), np.int64))


@pytest.mark.parametrize("n, n_ret", SIZES)
def test_churn_equals_numpy_and_uses_the_same_random_numbers(n, n_ret):
    pop, ref = population(n, n_ret, seed=n), population(n, n_ret, seed=n)
    beh = BehaviourSection(churn_hazard=0.3)
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    for _ in range(3):
        churn_mod.churn(pop, beh, a)
        naive.churn(ref, beh, b)
        assert same(pop.churned, ref.churned)
    assert a.random() == b.random()
    keep = np.where(np.arange(n * n_ret).reshape(n, n_ret) % 3 == 0, 0.0, 0.5)
    for _ in range(3):  # with check-in retention (gamification): 0 keeps, 0.5 halves
        churn_mod.churn(pop, beh, a, keep)
        naive.churn(ref, beh, b, keep)
        assert same(pop.churned, ref.churned)
    assert a.random() == b.random()


# ------------------------------------------------------------------ the model's day
def test_model_days_equal_with_reference_bookkeeping(monkeypatch):
    """A run with every compiled path swapped back for its numpy reference gives the same
    KPIs, day by day."""
    scn = load_scenario(ROOT / "scenarios/price_war.toml", {"run.consumers": 2500, "run.days": 15})
    fast = SocialCommerceModel(scn, seed=11)
    while fast.running:
        fast.step()
    monkeypatch.setattr(funnel, "decide_purchases", naive.decide_purchases)
    monkeypatch.setattr(churn_mod, "churn", naive.churn)
    ref = SocialCommerceModel(scn, seed=11)
    while ref.running:
        ref.step()
    a = fast.datacollector.get_model_vars_dataframe()
    b = ref.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert same(fast.population.stage, ref.population.stage)
    assert same(fast.population.churned, ref.population.churned)


def test_copied_trackers_keep_tracking_their_own_mask():
    """Copies (deepcopy, pickle) of trackers together with the codes they read, as in a copy
    of a whole model, track the copied codes."""
    import copy
    import pickle

    rng = np.random.default_rng(12)
    circle = rng.integers(0, 4, 501).astype(np.int32)
    g = circle_graph(circle, GraphSection(), rng)
    stage = rng.integers(0, 3, (g.n, 1)).astype(np.int8)
    share, sat = NeighbourShare(g, 1), CircleShare(circle, 4, 1)
    share.update(stage, INTERESTED)
    sat.update(stage, AWARE)
    sizes = np.maximum(np.bincount(circle), 1)[:, None]
    for clone in (copy.deepcopy, lambda x: pickle.loads(pickle.dumps(x))):
        share2, sat2, stage2 = clone((share, sat, stage))
        stage2[rng.random(stage2.shape) < 0.2] = LOYAL  # in place, as the model does
        got = share2.update(stage2, INTERESTED)
        assert same(got, atmosphere(g.adjacency(), stage2 >= INTERESTED, g.degree))
        sums = np.bincount(circle, weights=(stage2 >= AWARE)[:, 0], minlength=4)[:, None]
        assert same(sat2.update(stage2, AWARE), sums / sizes)
    assert same(share.update(stage, INTERESTED),
                atmosphere(g.adjacency(), stage >= INTERESTED, g.degree))
