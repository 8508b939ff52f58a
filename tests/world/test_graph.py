"""Graph generators: structure, symmetry, circles, heavy tails, loaders."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.world.graph import build_graph, circle_graph, from_networkx, read_edgelist
from sim.world.population import zipf_shares
from sim.config.scenario import GraphSection


def circles_for(n: int, c: int, rng) -> np.ndarray:
    return rng.choice(c, size=n, p=zipf_shares(c, 1.0)).astype(np.int32)


def check_symmetric(g) -> None:
    a = g.adjacency()
    assert (a != a.T).nnz == 0
    assert not np.any(np.repeat(np.arange(g.n), g.degree) == g.indices)  # no self loops
    # trust is symmetric too
    t = a.copy()
    t.data = g.trust.astype(float)
    assert abs(t - t.T).max() < 1e-6


def test_circle_graph_mean_degree_mixing_and_symmetry():
    rng = np.random.default_rng(0)
    circle = circles_for(20_000, 20, rng)
    cfg = GraphSection(mean_degree=15, mixing=0.2)
    g = circle_graph(circle, cfg, rng)
    check_symmetric(g)
    assert g.degree.mean() == pytest.approx(15, rel=0.08)
    src = np.repeat(np.arange(g.n), g.degree)
    cross = np.mean(circle[src] != circle[g.indices])
    # cross-circle share ≈ mixing (a few random "across" ties land inside by chance)
    assert 0.15 < cross < 0.25


def test_circle_graph_has_heavy_tailed_degrees():
    rng = np.random.default_rng(1)
    circle = circles_for(20_000, 10, rng)
    g = circle_graph(circle, GraphSection(mean_degree=10, degree_exponent=2.5), rng)
    er = build_graph(GraphSection(kind="erdos_renyi", mean_degree=10), circle, rng)
    assert g.degree.max() > 5 * er.degree.max()


def test_strong_ties_have_higher_trust():
    rng = np.random.default_rng(2)
    g = circle_graph(circles_for(5000, 5, rng), GraphSection(strong_share=0.3), rng)
    assert g.trust[g.strong].mean() > g.trust[~g.strong].mean() + 0.3
    assert 0.0 <= g.trust.min() and g.trust.max() <= 1.0


def test_erdos_renyi_degree():
    rng = np.random.default_rng(3)
    g = build_graph(GraphSection(kind="erdos_renyi", mean_degree=10), np.zeros(10_000, np.int32), rng)
    check_symmetric(g)
    assert g.degree.mean() == pytest.approx(10, rel=0.03)


@pytest.mark.parametrize("kind", ["barabasi_albert", "watts_strogatz"])
def test_networkx_generators(kind):
    rng = np.random.default_rng(4)
    g = build_graph(GraphSection(kind=kind, mean_degree=10), np.zeros(2000, np.int32), rng)
    check_symmetric(g)
    assert g.degree.mean() == pytest.approx(10, rel=0.1)


def test_well_mixed_has_no_graph():
    assert build_graph(GraphSection(kind="well_mixed"), np.zeros(10, np.int32),
                       np.random.default_rng(0)) is None


def test_edgelist_roundtrip(tmp_path):
    g0 = nx.karate_club_graph()
    path = tmp_path / "karate.edges"
    nx.write_edgelist(g0, path, data=False)
    n, u, v = read_edgelist(path)
    assert n == 34 and len(u) == g0.number_of_edges()
    cfg = GraphSection(kind="edgelist", path=path)
    g = build_graph(cfg, np.zeros(34, np.int32), np.random.default_rng(0))
    assert g.edges == g0.number_of_edges()
    h = g.to_networkx()
    assert sorted(d for _, d in h.degree()) == sorted(d for _, d in g0.degree())


def test_from_networkx_preserves_edges():
    g0 = nx.path_graph(5)
    g = from_networkx(g0, GraphSection(), np.random.default_rng(0))
    assert g.edges == 4 and list(g.degree) == [1, 2, 2, 2, 1]


def test_same_seed_same_graph():
    circle = circles_for(3000, 8, np.random.default_rng(9))
    a = circle_graph(circle, GraphSection(), np.random.default_rng(5))
    b = circle_graph(circle, GraphSection(), np.random.default_rng(5))
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.trust, b.trust)
