"""The fast paths give the results of the simple implementations they replace.

Exact equality where the fast path is exact (graph construction, incremental social proof and
saturation, cached samplers, batched deliveries, packed-sort helpers, the post log), and
agreement in distribution where it draws differently (the compiled independent cascade against
a plain-Python breadth-first reference; purchase sessions and churn drawn only for consumers who
can use them). Small graphs and populations only: every test here runs in about a second.
"""

from __future__ import annotations

import math
from collections import deque

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from sim.engine import churn, funnel
from sim.kernels.arrayops import count_distinct, sorted_union, sorted_unique
from sim.kernels.cascade import cascade_generation, independent_cascade
from sim.world.content import KIND, PostLog
from sim.kernels.csr import guide_table, searchsorted_right, symmetric_csr, unique_pairs
from sim.engine.diffusion import atmosphere
from sim.world.graph import SocialGraph, circle_graph, from_networkx
from sim.kernels.incremental import AttentionSampler, CircleShare, NeighbourShare
from sim.world.platforms import Platform, sample_by_attention
from sim.world.population import CUSTOMER, INTERESTED, build_population
from sim.config.scenario import (
    BehaviourSection,
    GraphSection,
    PlatformSection,
    PopulationSection,
)


def graph_of(g: nx.Graph) -> SocialGraph:
    return from_networkx(g, GraphSection(), np.random.default_rng(0))


def reference_cascade(graph: SocialGraph, seeds, T: float, rng: np.random.Generator) -> set[int]:
    """Textbook independent cascade: breadth first, one uniform draw per tie tried."""
    active = {int(s) for s in seeds}
    queue = deque(active)
    while queue:
        u = queue.popleft()
        for v in graph.indices[graph.indptr[u]:graph.indptr[u + 1]]:
            v = int(v)
            if v not in active and rng.random() < T:
                active.add(v)
                queue.append(v)
    return active


# ------------------------------------------------------------------ cascade kernel
def test_cascade_on_a_path_activates_distance_d_with_probability_T_to_the_d():
    g = graph_of(nx.path_graph(8))
    rng = np.random.default_rng(1)
    runs, T = 20_000, 0.6
    hits = np.zeros(8)
    for _ in range(runs):
        hits[independent_cascade(g, [0], T, rng)] += 1
    freq = hits / runs
    expected = T ** np.arange(8)
    se = np.sqrt(expected * (1 - expected) / runs) + 1e-9
    assert np.all(np.abs(freq - expected) < 4.5 * se + 1e-12)


def test_cascade_matches_plain_python_reference_in_distribution():
    g = graph_of(nx.gnm_random_graph(120, 300, seed=3))
    seeds, T, runs = [0, 5, 9], 0.3, 3000
    rng_fast, rng_ref = np.random.default_rng(2), np.random.default_rng(3)
    fast_hits, ref_hits = np.zeros(g.n), np.zeros(g.n)
    fast_sizes, ref_sizes = [], []
    for _ in range(runs):
        a = independent_cascade(g, seeds, T, rng_fast)
        b = np.fromiter(reference_cascade(g, seeds, T, rng_ref), dtype=np.int64)
        fast_hits[a] += 1
        ref_hits[b] += 1
        fast_sizes.append(len(a))
        ref_sizes.append(len(b))
    # final sizes: same distribution (two-sample Kolmogorov–Smirnov)
    assert stats.ks_2samp(fast_sizes, ref_sizes).pvalue > 0.001
    # every node's activation frequency agrees within sampling error
    p = (fast_hits + ref_hits) / (2 * runs)
    se = np.sqrt(2 * p * (1 - p) / runs) + 1e-9
    assert np.max(np.abs(fast_hits - ref_hits) / runs / se) < 4.5


def test_cascade_limits_and_determinism():
    g = graph_of(nx.disjoint_union(nx.cycle_graph(10), nx.path_graph(5)))
    rng = np.random.default_rng(0)
    assert sorted(independent_cascade(g, [3], 1.0, rng)) == list(range(10))  # its component
    assert independent_cascade(g, [3, 3, 12], 0.0, rng).tolist() == [3, 12]
    a = independent_cascade(g, [0], 0.5, np.random.default_rng(7))
    b = independent_cascade(g, [0], 0.5, np.random.default_rng(7))
    assert a.tolist() == b.tolist()  # same seed, same cascade
    with pytest.raises(ValueError):
        independent_cascade(g, [99], 0.5, rng)
    with pytest.raises(ValueError):
        independent_cascade(g, [0], 1.5, rng)


def test_generations_compose_into_the_full_cascade():
    g = graph_of(nx.gnm_random_graph(300, 900, seed=1))
    rng = np.random.default_rng(4)
    sizes_gen, sizes_full, hits_all, tries_all = [], [], 0, 0
    for _ in range(400):
        active = np.zeros(g.n, dtype=bool)
        active[[0, 1]] = True
        frontier, total, hits = np.array([0, 1]), 2, 0
        while len(frontier):
            frontier, h = cascade_generation(g, frontier, 0.25, active, rng, record_hits=True)
            total += len(frontier)
            hits += len(h)
            assert active[h].all()  # every successful trial's target is active
        assert total == active.sum()
        sizes_gen.append(total)
        hits_all += hits
        tries_all += int(g.degree[active].sum())
        sizes_full.append(len(independent_cascade(g, [0, 1], 0.25, rng)))
    assert stats.ks_2samp(sizes_gen, sizes_full).pvalue > 0.001
    # every activated node tries each of its ties once, each try succeeding with T
    assert abs(hits_all / tries_all - 0.25) < 4 * math.sqrt(0.25 * 0.75 / tries_all)


# ------------------------------------------------------------- graph construction
def test_graph_sort_kernels_equal_numpy():
    rng = np.random.default_rng(5)
    for n, m in ((400, 5000), (60, 20_000)):  # short and long runs of equal lo
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = u != v
        lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
        key, first = np.unique(lo * n + hi, return_index=True)
        lo2, hi2, first2 = unique_pairs(lo, hi, n)
        assert np.array_equal(lo2, key // n) and np.array_equal(hi2, key % n)
        assert np.array_equal(first2, first)
        rows, cols = np.concatenate([lo2, hi2]), np.concatenate([hi2, lo2])
        order = np.lexsort((cols, rows))
        indptr, indices, edge = symmetric_csr(lo2, hi2, n)
        assert np.array_equal(indices, cols[order])
        assert np.array_equal(edge, np.concatenate([np.arange(len(lo2))] * 2)[order])
        assert np.array_equal(indptr, np.r_[0, np.cumsum(np.bincount(rows, minlength=n))])


def test_guided_search_equals_searchsorted():
    rng = np.random.default_rng(6)
    for n in (1, 7, 5000):
        w = rng.pareto(1.5, n)
        w[rng.random(n) < 0.2] = 0.0  # zero weights make runs of equal running sums
        w[0] = max(w[0], 1e-3)
        cum = np.cumsum(w)
        t = np.concatenate([rng.random(20_000) * cum[-1], cum, [0.0, cum[-1]]])
        expected = np.searchsorted(cum, t, side="right")
        assert np.array_equal(searchsorted_right(cum, t), expected)
        assert np.array_equal(searchsorted_right(cum, t, guide_table(cum)), expected)


# ------------------------------------------------------------------ array helpers
def test_array_helpers_equal_numpy():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 50, 3000)
    assert np.array_equal(sorted_unique(x), np.unique(x))
    assert count_distinct(x) == len(np.unique(x))
    assert len(sorted_unique(np.empty(0, np.int64))) == 0
    y = np.unique(rng.integers(0, 80, 200))
    for a, b in [(np.unique(x), y), (y, np.empty(0, np.int64)), (np.empty(0, np.int64), y),
                 (np.arange(5, dtype=np.int32), np.arange(3, 9))]:
        union = sorted_union(a, b)
        assert np.array_equal(union, np.union1d(a, b)) and union.dtype == np.union1d(a, b).dtype


def test_postlog_growth_keeps_every_post():
    log = PostLog()
    for i in range(300):  # beyond the initial capacity, one post at a time and in batches
        if i % 3:
            log.add(retailer=0, platform=1, channel=2, kind=KIND["ugc"], circle=i, credibility=0.5,
                    b0=-3.0, negative=False, author=i, day=i)
        else:
            log.add(retailer=0, platform=np.array([0, 1]), channel=2, kind=KIND["promo"],
                    circle=np.array([i, i]), credibility=0.9, b0=-2.0, negative=True,
                    author=np.array([i, -i]), day=i)
    assert len(log) == 400
    assert log["circle"].tolist()[:6] == [0, 0, 1, 2, 3, 3]
    assert log["author"][1] == 0 and log["author"][0] == 0 and log["negative"][0]
    assert log["homogeneity"][2] == pytest.approx(0.3)  # ugc kind's default


# ------------------------------------------------------ incremental daily state
def test_incremental_social_proof_and_saturation_equal_recomputation():
    rng = np.random.default_rng(8)
    g = circle_graph(rng.integers(0, 6, 2000).astype(np.int32), GraphSection(), rng)
    circle = rng.integers(0, 6, g.n)
    share, sat = NeighbourShare(g, 2), CircleShare(circle, 6, 2)
    mask = np.zeros((g.n, 2), dtype=bool)
    for _ in range(12):
        flip = rng.random(mask.shape) < 0.05
        mask ^= flip  # rows switch on and (here, unlike the model) also off again
        expected = atmosphere(g.adjacency(), mask, g.degree)
        assert np.array_equal(share.update(mask), expected)
        sizes = np.maximum(np.bincount(circle, minlength=6), 1)[:, None]
        sums = np.stack([np.bincount(circle, weights=mask[:, r], minlength=6) for r in range(2)], 1)
        assert np.array_equal(sat.update(mask), sums / sizes)


def test_cached_attention_sampler_equals_sample_by_attention():
    rng = np.random.default_rng(9)
    pop = build_population(PopulationSection(), 5000, 2, np.array([1.0, 1.0]), 1, rng)
    sampler = AttentionSampler(pop.attention, pop.activity)
    members = np.flatnonzero(pop.circle == 0)
    pool, cum = sampler.pool(0, 1, lambda: members)
    for count in (10, 5000):  # below and above the guided-search threshold
        a = sampler.draw(pool, cum, count, np.random.default_rng(count))
        b = sample_by_attention(members, pop.attention[members, 1] * pop.activity[members], count,
                                np.random.default_rng(count))
        assert np.array_equal(a, b)
    assert sampler.pool(0, 1, lambda: None)[1] is cum  # cached: members not recomputed


# -------------------------------------------- draws only for consumers who can use them
def test_churn_draws_only_for_active_customers_at_the_right_rate():
    rng = np.random.default_rng(11)
    pop = build_population(PopulationSection(), 40_000, 2, np.array([1.0, 1.0]), 2, rng)
    pop.stage[:20_000] = CUSTOMER
    pop.member[:10_000, 0] = True
    beh = BehaviourSection(churn_hazard=0.2)
    churn.churn(pop, beh, rng)
    assert not pop.churned[20_000:].any()  # non-customers never churn
    assert pop.churned[:10_000, 0].mean() == pytest.approx(0.1, abs=0.015)  # members: half
    assert pop.churned[10_000:20_000, 0].mean() == pytest.approx(0.2, abs=0.015)
    before = pop.churned.copy()
    churn.churn(pop, beh, rng)
    assert (pop.churned >= before).all()  # churned customers stay churned


def test_purchase_sessions_drawn_for_candidates_keep_the_purchase_rate():
    from sim.config.scenario import RetailerSection

    rng = np.random.default_rng(12)
    n = 60_000
    pop = build_population(PopulationSection(), n, 2, np.array([1.0, 1.0]), 1, rng)
    pop.stage[: n // 2, 0] = INTERESTED
    beh = BehaviourSection()
    cfg = RetailerSection(name="brand")
    atm = np.zeros((n, 1))
    rows = np.arange(n // 2)
    p = funnel.first_purchase_probability(pop, rows, 0, cfg, beh, atm, False, np.ones(2))
    expected = float(np.sum(pop.activity[rows] * p))  # session × hazard, summed
    (orders,) = funnel.decide_purchases(pop, [cfg], beh, atm, [False], np.ones(2), rng)
    assert (orders.buyers < n // 2).all()  # only interested consumers buy
    assert abs(len(orders.buyers) - expected) < 4.5 * math.sqrt(expected)


def test_vectorised_organic_delivery_equals_creator_by_creator(monkeypatch, small_baseline):
    """The model's one-draw organic delivery gives the same run as creator-by-creator draws
    (``naive.deliver_creator_by_creator``)."""
    import naive
    from sim.engine.model import SocialCommerceModel
    from sim.engine.organic import OrganicDelivery

    def creator_by_creator(self, rng, trust, published=None):  # looks at every creator
        return naive.deliver_creator_by_creator(self.creators, self.pop, rng, trust)

    def run():
        model = SocialCommerceModel(small_baseline, seed=3)
        while model.running:
            model.step()
        return model.datacollector.get_model_vars_dataframe()

    fast = run()
    monkeypatch.setattr(OrganicDelivery, "deliver", creator_by_creator)
    slow = run()
    assert fast["exposures"].iloc[-1] > 0
    assert fast.equals(slow)


def test_sorted_union_merge_equals_numpy_on_ascending_and_unsorted_inputs():
    """Strictly ascending inputs take the merge; anything else (repeats, disorder) the sort;
    both equal ``np.union1d`` in values and dtype."""
    rng = np.random.default_rng(11)
    for _ in range(50):
        a = np.unique(rng.integers(0, 400, rng.integers(0, 300)))
        b = np.unique(rng.integers(0, 400, rng.integers(0, 300))).astype(np.int32)
        for x, y in [(a, b), (b, a), (a, a), (a[::-1], b), (np.repeat(a, 2), b), (a, b[::-1])]:
            union = sorted_union(x, y)
            assert np.array_equal(union, np.union1d(x, y))
            assert union.dtype == np.union1d(x, y).dtype
