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
