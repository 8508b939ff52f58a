"""sim.kernels.cascade.cascade_by_generation: one compiled call gives, generation by
generation, what successive cascade_generation calls give from the same stream."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import GraphSection
from sim.kernels.cascade import cascade_by_generation, cascade_generation
from sim.world.graph import erdos_renyi


@pytest.fixture(scope="module")
def graph():
    return erdos_renyi(3000, GraphSection(kind="erdos_renyi", mean_degree=5),
                       np.random.default_rng(2))


def day_by_day(graph, seeds, t, rng, generations):
    """(new, hits) per generation from cascade_generation, as the model's days call it."""
    active = np.zeros(graph.n, dtype=bool)
    active[seeds] = True
    frontier, new, hits = seeds, [], []
    for _ in range(generations):
        if len(frontier) == 0:
            new.append(0), hits.append(0)
            continue
        frontier, h = cascade_generation(graph, frontier, t, active, rng, record_hits=True)
        new.append(len(frontier)), hits.append(len(h))
    return np.array(new), np.array(hits), active


@pytest.mark.parametrize("t", [0.1, 0.3, 1.0])
def test_counts_equal_the_day_by_day_generations(graph, t):
    for s in range(4):
        seeds = np.random.default_rng(s).choice(graph.n, size=5, replace=False)
        a, b = np.random.default_rng(100 + s), np.random.default_rng(100 + s)
        new, hits, active = day_by_day(graph, seeds, t, a, 30)
        got_new, got_hits = cascade_by_generation(graph, seeds, t,
                                                  b.bit_generator.random_raw(30))
        np.testing.assert_array_equal(got_new, new)
        np.testing.assert_array_equal(got_hits, hits)
        assert len(seeds) + got_new.sum() == active.sum()
        assert hits.sum() > 0


def test_stops_when_the_frontier_empties_and_leaves_no_state(graph):
    seeds = np.arange(0, 3000, 150)  # 20 seeds, subcritical (mean degree 5, T = 0.1)
    new, hits = cascade_by_generation(graph, seeds, 0.1, np.arange(1, 41, dtype=np.uint64))
    ran = np.flatnonzero(new)
    assert len(ran) and ran[-1] < 30  # it died out well before the 40 generations
    assert (new[ran[-1] + 1:] == 0).all() and (hits[ran[-1] + 2:] == 0).all()
    again = cascade_by_generation(graph, seeds, 0.1, np.arange(1, 41, dtype=np.uint64))
    np.testing.assert_array_equal(again[0], new)  # the shared workspace was left clean


def test_bad_input(graph):
    with pytest.raises(ValueError, match="transmissibility"):
        cascade_by_generation(graph, np.array([0]), 1.5, np.ones(3, np.uint64))
    with pytest.raises(ValueError, match="seed ids"):
        cascade_by_generation(graph, np.array([graph.n]), 0.2, np.ones(3, np.uint64))
    new, hits = cascade_by_generation(graph, np.array([0]), 0.0, np.ones(3, np.uint64))
    assert not new.any() and not hits.any()
