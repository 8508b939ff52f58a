"""The day's bookkeeping on its faster paths equals the former code kept here as reference:
the response pass counting exposures per channel itself (instead of a ``bincount`` per batch
in the metrics book), with the same metrics book, consumers' state, KPIs and random streams
after every day, on the baseline and on scenarios whose formats call the response pass
directly."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.engine import response
from sim.engine.model import SocialCommerceModel


def reference_run(ctx, exp):
    """The former ``sim.engine.response._run``: the pass, then ``count_exposures`` (a
    ``bincount`` of the batch's channels) and ``count_engagements``."""
    u = ctx.rng.random(len(exp))
    book, state = ctx.metrics, ctx.state
    res = ctx.response_pass.run(
        exp, ctx.posts, u, ctx.beh, atmosphere=state.atmosphere, festival=state.festival,
        damping=state.negative_damping, reached_by=book.reached_by,
        reached_by_creator=book.reached_by_creator, n_tiers=len(ctx.channels.tiers),
        reach_counts=book.reach_counts, exposures_by_circle=book.exposures_by_circle,
        engagements_by_circle=book.engagements_by_circle,
    )
    n = len(book.channels)
    book.exposures += len(exp)
    book.daily_exposures += len(exp)
    book._neg_today += res.negative_exposures
    book.exposures_by_channel += np.bincount(exp.channel, minlength=n)[:n]
    book.engagements += res.n_engaged
    book.daily_engagements += res.n_engaged
    return res


def _state(m):
    ctx, f, pop, book = m.ctx, m.ctx.funnel, m.ctx.population, m.ctx.metrics
    arrays = {"stage": pop.stage, "negative": pop.negative, "fatigue": pop.fatigue,
              "exposures": pop.exposures, "memory": ctx.awareness.memory,
              "by_channel": book.exposures_by_channel, "by_circle": book.exposures_by_circle,
              "eng_by_circle": book.engagements_by_circle, "reach": book.reach_counts,
              "creator_counts": f.creator_counts, "clicks": f.clicks, "views": f.views}
    scalars = (book.exposures, book.engagements, book.daily_exposures, book.daily_engagements,
               list(book.neg_window))
    streams = (ctx.rng.bit_generator.state, f.rng.bit_generator.state,
               f.kinds.rng.bit_generator.state)
    return {k: v.copy() for k, v in arrays.items()}, scalars, streams, repr(m.kpis)


@pytest.mark.parametrize("name", ["baseline", "live_commerce", "group_buying",
                                  "bargain_assist", "crisis_fast"])
def test_response_counts_equal_the_former_path(name, monkeypatch):
    scn = load_scenario(f"scenarios/{name}.toml", {"run.consumers": 1500, "run.days": 20})
    fast, ref = SocialCommerceModel(scn, seed=5), SocialCommerceModel(scn, seed=5)
    for _ in range(20):
        fast.step()
        with monkeypatch.context() as mp:
            mp.setattr(response, "_run", reference_run)
            ref.step()
        a, b = _state(fast), _state(ref)
        for k in a[0]:
            assert np.array_equal(a[0][k], b[0][k]), k
        assert a[1:] == b[1:]
    assert fast.ctx.metrics.exposures_by_channel.sum() == fast.ctx.metrics.exposures > 0


def test_run_without_a_channel_counter_still_books_the_batch():
    """``ResponsePass.run`` keeps its keyword form; the per-channel count is optional."""
    scn = load_scenario("scenarios/baseline.toml", {"run.consumers": 800, "run.days": 3})
    m = SocialCommerceModel(scn, seed=2)
    m.step()
    ctx = m.ctx
    from sim.world.content import Exposures
    post = np.full(5, len(ctx.posts) - 1, np.int64)
    exp = Exposures(np.arange(5, dtype=np.int64), post, np.ones(5, np.float32),
                    np.zeros(5, np.int8))
    book, state = ctx.metrics, ctx.state
    before = ctx.population.exposures[:5].copy()
    res = ctx.response_pass.run(
        exp, ctx.posts, np.full(5, 0.5), ctx.beh, atmosphere=state.atmosphere,
        festival=state.festival, damping=state.negative_damping, reached_by=book.reached_by,
        reached_by_creator=book.reached_by_creator, n_tiers=len(ctx.channels.tiers),
        reach_counts=book.reach_counts, exposures_by_circle=book.exposures_by_circle,
        engagements_by_circle=book.engagements_by_circle)
    assert len(res.engaged) == 5
    assert np.array_equal(ctx.population.exposures[:5], before + 1)


def reference_morning(memory, retention, threshold, stage, member):
    """The former ``AwarenessMemory.morning`` body (numpy)."""
    from sim.world.population import AWARE, UNAWARE
    memory *= np.float32(retention)
    forget = (stage == AWARE) & (memory < threshold) & ~member
    stage[forget] = UNAWARE


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_ret", [1, 3])
def test_memory_decay_equals_numpy(seed, n_ret):
    from sim.engine.awareness import _decay_and_forget
    from sim.world.population import AWARE, UNAWARE
    rng = np.random.default_rng(seed)
    n = 5000
    memory = (rng.random((n, n_ret)) * 3).astype(np.float32)
    memory[: n // 10] = np.float32(1.0) / np.float32(0.9)  # ties at the threshold
    stage = rng.integers(0, 5, (n, n_ret)).astype(np.int8)
    member = rng.random((n, n_ret)) < 0.2
    retention, threshold = [0.9, 0.8123456789, 0.5][seed], [1.0, 1.7, 0.3][seed]
    m2, s2 = memory.copy(), stage.copy()
    reference_morning(memory, retention, threshold, stage, member)
    _decay_and_forget(m2, np.float32(retention), np.float32(threshold), s2, member, AWARE,
                      UNAWARE)
    assert np.array_equal(memory, m2) and np.array_equal(stage, s2)
    assert (stage == UNAWARE).sum() > 0


def test_forgetting_model_equals_numpy_morning(monkeypatch):
    """A run with memory decay equals one whose mornings use the numpy form."""
    from sim.engine import awareness

    def numpy_morning(self, ctx, fatigue=None):
        beh = ctx.beh
        if fatigue is not None:  # the model hands the fatigue to decay in the same call
            fatigue *= beh.fatigue_decay
        if beh.memory_retention >= 1.0:
            return
        pop = ctx.population
        reference_morning(self.memory, beh.memory_retention, beh.awareness_threshold,
                          pop.stage, pop.member)

    scn = load_scenario("scenarios/community_push.toml",
                        {"run.consumers": 1500, "run.days": 20,
                         "behaviour.memory_retention": 0.8})
    fast, ref = SocialCommerceModel(scn, seed=3), SocialCommerceModel(scn, seed=3)
    for _ in range(20):
        fast.step()
        with monkeypatch.context() as mp:
            mp.setattr(awareness.AwarenessMemory, "morning", numpy_morning)
            ref.step()
        a, b = _state(fast), _state(ref)
        for k in a[0]:
            assert np.array_equal(a[0][k], b[0][k]), k
        assert a[1:] == b[1:]


def test_snapshot_check_finds_unfilled_and_extra_names():
    """The snapshot fills :meth:`KpiPlan.blank`; a name left unfilled or one added is caught
    (also when a filled KPI is NaN, which makes the quick sum NaN too)."""
    from sim.engine import metrics

    scn = load_scenario("scenarios/baseline.toml", {"run.consumers": 800, "run.days": 3})
    m = SocialCommerceModel(scn, seed=1)
    m.step()
    ctx = m.ctx
    plan = metrics.kpi_plan(ctx)
    kpis = metrics._snapshot(ctx, plan)
    assert list(kpis) == list(plan.names)
    assert metrics._registry_order(plan, kpis) is kpis
    nan_kpi = dict(kpis, roas=float("nan"))  # a NaN value is a filled value
    assert metrics._registry_order(plan, nan_kpi) is nan_kpi
    unfilled = dict(kpis, roas=metrics._UNSET)
    assert metrics._registry_order(plan, unfilled) is None
    unfilled_nan = dict(kpis, roas=metrics._UNSET, gmv=float("nan"))
    assert metrics._registry_order(plan, unfilled_nan) is None
    assert metrics._registry_order(plan, dict(kpis, no_such_kpi=1.0)) is None
    texts = dict(kpis, roas="x")  # values that do not add up are looked at one by one
    assert metrics._registry_order(plan, texts) is texts


def test_unfilled_kpi_is_reported(monkeypatch):
    from sim.engine import metrics

    scn = load_scenario("scenarios/baseline.toml", {"run.consumers": 800, "run.days": 3})
    m = SocialCommerceModel(scn, seed=1)
    m.step()
    real = metrics._funnel_kpis

    def drop_cpc(ctx, plan, kpis, *args):
        real(ctx, plan, kpis, *args)
        kpis["cpc"] = metrics._UNSET
        kpis["not_registered"] = 1.0

    monkeypatch.setattr(metrics, "_funnel_kpis", drop_cpc)
    with pytest.raises(RuntimeError, match=r"computed but not registered \['not_registered'\], "
                                           r"registered but not computed \['cpc'\]"):
        metrics.compute_kpis(m.ctx)


@pytest.mark.parametrize("name", ["circle_targeted", "circle_generic", "kol_koc_swarm",
                                  "crisis_fast", "platform_diversified"])
def test_compute_kpis_equals_the_reference_on_targeted_circles(name):
    """The snapshot's kept targeted-circle mask and its column-by-column funnel KPIs give the
    reference's KPIs (tests/engine/test_kpibuild_paths.py), names in order, every day."""
    from tests.engine.test_kpibuild_paths import reference_compute_kpis
    from sim.engine.metrics import compute_kpis, targeted_circle_mask

    scn = load_scenario(f"scenarios/{name}.toml", {"run.consumers": 1500, "run.days": 15})
    model = SocialCommerceModel(scn, seed=4)
    while model.running:
        model.step()
        got, want = compute_kpis(model.ctx), reference_compute_kpis(model.ctx)
        assert list(got) == list(want)
        assert got == want
        mask, as_list = model.ctx.metrics.kpi_plan.targeted(model.ctx)
        assert np.array_equal(mask, targeted_circle_mask(model.ctx))
        assert as_list == (mask.tolist() if mask.any() else None)


@pytest.mark.parametrize("values", [
    [1.5, 2.0, -0.0, float("nan")], [1, 2, 3], [1, 2.5], [True, False], [1, True],
    [np.float64(1.0), 2.0], [np.int64(3), 4], [2**63, 1], [-(2**63), 5], [None, 1.0],
    ["a", "b"], [1.0, None], [float("inf"), 1.0]])
def test_typed_column_is_what_pandas_infers(values):
    import pandas as pd
    from sim.engine.platform_funnel import _typed

    pd.testing.assert_frame_equal(pd.DataFrame({"a": _typed(list(values)), "b": 0}),
                                  pd.DataFrame({"a": list(values), "b": 0}), check_exact=True)


@pytest.mark.parametrize("path", ["kol_koc_swarm.toml", "kol_pyramid.toml",
                                  "group_buying.toml"])
def test_creator_frame_equals_frame_of_rows_elsewhere(path):
    import pandas as pd
    from sim.engine.platform_funnel import creator_frame, creator_rows

    scn = load_scenario(f"scenarios/{path}", {"run.consumers": 1500, "run.days": 8})
    model = SocialCommerceModel(scn, seed=6)
    while model.running:
        model.step()
    frame = creator_frame(model.ctx)
    pd.testing.assert_frame_equal(frame, pd.DataFrame(creator_rows(model.ctx)),
                                  check_exact=True)
    counts = model.ctx.funnel.creator_counts
    frame.loc[0, "views"] += 1  # the frame holds copies of the live counters
    assert counts[0, 1] == frame.loc[0, "views"] - 1


def test_negative_sentiment_equals_the_former_sums():
    from sim.engine.metrics import MetricsBook, ratio

    book = MetricsBook(["a"])
    assert book.negative_sentiment == 0.0
    rng = np.random.default_rng(1)
    for _ in range(12):
        book.start_day()
        book.count_batch(int(rng.integers(0, 50)), int(rng.integers(0, 5)), 1)
        book.end_day()
        want = ratio(sum(n for n, _ in book.neg_window), sum(t for _, t in book.neg_window))
        assert book.negative_sentiment == want
    book.neg_window.clear()
    book.neg_window.append((0, 0))
    assert book.negative_sentiment == 0.0


@pytest.mark.parametrize("values", [[-0.0], [0.0], [1.25], [float("nan")], [float("inf")],
                                    [-3.5], [1e308], [5e-324], [1.0, 2.0], [-0.0, -0.0], []])
def test_total_is_numpy_sum(values):
    from sim.engine.metrics import _total

    a = np.array(values, dtype=np.float64)
    got, want = _total(a), float(a.sum())
    assert type(got) is float and repr(got) == repr(want)


def reference_engage(self, exp, organic=None):
    """The former ``SocialCommerceModel._engage``: spill-over called for every batch, the
    boosted views' sharers always joined."""
    from sim.engine import amplification, crisis, platform_funnel, sharing

    ctx = self.ctx
    exp = platform_funnel.view(ctx, exp)
    res = self._respond(exp)
    sharers, shared = res.sharers, res.shared
    ctx.state.pending.append(crisis.spill_over(ctx, exp, res.engaged))
    if organic:
        boosted = amplification.amplify(ctx, exp, res.engaged, organic)
        boosted = platform_funnel.view(ctx, boosted)
        if len(boosted):
            res2 = self._respond(boosted)
            sharers = np.concatenate([sharers, res2.sharers])
            shared = np.concatenate([shared, res2.shared])
    sharing.queue_shares(ctx, sharers, shared)


@pytest.mark.parametrize("name, consumers, days", [("crisis_slow", 4000, 40),
                                                   ("crisis_fast", 4000, 36),
                                                   ("baseline", 1500, 20),
                                                   ("platform_diversified", 1500, 20)])
def test_engage_equals_the_former_engage(name, consumers, days, monkeypatch):
    from sim.engine import crisis

    scn = load_scenario(f"scenarios/{name}.toml", {"run.consumers": consumers, "run.days": days})
    fast, ref = SocialCommerceModel(scn, seed=8), SocialCommerceModel(scn, seed=8)
    spilled = []
    real = crisis.spill_over

    def counted(*args):
        out = real(*args)
        spilled.append(len(out))
        return out

    for _ in range(days):
        with monkeypatch.context() as mp:
            mp.setattr(crisis, "spill_over", counted)
            fast.step()
        with monkeypatch.context() as mp:
            mp.setattr(SocialCommerceModel, "_engage", reference_engage)
            ref.step()
        a, b = _state(fast), _state(ref)
        for k in a[0]:
            assert np.array_equal(a[0][k], b[0][k]), k
        assert a[1:] == b[1:]
        assert [len(e) for e in fast.pending] == [len(e) for e in ref.pending]
    if name == "crisis_slow":
        assert sum(spilled) > 0  # the spill-over path was taken
