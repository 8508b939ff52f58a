"""sim.kernels.threshold.threshold_by_day: the flips per day of the model's rule (one sparse
product per day over everyone), computed incrementally."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import GraphSection
from sim.engine.diffusion import atmosphere
from sim.kernels.threshold import threshold_by_day
from sim.world.graph import erdos_renyi


@pytest.fixture(scope="module")
def graph():
    return erdos_renyi(2500, GraphSection(kind="erdos_renyi", mean_degree=6),
                       np.random.default_rng(4))


def day_by_day(graph, seeds, phi, days):
    """The model's rule (ReferenceStep.threshold): judge everyone each day."""
    engaged = np.zeros(graph.n, dtype=bool)
    engaged[seeds] = True
    adjacency, out = graph.adjacency(), []
    for _ in range(days):
        atm = atmosphere(adjacency, engaged[:, None], graph.degree)[:, 0]
        flip = ~engaged & (atm >= phi) & (graph.degree > 0)
        engaged |= flip
        out.append(int(flip.sum()))
    return np.array(out), engaged


@pytest.mark.parametrize("phi", [0.0, 0.1, 0.17, 1 / 3, 1.0])
def test_flips_equal_the_sparse_product_rule(graph, phi):
    for s in range(3):
        seeds = np.random.default_rng(s).choice(graph.n, size=60, replace=False)
        flips, engaged = day_by_day(graph, seeds, phi, 30)
        np.testing.assert_array_equal(threshold_by_day(graph, seeds, phi, 30), flips)
    assert flips.sum() > 0  # every φ here flips someone (φ = 1: consumers with few ties)


def test_bad_seeds_and_no_days(graph):
    with pytest.raises(ValueError, match="seed ids"):
        threshold_by_day(graph, np.array([-1]), 0.2, 5)
    assert len(threshold_by_day(graph, np.array([0]), 0.2, 0)) == 0
