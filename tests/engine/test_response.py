"""The compiled response pass (sim/response.py) equals the plain numpy response pass.

The reference below is the numpy formulation of the same rules: gathers, ``np.add.at``
scatters, first occurrences by ``np.unique`` and ``naive.engagement_probability``.
Every consumer array, counter and returned value must come out equal on random batches
with repeated consumers, several retailers, negative and reused posts.
"""

from __future__ import annotations

import numpy as np
import pytest

import naive
from sim.world.content import KIND, Exposures, PostLog
from sim.world.population import AWARE, INTERESTED, build_population
from sim.engine.response import ResponsePass
from sim.config.scenario import BehaviourSection, PopulationSection

N_CHANNELS, N_TIERS = 9, 3


def reference_response(pop, posts, exp, u, beh, atm, festival, damping, reached_by,
                       reached_by_creator, exposures_by_circle, engagements_by_circle):
    """The numpy response pass: returns (engaged, retailer, negative exposures, sharers, posts)."""

    def first_per_pair(consumer, retailer):  # first occurrence of each pair, in input order
        return np.sort(np.unique(consumer * n_ret + retailer, return_index=True)[1])

    i, r = exp.consumer, posts["retailer"][exp.post].astype(np.int64)
    n_ret = pop.stage.shape[1]
    negative = posts["negative"][exp.post]
    pop.ever_exposed[i] = True
    ones = np.ones(len(i), dtype=np.int32)
    np.add.at(pop.exposures, i, ones)
    seen_before = pop.brand_exposures[i, r] > 0
    np.add.at(pop.brand_exposures, (i, r), ones)
    reached_by[i, exp.channel] = True
    reached_by_creator[i[exp.channel < N_TIERS]] = True
    exposures_by_circle += np.bincount(pop.circle[i], minlength=len(exposures_by_circle))
    # awareness is a memory with a threshold (sim/engine/awareness.py), not set here
    first = first_per_pair(i, r)
    untouched = pop.first_touch[i[first], r[first]] < 0
    pop.first_touch[i[first][untouched], r[first][untouched]] = exp.channel[first][untouched]
    last = len(exp) - 1 - first_per_pair(i[::-1], r[::-1])
    pop.last_touch[i[last], r[last]] = exp.channel[last]
    pop.last_platform[i[last], r[last]] = posts["platform"][exp.post[last]]
    ctx = naive.ResponseContext(
        need=pop.need, susceptibility=pop.susceptibility, circle=pop.circle, fatigue=pop.fatigue,
        atmosphere=atm, festival=festival, negative_damping=damping, seen_before=seen_before)
    prob = naive.engagement_probability(exp, posts, ctx, beh)
    np.add.at(pop.fatigue, i, posts["homogeneity"][exp.post])
    engaged = u < prob
    engagements_by_circle += np.bincount(pop.circle[i[engaged]],
                                         minlength=len(engagements_by_circle))
    # first engagement of each (consumer, retailer) pair
    idx = np.flatnonzero(engaged)
    idx = idx[first_per_pair(i[idx], r[idx])]
    ii, rr, post = i[idx], r[idx], exp.post[idx]
    neg = posts["negative"][post]
    pos = ~neg
    pop.source_trust[ii[pos], rr[pos]] = posts["credibility"][post[pos]] * exp.trust[idx][pos]
    pop.last_click[ii[pos], rr[pos]] = exp.channel[idx][pos]
    fresh_pos = pos & (pop.stage[ii, rr] < INTERESTED)
    pop.stage[ii[fresh_pos], rr[fresh_pos]] = INTERESTED
    fresh_neg = neg & ~pop.negative[ii, rr]
    pop.negative[ii[fresh_neg], rr[fresh_neg]] = True
    fresh = fresh_pos | fresh_neg
    return engaged, r, int(negative.sum()), ii[fresh], post[fresh]


def _world(seed: int, n: int = 400, n_ret: int = 2, n_posts: int = 60):
    rng = np.random.default_rng(seed)
    pop = build_population(PopulationSection(circles=5), n, 2, np.ones(2), n_ret, rng)
    pop.fatigue[:] = rng.random(n).astype(np.float32) * 3
    pop.stage[:] = rng.integers(0, 4, size=pop.stage.shape)
    pop.brand_exposures[:] = rng.integers(0, 2, size=pop.stage.shape)
    pop.negative[:] = rng.random(pop.stage.shape) < 0.1
    posts = PostLog()
    posts.add(retailer=rng.integers(0, n_ret, n_posts), platform=rng.integers(0, 2, n_posts),
              channel=rng.integers(0, N_CHANNELS, n_posts), kind=rng.integers(0, 7, n_posts),
              circle=rng.integers(-1, 5, n_posts), credibility=rng.random(n_posts),
              b0=rng.normal(-2.0, 1.0, n_posts), negative=rng.random(n_posts) < 0.2,
              author=-1, day=1, reused=rng.random(n_posts) < 0.3)
    m = 1500
    exp = Exposures(rng.integers(0, n, m), rng.integers(0, n_posts, m),
                    rng.random(m).astype(np.float32), rng.integers(0, N_CHANNELS, m).astype(np.int8))
    atm = rng.random((n, n_ret))
    return rng, pop, posts, exp, atm


def _state(pop, extra):
    fields = ("stage", "fatigue", "exposures", "brand_exposures", "ever_exposed", "first_touch",
              "last_touch", "last_platform", "source_trust", "last_click", "negative")
    return {**{f: getattr(pop, f).copy() for f in fields}, **{k: v.copy() for k, v in extra.items()}}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("b_duplicate", [0.0, 0.7])
def test_compiled_response_pass_equals_numpy(seed, b_duplicate):
    beh = BehaviourSection(b_duplicate=b_duplicate, negativity_weight=0.5)
    results, states = [], []
    for compiled in (False, True):
        rng, pop, posts, exp, atm = _world(seed)
        u = rng.random(len(exp))
        festival, damping = np.array([True, False]), np.array([1.0, 0.4])
        extra = dict(reached_by=np.zeros((pop.n, N_CHANNELS), bool, order="F"),
                     reached_by_creator=np.zeros(pop.n, bool),
                     exposures_by_circle=np.zeros(5, np.int64),
                     engagements_by_circle=np.zeros(5, np.int64))
        if compiled:
            reach_counts = np.zeros(N_CHANNELS + 1, np.int64)
            res = ResponsePass(pop).run(exp, posts, u, beh, atmosphere=atm, festival=festival,
                                             damping=damping, n_tiers=N_TIERS,
                                             reach_counts=reach_counts, **extra)
            out = (res.engaged, res.retailer, res.negative_exposures, res.sharers, res.shared)
            # reach counted as flags flip = the flags set at the end (they started unset)
            assert reach_counts.tolist() == [*np.count_nonzero(extra["reached_by"], axis=0),
                                             np.count_nonzero(extra["reached_by_creator"])]
        else:
            out = reference_response(pop, posts, exp, u, beh, atm, festival, damping, **extra)
        results.append(out)
        states.append(_state(pop, extra))
    (ref, fast), (ref_state, fast_state) = results, states
    assert 0 < ref[0].sum() < len(ref[0]) and len(ref[3]) > 0  # some, not all, engage
    for a, b in zip(ref, fast):
        assert np.array_equal(a, b)
    for field in ref_state:
        assert np.array_equal(ref_state[field], fast_state[field]), field


def test_response_pass_on_an_empty_batch_changes_nothing():
    rng, pop, posts, _, atm = _world(3)
    before = _state(pop, {})
    res = ResponsePass(pop).run(
        Exposures.empty(), posts, np.empty(0), BehaviourSection(), atmosphere=atm, festival=np.zeros(2, bool),
        damping=np.ones(2), reached_by=np.zeros((pop.n, N_CHANNELS), bool, order="F"),
        reached_by_creator=np.zeros(pop.n, bool), n_tiers=N_TIERS,
        reach_counts=np.zeros(N_CHANNELS + 1, np.int64), exposures_by_circle=np.zeros(5, np.int64), engagements_by_circle=np.zeros(5, np.int64))
    assert len(res.engaged) == 0 and len(res.sharers) == 0 and res.negative_exposures == 0
    after = _state(pop, {})
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_postlog_append_is_add_of_one_post():
    staged, added = PostLog(), PostLog()
    rows = [(0, 1, 2, KIND["scene"], 3, 0.55, -3.1, False, 17, 4, 0.4, True, False),
            (1, 0, 5, KIND["promo"], -1, 0.7, -2.0, True, -1, 4, 1.2, False, True)]
    for row in rows:
        assert staged.append(*row) == len(staged) - 1
        added.add(**dict(zip(("retailer", "platform", "channel", "kind", "circle", "credibility",
                              "b0", "negative", "author", "day", "homogeneity", "framed",
                              "reused"), row)))
    assert len(staged) == 2
    ids = staged.add(retailer=0, platform=0, channel=0, kind=KIND["ugc"], circle=2,
                     credibility=0.8, b0=-3.0, negative=False, author=5, day=5)
    added.add(retailer=0, platform=0, channel=0, kind=KIND["ugc"], circle=2,
              credibility=0.8, b0=-3.0, negative=False, author=5, day=5)
    assert list(ids) == [2]  # staged posts keep their ids ahead of later ones
    for field, column in added.cols.items():
        assert np.array_equal(staged[field], column), field
